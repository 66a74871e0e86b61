/**
 * TLS clusters (SSL listener, server authentication only): with `security.protocol = SSL` and the CA that
 * signed the brokers' certificates in `ssl.ca.location`, the engine mirrors over TLS on both data paths —
 * `data.path = records` (librdkafka) and `data.path = batches` (@platformatic/kafka connections,
 * engine/kafka/batch/) — and the target holds the source's records one for one, read back over PLAINTEXT
 * with kafkajs. With a CA that did not sign the source broker's certificate it exits 4 (AUTH_FAILED) at start
 * with an error naming the cluster, and the batch path's own client (BatchClient) rejects with AUTH_FAILED and
 * the TLS reason. Uses its OWN pair of local clusters (PLAINTEXT 21492/21493, SSL 21592/21593, controllers
 * 31492/31493), with key material made at test time (local-kafka/tls-material.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';
import { createTlsMaterial } from '../local-kafka/tls-material.ts';
import { ERROR_CODES, EXIT_CODES } from '../engine/index.ts';
import { BatchClient, batchClientOptions, type ClusterClientSettings } from '../engine/testing.ts';
import { readTopic, recordCount, textOf, type ReadRecord } from '../testkit/cluster-reader.ts';
import { testProperties } from '../testkit/engine-harness.ts';
import { EngineProcess } from '../testkit/engine-process.ts';
import { kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

const dir = mkdtempSync(join(tmpdir(), 'kme-tls-'));
const tls = createTlsMaterial(join(dir, 'tls'), 'kme-test-ca');
/** A second, unrelated self-signed CA: it did not sign the brokers' certificates. */
const otherCa = createTlsMaterial(join(dir, 'other-tls'), 'kme-other-ca');
const source = new LocalKafkaCluster({ alias: 'tls-primary', port: 21492, sslPort: 21592, tls, dataRoot: dir });
const target = new LocalKafkaCluster({ alias: 'tls-standby', port: 21493, sslPort: 21593, tls, dataRoot: dir });
const RECORDS = 300;

beforeAll(async () => {
  await Promise.all([source.start('process'), target.start('process')]);
}, 120_000);

afterAll(async () => {
  await Promise.all([source.stop(), target.stop()]);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Engine properties: both clusters reached only through their SSL listeners, trusting `ca.primary` and `ca.standby`. */
function properties(topic: string, dataPath: 'records' | 'batches', ca: { primary: string; standby: string }): string {
  return testProperties(topic, {
    'primary.bootstrap.servers': `127.0.0.1:${source.sslPort}`,
    'standby.bootstrap.servers': `127.0.0.1:${target.sslPort}`,
    'security.protocol': 'SSL',
    'primary.ssl.ca.location': ca.primary,
    'standby.ssl.ca.location': ca.standby,
    'data.path': dataPath,
  });
}

/** Creates `topic` (3 partitions) on the source and produces {@link RECORDS} keyed records with a header, over PLAINTEXT. */
async function produceSource(topic: string): Promise<void> {
  const client = kafkajsClient(source.bootstrapServers);
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = client.producer();
  await producer.connect();
  for (let i = 0; i < RECORDS; i += 100) {
    const messages = Array.from({ length: 100 }, (_, j) => ({ key: `k${i + j}`, value: `v${i + j}`, headers: { n: String(i + j) } }));
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
}

/** What must survive the mirror, per record. */
const essence = (r: ReadRecord) => ({ partition: r.partition, offset: r.offset, key: textOf(r.key), value: textOf(r.value), timestamp: r.timestamp, headers: r.headers.map(([k, v]) => [k, textOf(v)]) });

describe('TLS clusters (SSL listener)', () => {
  for (const dataPath of ['records', 'batches'] as const) {
    it(`mirrors record for record over TLS on data.path = ${dataPath}`, async () => {
      const topic = uniqueTopic(`tls-${dataPath}`);
      await produceSource(topic);
      const engine = new EngineProcess({ configPath: join(dir, `${dataPath}.properties`), logFile: join(dir, `${dataPath}.log`) });
      engine.writeConfig(properties(topic, dataPath, { primary: tls.caPem, standby: tls.caPem }));
      await engine.start();
      try {
        const started = engine.logLines().find((l) => /^Mirror task .* started$/.test(l.msg));
        expect(started?.dataPath).toBe(dataPath); // not fallen back to the record path
        await waitFor(async () => (await recordCount(target.bootstrapServers, `primary.${topic}`)) === RECORDS, { timeoutMs: 60_000, message: `${RECORDS} records mirrored over TLS (${dataPath})` });
        const [upstream, downstream] = await Promise.all([readTopic(source.bootstrapServers, topic), readTopic(target.bootstrapServers, `primary.${topic}`)]);
        expect(upstream).toHaveLength(RECORDS);
        expect(downstream.map(essence)).toEqual(upstream.map(essence));
        expect(engine.logLines().filter((l) => l.level === 'error' || (typeof l.level === 'number' && l.level >= 50))).toEqual([]);
        console.info(`TLS, data.path = ${dataPath}: ${downstream.length} records verified one for one`);
      } finally {
        expect(await engine.stop()).toBe(EXIT_CODES.OK);
      }
    });
  }

  for (const dataPath of ['records', 'batches'] as const) {
    it(`exits 4 (AUTH_FAILED) at start, naming the cluster, when its CA did not sign the broker certificate (data.path = ${dataPath})`, async () => {
      const topic = uniqueTopic(`tls-bad-ca-${dataPath}`);
      const engine = new EngineProcess({ configPath: join(dir, `bad-${dataPath}.properties`), logFile: join(dir, `bad-${dataPath}.log`) });
      engine.writeConfig(properties(topic, dataPath, { primary: otherCa.caPem, standby: tls.caPem })); // only the source's trust is wrong
      const t0 = Date.now();
      await engine.start({ waitForStartedMs: 60_000, allowEarlyExit: true });
      const code = await engine.waitForExit(60_000);
      const elapsedMs = Date.now() - t0;
      const output = readFileSync(engine.logFile, 'utf8') + engine.stderrText;
      console.info(`wrong CA (${dataPath}): exit ${code} after ${elapsedMs} ms`);
      expect(code).toBe(EXIT_CODES.AUTH_FAILED);
      // engine/kafka/cluster-probe.ts: librdkafka's handshake failure is a verdict (MirrorError AUTH_FAILED), labelled with the cluster.
      expect(output).toMatch(/cluster 'primary' \(127\.0\.0\.1:21592\): authentication failed: .*SSL handshake failed: .*certificate verify failed: .*ssl\.ca\.location/);
      expect(output).not.toMatch(/cluster 'standby'[^"]*authentication failed/);
      expect(output).not.toContain(tls.keystorePassword);
      expect(elapsedMs).toBeLessThan(30_000);
    });
  }

  it('the batch path\'s client: Metadata over TLS with the right CA; with the wrong CA connect() rejects at once with AUTH_FAILED naming the broker and the TLS reason', async () => {
    const topic = uniqueTopic('tls-batch-client');
    await produceSource(topic);
    const settings = (caPem: string): ClusterClientSettings => ({
      alias: 'primary', bootstrapServers: `127.0.0.1:${source.sslPort}`, client: { 'security.protocol': 'SSL', 'ssl.ca.location': caPem }, consumer: {}, producer: {}, admin: {},
    });
    const good = new BatchClient(batchClientOptions(settings(tls.caPem), 'kme-test-tls-batch'));
    try {
      await good.connect();
      const [layout] = await good.metadata([topic]);
      expect(layout?.partitions).toHaveLength(3);
    } finally {
      await good.close();
    }
    const bad = new BatchClient(batchClientOptions(settings(otherCa.caPem), 'kme-test-tls-batch-bad'));
    const t0 = Date.now();
    const err = await bad.connect().then(() => undefined, (e: unknown) => e as Error & { code?: string; cause?: unknown });
    await bad.close();
    const elapsedMs = Date.now() - t0;
    console.info(`batch client, wrong CA: ${err?.code} '${err?.message}' after ${elapsedMs} ms`);
    expect(err?.code).toBe(ERROR_CODES.AUTH_FAILED); // engine/kafka/batch/connection-failure.ts: a TLS trust failure is a verdict
    expect(err!.message).toBe(`no bootstrap broker of 127.0.0.1:${source.sslPort} answered: Connection to 127.0.0.1:${source.sslPort} failed: self-signed certificate in certificate chain`);
    expect(elapsedMs).toBeLessThan(10_000);
  });
});
