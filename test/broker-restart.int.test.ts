/**
 * Retriable conditions lose nothing (DESIGN.md invariant 6): the target broker and then the source
 * broker are restarted while records flow; the engine keeps running and every record arrives once,
 * in order. Uses its OWN pair of local clusters (other ports and data folder), because it stops
 * brokers that other tests must not lose.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';
import { MirrorEngine } from '../engine/index.ts';
import { readTopic, recordCount } from '../testkit/cluster-reader.ts';
import type { EngineLogLine as LogLine } from '../testkit/engine-log.ts';
import { capturingLogger } from '../testkit/engine-harness.ts';
import { duplicateProblems, orderProblems } from '../testkit/invariants.ts';
import { kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { parseTestConfig } from '../testkit/data-path.ts';

const dataRoot = mkdtempSync(join(tmpdir(), 'kme-restart-'));
const source = new LocalKafkaCluster({ alias: 'restart-primary', port: 21092, dataRoot });
const target = new LocalKafkaCluster({ alias: 'restart-standby', port: 21093, dataRoot });

beforeAll(async () => {
  await Promise.all([source.start('process'), target.start('process')]);
}, 120_000);

afterAll(async () => {
  await Promise.all([source.stop(), target.stop()]);
  rmSync(dataRoot, { recursive: true, force: true });
}, 60_000);

describe('broker restarts while mirroring', () => {
  it('restarting the target, then the source broker loses and duplicates nothing', async () => {
    const topic = uniqueTopic('restart');
    const admin = kafkajsClient(source.bootstrapServers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
    const { config } = parseTestConfig(
      [
        'clusters = primary, standby',
        `primary.bootstrap.servers = ${source.bootstrapServers}`,
        `standby.bootstrap.servers = ${target.bootstrapServers}`,
        'primary->standby.enabled = true',
        `primary->standby.topics = ${topic}`,
        'replication.factor = 1',
        'progress.topic.replication.factor = 1',
      ].join('\n'),
    );
    const logs: LogLine[] = [];
    const engine = new MirrorEngine({ config, logger: capturingLogger(logs), summaryIntervalMs: 0 });
    await engine.start();
    let sent = 0;
    const produce = async (n: number) => {
      // A fresh kafkajs producer per burst: the source broker restarts between bursts.
      const producer = kafkajsClient(source.bootstrapServers).producer();
      await producer.connect();
      for (let i = 0; i < n; i += 100) {
        const batch = Array.from({ length: Math.min(100, n - i) }, () => {
          const seq = sent++;
          return { key: `k${seq}`, value: String(seq), partition: seq % 2 };
        });
        await producer.send({ topic, messages: batch });
      }
      await producer.disconnect();
    };
    const remote = `primary.${topic}`;
    try {
      await produce(500);
      await waitFor(async () => (await recordCount(target.bootstrapServers, remote)) >= 500, { timeoutMs: 30_000, message: 'first 500 mirrored' });

      await target.stop();
      await produce(500); // the engine fetches these while the target is down: they wait in its producer
      await target.start('process');
      await waitFor(async () => (await recordCount(target.bootstrapServers, remote)) >= 1000, { timeoutMs: 60_000, message: '1000 mirrored after the target restart' });

      await source.stop();
      await source.start('process');
      await produce(500);
      await waitFor(async () => (await recordCount(target.bootstrapServers, remote)) >= 1500, { timeoutMs: 60_000, message: '1500 mirrored after the source restart' });

      const records = await readTopic(target.bootstrapServers, remote);
      const values = records.map((r) => Number(r.value!.toString()));
      expect(values.length).toBe(1500);
      expect(duplicateProblems(values)).toEqual([]);
      for (const p of [0, 1]) {
        const inPartition = records.filter((r) => r.partition === p).map((r) => Number(r.value!.toString()));
        expect(orderProblems(inPartition), `partition ${p}`).toEqual([]);
      }
      expect(logs.filter((l) => l.level === 'critical' || l.level === 'fatal')).toEqual([]);
      expect(engine.tasks[0]!.failed).toBeUndefined();
    } finally {
      await engine.stop();
    }
  });
});
