/**
 * Authenticated clusters (SASL/PLAIN): with the right password written the way MM2 users write it
 * (`sasl.mechanism` + `sasl.jaas.config`), the engine mirrors; with a wrong one it exits with the
 * authentication exit code (4) quickly and the password appears nowhere in its log or stderr. The
 * checkpoint path (consumer groups of the source) fails the same way, fast, instead of retrying each
 * round until the admin timeout. Uses its OWN pair of local clusters with a SASL_PLAINTEXT listener.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SASL_USERS, LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';
import { ERROR_CODES, EXIT_CODES, Telemetry, type MirrorError } from '../engine/index.ts';
import { ClusterConnections, FailoverSupport, type MirrorTask } from '../engine/testing.ts';
import { recordCount } from '../testkit/cluster-reader.ts';
import { capturingLogger } from '../testkit/engine-harness.ts';
import type { EngineLogLine as LogLine } from '../testkit/engine-log.ts';
import { EngineProcess } from '../testkit/engine-process.ts';
import { kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { parseTestConfig } from '../testkit/data-path.ts';

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

  it('fails the checkpoint path fast with AUTH_FAILED (exit 4) when the source credentials are wrong, never logging the password', async () => {
    // Offset syncs on the target, whose credentials are right: only the checkpoint path reads the source.
    const { config } = parseTestConfig(
      [
        properties(uniqueTopic('sasl-ckpt'), WRONG_PASSWORD),
        'offset-syncs.topic.location = target',
        'offset-syncs.topic.replication.factor = 1',
        'checkpoints.topic.replication.factor = 1',
        'heartbeats.topic.replication.factor = 1',
        'emit.checkpoints.interval.seconds = 1',
      ].join('\n'),
    );
    const flow = config.flows[0]!;
    expect(flow.adminTimeoutMs).toBe(60_000);
    const logs: LogLine[] = [];
    const logger = capturingLogger(logs);
    const connections = new ClusterConnections({ logger });
    const telemetry = new Telemetry();
    const support = await FailoverSupport.prepare(flow, telemetry, logger, undefined, connections);
    try {
      const t0 = Date.now();
      await support.start({ partitionStates: new Map() } as unknown as MirrorTask); // checkpoint rounds only look states up
      let error: MirrorError | undefined;
      void support.failure.then((e) => (error = e));
      await waitFor(() => error, { timeoutMs: 30_000, message: 'the checkpoint path to fail' });
      const elapsedMs = Date.now() - t0;
      expect(error!.code).toBe(ERROR_CODES.AUTH_FAILED); // engine/cli exitCodeFor → EXIT_CODES.AUTH_FAILED (4); MirrorEngine.done races this failure
      expect(error!.message).toMatch(/on primary failed: .*authentication/i);
      expect(elapsedMs).toBeLessThan(flow.adminTimeoutMs / 2); // not retried until admin.timeout.ms
      expect(logs.some((l) => l.level === 'error' && String(l.msg).startsWith(`Checkpoint task of ${flow.name} stopping`))).toBe(true);
      expect(JSON.stringify(logs)).not.toContain(WRONG_PASSWORD);
      expect(JSON.stringify(logs)).not.toContain(LOCAL_SASL_USERS.mirror!);
      console.info(`checkpoint path, wrong source password: ${error!.code} after ${elapsedMs} ms`);
    } finally {
      await support.stop();
      await connections.close();
      await telemetry.shutdown();
    }
  });
});
