/**
 * Authenticated clusters (SASL/PLAIN): with the right password written the way MM2 users write it
 * (`sasl.mechanism` + `sasl.jaas.config`), the engine mirrors; with a wrong one it exits with the
 * authentication exit code (4) quickly and the password appears nowhere in its log or stderr.
 * Uses its OWN pair of local clusters with a SASL_PLAINTEXT listener.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SASL_USERS, LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';
import { EXIT_CODES } from '../engine/core/errors.ts';
import { recordCount } from '../testkit/cluster-reader.ts';
import { EngineProcess } from '../testkit/engine-process.ts';
import { kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

const dir = mkdtempSync(join(tmpdir(), 'kme-sasl-'));
const source = new LocalKafkaCluster({ alias: 'sasl-primary', port: 21192, saslPort: 21292, dataRoot: dir });
const target = new LocalKafkaCluster({ alias: 'sasl-standby', port: 21193, saslPort: 21293, dataRoot: dir });
const WRONG_PASSWORD = 'not-the-password-7f3a9c';

beforeAll(async () => {
  await Promise.all([source.start('process'), target.start('process')]);
}, 120_000);

afterAll(async () => {
  await Promise.all([source.stop(), target.stop()]);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

function properties(topic: string, password: string): string {
  const jaas = (pw: string) => `org.apache.kafka.common.security.plain.PlainLoginModule required username="mirror" password="${pw}";`;
  return [
    'clusters = primary, standby',
    `primary.bootstrap.servers = 127.0.0.1:${source.saslPort}`,
    `standby.bootstrap.servers = 127.0.0.1:${target.saslPort}`,
    'security.protocol = SASL_PLAINTEXT',
    'sasl.mechanism = PLAIN',
    `primary.sasl.jaas.config = ${jaas(password)}`,
    `standby.sasl.jaas.config = ${jaas(LOCAL_SASL_USERS.mirror!)}`,
    'primary->standby.enabled = true',
    `primary->standby.topics = ${topic}`,
    'replication.factor = 1',
    'progress.topic.replication.factor = 1',
  ].join('\n');
}

describe('SASL/PLAIN clusters', () => {
  it('mirrors with the right credentials (MM2-style sasl.jaas.config)', async () => {
    const topic = uniqueTopic('sasl-ok');
    const admin = kafkajsClient(source.bootstrapServers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafkajsClient(source.bootstrapServers).producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    const engine = new EngineProcess({ configPath: join(dir, 'ok.properties'), logFile: join(dir, 'ok.log') });
    engine.writeConfig(properties(topic, LOCAL_SASL_USERS.mirror!));
    await engine.start();
    try {
      await waitFor(async () => (await recordCount(target.bootstrapServers, `primary.${topic}`)) === 50, { timeoutMs: 30_000, message: '50 records mirrored over SASL' });
    } finally {
      expect(await engine.stop()).toBe(EXIT_CODES.OK);
    }
  });

  it('exits with the authentication exit code on a wrong password and never logs it', async () => {
    const topic = uniqueTopic('sasl-bad');
    const engine = new EngineProcess({ configPath: join(dir, 'bad.properties'), logFile: join(dir, 'bad.log') });
    engine.writeConfig(properties(topic, WRONG_PASSWORD));
    const t0 = Date.now();
    await engine.start({ waitForStartedMs: 60_000, allowEarlyExit: true }); // authentication fails at start: exit 4
    const code = await engine.waitForExit(60_000);
    const elapsedMs = Date.now() - t0;
    expect(code).toBe(EXIT_CODES.AUTH_FAILED);
    const log = readFileSync(engine.logFile, 'utf8');
    expect(log + engine.stderrText).toMatch(/authentication/i);
    expect(log).not.toContain(WRONG_PASSWORD);
    expect(engine.stderrText).not.toContain(WRONG_PASSWORD);
    expect(readFileSync(engine.configPath, 'utf8')).toContain(WRONG_PASSWORD); // the secret was really in play
    console.info(`wrong password: exit ${code} after ${elapsedMs} ms`);
  });
});
