/**
 * A cluster outage is never silent (DESIGN.md invariant 6; issue 12 items 5 and 12), on the real local
 * clusters: the target (`standby`) broker is stopped and started again by this file, so it runs its own
 * pair of clusters (ports 21392/21393) — never the shared ones other test files use.
 * - start-up with the target down fails after `cluster.startup.wait.ms`, naming alias and bootstrap servers;
 * - start-up waits for a target that comes up within the wait, then mirrors;
 * - an outage while mirroring gives one `cluster_unreachable` warn line naming standby, one
 *   `cluster_reachable_again` info line with the outage duration, and every record arrives exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';
import { ClusterUnreachableError, ERROR_CODES, MirrorEngine, parseMirrorConfig, type ClusterHealthSettings } from '../engine/index.ts';
import { capturingLogger, testProperties } from '../testkit/engine-harness.ts';
import type { EngineLogLine as LogLine } from '../testkit/engine-log.ts';
import { kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { readTopic, recordCount } from '../testkit/cluster-reader.ts';

const dataRoot = mkdtempSync(join(tmpdir(), 'kme-outage-'));
const primary = new LocalKafkaCluster({ alias: 'outage-primary', port: 21392, dataRoot });
const standby = new LocalKafkaCluster({ alias: 'outage-standby', port: 21393, dataRoot });
const PRIMARY = primary.bootstrapServers;
const STANDBY = standby.bootstrapServers;

beforeAll(async () => {
  await Promise.all([primary.start('process'), standby.start('process')]);
}, 120_000);

afterAll(async () => {
  await Promise.all([primary.stop(), standby.stop()]);
  rmSync(dataRoot, { recursive: true, force: true });
}, 60_000);

async function createSourceTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = kafkajsClient(PRIMARY).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Produces `count` records valued `from, from+1, …` round-robin over `partitions` partitions. */
async function produce(topic: string, from: number, count: number, partitions: number): Promise<void> {
  const producer = kafkajsClient(PRIMARY).producer();
  await producer.connect();
  try {
    for (let i = 0; i < count; i += 100) {
      const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) => ({ value: String(from + i + j), partition: (from + i + j) % partitions }));
      await producer.send({ topic, messages: batch });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Every value 0..count-1 exactly once on the remote topic, in order within each partition. */
async function expectExactlyOnce(remote: string, count: number, partitions: number): Promise<void> {
  const records = await readTopic(STANDBY, remote);
  const values = records.map((r) => Number(r.value!.toString()));
  expect(values.length).toBe(count);
  expect(new Set(values).size).toBe(count);
  expect(Math.max(...values)).toBe(count - 1);
  for (let p = 0; p < partitions; p++) {
    const inPartition = records.filter((r) => r.partition === p).map((r) => Number(r.value!.toString()));
    expect(inPartition).toEqual([...inPartition].sort((a, b) => a - b));
  }
}

function newEngine(topic: string, clusterHealth: Partial<ClusterHealthSettings>): { engine: MirrorEngine; logs: LogLine[] } {
  const { config } = parseMirrorConfig(testProperties(topic, { 'primary.bootstrap.servers': PRIMARY, 'standby.bootstrap.servers': STANDBY }));
  const logs: LogLine[] = [];
  return { engine: new MirrorEngine({ config, logger: capturingLogger(logs), summaryIntervalMs: 0, clusterHealth }), logs };
}

const lines = (logs: LogLine[], event: string, alias: string) => logs.filter((l) => l.event === event && l.alias === alias);

describe('cluster outages', () => {
  it('start-up with the target down fails after cluster.startup.wait.ms naming standby and its bootstrap servers; the warn line comes first', async () => {
    await standby.stop();
    const topic = uniqueTopic('outage-start-fail');
    const { engine, logs } = newEngine(topic, { warnAfterMs: 2_000, startupWaitMs: 6_000, probeTimeoutMs: 1_000 });
    const t0 = Date.now();
    const err = await engine.start().then(() => undefined, (e: unknown) => e);
    const elapsedMs = Date.now() - t0;

    expect(err).toBeInstanceOf(ClusterUnreachableError);
    const e = err as ClusterUnreachableError;
    expect(e.code).toBe(ERROR_CODES.CLUSTER_UNREACHABLE);
    expect(e.message).toContain(`cluster 'standby' (${STANDBY}), target of primary->standby, did not answer`);
    expect(e.message).toContain("'cluster.startup.wait.ms' = 6000");
    expect(e.message).not.toContain("cluster 'primary'");
    expect(e.clusters.map((c) => [c.alias, c.bootstrapServers])).toEqual([['standby', STANDBY]]);
    expect(elapsedMs).toBeGreaterThanOrEqual(6_000);
    expect(elapsedMs).toBeLessThan(6_000 + 10_000);

    const warns = lines(logs, 'cluster_unreachable', 'standby');
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ level: 'warn', bootstrapServers: STANDBY, operation: expect.any(String), error: expect.any(String) });
    expect(warns[0]!.downForMs as number).toBeGreaterThanOrEqual(2_000);
    expect(warns[0]!.msg).toContain(`Cluster 'standby' (${STANDBY}) unreachable for`);
    expect(lines(logs, 'cluster_unreachable', 'primary')).toEqual([]);
    expect(logs.some((l) => l.msg.startsWith('Loaded progress'))).toBe(false); // nothing was started
  });

  it('start-up waits for a target that comes up within the wait, then mirrors every record once', async () => {
    await standby.stop();
    const topic = uniqueTopic('outage-start-wait');
    await createSourceTopic(topic, 1);
    await produce(topic, 0, 200, 1);
    const { engine, logs } = newEngine(topic, { warnAfterMs: 2_000, startupWaitMs: 120_000, probeTimeoutMs: 1_000 });
    const starting = engine.start();
    try {
      const warn = await waitFor(() => lines(logs, 'cluster_unreachable', 'standby')[0], { timeoutMs: 20_000, message: 'the start-up warn line for standby' });
      expect(warn).toMatchObject({ level: 'warn', bootstrapServers: STANDBY });
      await standby.start('process');
      await starting;
      const back = await waitFor(() => lines(logs, 'cluster_reachable_again', 'standby')[0], { timeoutMs: 20_000, message: 'the reachable-again line' });
      expect(back).toMatchObject({ level: 'info', bootstrapServers: STANDBY });
      expect(back.outageMs as number).toBeGreaterThanOrEqual(2_000);
      const remote = `primary.${topic}`;
      await waitFor(async () => (await recordCount(STANDBY, remote)) >= 200, { timeoutMs: 60_000, message: '200 records mirrored' });
      await expectExactlyOnce(remote, 200, 1);
      expect(lines(logs, 'cluster_unreachable', 'standby')).toHaveLength(1);
    } finally {
      await starting.catch(() => undefined);
      await engine.stop();
    }
  });

  it('a target outage while mirroring: one warn naming standby, one info with the outage duration, every record exactly once', async () => {
    if (!(await standby.isUp())) await standby.start('process');
    const warnAfterMs = 3_000;
    const topic = uniqueTopic('outage-running');
    await createSourceTopic(topic, 2);
    const remote = `primary.${topic}`;
    const { engine, logs } = newEngine(topic, { warnAfterMs, probeTimeoutMs: 1_000 });
    await engine.start();
    try {
      await produce(topic, 0, 300, 2);
      await waitFor(async () => (await recordCount(STANDBY, remote)) >= 300, { timeoutMs: 30_000, message: 'first 300 mirrored' });
      expect(lines(logs, 'cluster_unreachable', 'standby')).toEqual([]);

      const stoppedAt = Date.now();
      await standby.stop();
      await produce(topic, 300, 300, 2); // fetched while the target is down: they wait in the engine
      const warn = await waitFor(() => lines(logs, 'cluster_unreachable', 'standby')[0], { timeoutMs: warnAfterMs + 15_000, message: 'the warn line for standby' });
      expect(warn).toMatchObject({ level: 'warn', bootstrapServers: STANDBY, roles: ['target of primary->standby'], thresholdMs: warnAfterMs });
      expect(warn.downForMs as number).toBeGreaterThanOrEqual(warnAfterMs);
      expect(warn.downSinceMs as number).toBeGreaterThanOrEqual(stoppedAt - 1_000);
      expect(engine.clusterHealth.snapshot().find((s) => s.alias === 'standby')).toMatchObject({ reachable: false, bootstrapServers: STANDBY });

      await standby.start('process');
      const back = await waitFor(() => lines(logs, 'cluster_reachable_again', 'standby')[0], { timeoutMs: 30_000, message: 'the reachable-again line for standby' });
      expect(back.outageMs as number).toBeGreaterThanOrEqual(warnAfterMs);
      expect(back.outageMs as number).toBeLessThanOrEqual(Date.now() - stoppedAt + 1_000);
      expect(back.msg).toMatch(new RegExp(`^Cluster 'standby' \\(${STANDBY.replace(/\./g, '\\.')}\\) is reachable again after an outage of \\d+\\.\\d s$`));
      expect(engine.clusterHealth.snapshot().find((s) => s.alias === 'standby')).toMatchObject({ reachable: true });

      await waitFor(async () => (await recordCount(STANDBY, remote)) >= 600, { timeoutMs: 60_000, message: '600 mirrored after the outage' });
      await expectExactlyOnce(remote, 600, 2);
      expect(lines(logs, 'cluster_unreachable', 'standby')).toHaveLength(1); // one line per transition, not per retry
      expect(lines(logs, 'cluster_reachable_again', 'standby')).toHaveLength(1);
      expect(lines(logs, 'cluster_unreachable', 'primary')).toEqual([]);
      expect(logs.filter((l) => l.level === 'critical' || l.level === 'fatal')).toEqual([]);
      expect(engine.tasks[0]!.failed).toBeUndefined();
    } finally {
      await engine.stop();
    }
  });
});
