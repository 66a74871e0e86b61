/**
 * Loop-safe active-active with IdentityReplicationPolicy (issue 14) on the real local clusters: one
 * engine runs `P->S`, another `S->P` (one per data centre, as deployed), same topic name on both clusters,
 * a kafkajs producer on each side (the independent client). MM2 4.1.1 would echo every record back and
 * forth here (no cycle detection with the identity policy); this engine stamps `kafka-mirror.origin` and
 * never mirrors a record back to the cluster it came from.
 *
 * Caught up means: each engine has acknowledged its source partitions up to their high watermarks AND
 * those high watermarks hold exactly the records produced on both sides. A looping copy would raise a
 * high watermark past that total, so the condition could not hold (the wait times out and the test fails).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MirrorEngine, parseMirrorConfig, translateOffsets } from '../engine/index.ts';
import { capturingLogger } from '../testkit/engine-harness.ts';
import type { EngineLogLine } from '../testkit/engine-log.ts';
import { ClusterReader, textOf, type ReadRecord } from '../testkit/cluster-reader.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { commitGroupOffset } from '../testkit/group-offsets.ts';

const HEADER = 'kafka-mirror.origin';
const PARTITIONS = 3;

const cleanup = { engines: [] as MirrorEngine[], primary: [] as string[], standby: [] as string[] };

afterEach(async () => {
  await Promise.allSettled(cleanup.engines.map((e) => e.stop()));
  const [p, s] = await Promise.all([new ClusterReader(PRIMARY).connect(), new ClusterReader(STANDBY).connect()]);
  await Promise.allSettled([p.deleteTopicsIfPresent(cleanup.primary), s.deleteTopicsIfPresent(cleanup.standby)]);
  await Promise.all([p.close(), s.close()]);
  cleanup.engines = [];
  cleanup.primary = [];
  cleanup.standby = [];
});

/** An engine running only flow `from->to` of the pair `a` (aliases unique to the test), mirroring `topic` under the identity policy. */
async function startFlow(a: { p: string; s: string }, from: 'p' | 's', topic: string): Promise<{ engine: MirrorEngine; logs: EngineLogLine[] }> {
  const [src, tgt] = from === 'p' ? [a.p, a.s] : [a.s, a.p];
  const props: Record<string, string | number> = {
    clusters: `${a.p}, ${a.s}`,
    [`${a.p}.bootstrap.servers`]: PRIMARY,
    [`${a.s}.bootstrap.servers`]: STANDBY,
    [`${src}->${tgt}.enabled`]: 'true',
    topics: `^${topic}$`,
    'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
    'heartbeats.replication.enabled': 'false',
    'emit.heartbeats.enabled': 'false',
    'sync.topic.acls.enabled': 'false',
    'replication.factor': 1,
    'progress.topic.replication.factor': 1,
    'offset-syncs.topic.replication.factor': 1,
    'checkpoints.topic.replication.factor': 1,
    'heartbeats.topic.replication.factor': 1,
    'refresh.topics.interval.seconds': 1,
    'emit.checkpoints.interval.seconds': 1,
    'refresh.groups.interval.seconds': 1,
  };
  const { config } = parseMirrorConfig(Object.entries(props).map(([k, v]) => `${k} = ${v}`).join('\n'));
  const logs: EngineLogLine[] = [];
  const engine = new MirrorEngine({ config, logger: capturingLogger(logs, 'info'), summaryIntervalMs: 0 });
  cleanup.engines.push(engine);
  await engine.start();
  return { engine, logs };
}

async function produce(bootstrap: string, topic: string, prefix: string, from: number, count: number): Promise<void> {
  const producer = kafkajsClient(bootstrap).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const messages = Array.from({ length: count }, (_, i) => ({ partition: (from + i) % PARTITIONS, key: `${prefix}-${from + i}`, value: `${prefix}-${from + i}`, headers: { app: `${prefix}-app` } }));
    for (let i = 0; i < messages.length; i += 50) await producer.send({ topic, messages: messages.slice(i, i + 50) });
  } finally {
    await producer.disconnect();
  }
}

async function clusterId(reader: ClusterReader): Promise<string> {
  return (await reader.admin.describeCluster()).clusterId;
}

/** Whether `engine` acknowledged every partition of `topic` up to `hw`. */
function caughtUp(engine: MirrorEngine, topic: string, hw: Map<number, number>): boolean {
  const states = engine.tasks[0]!.partitionStates;
  return [...hw].every(([p, end]) => states.get(`${topic}-${p}`)?.ackedNextOffset === end);
}

const originOf = (r: ReadRecord): string | null | undefined => {
  const h = r.headers.filter(([name]) => name === HEADER);
  return h.length === 0 ? undefined : textOf(h[0]![1]);
};

describe('active-active with IdentityReplicationPolicy (provenance header)', () => {
  it('both directions, producers on both sides: every record exactly once on each cluster, none comes back', async () => {
    const id = uniqueTopic('aa').slice(3);
    const a = { p: `aap${id}`, s: `aas${id}` };
    const topic = uniqueTopic('aa-orders');
    cleanup.primary.push(topic, `mm2-progress.${a.s}.internal`, `${a.s}.checkpoints.internal`, `mm2-offset-syncs.${a.p}.internal`);
    cleanup.standby.push(topic, `mm2-progress.${a.p}.internal`, `${a.p}.checkpoints.internal`, `mm2-offset-syncs.${a.s}.internal`);
    const N_P = 300;
    const N_S = 200;
    const primary = await new ClusterReader(PRIMARY).connect();
    const standby = await new ClusterReader(STANDBY).connect();
    try {
      const [primaryId, standbyId] = await Promise.all([clusterId(primary), clusterId(standby)]);
      for (const r of [primary, standby]) await r.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
      // Some records exist before the engines start, the rest is produced on both sides while they run.
      await Promise.all([produce(PRIMARY, topic, 'P', 0, 100), produce(STANDBY, topic, 'S', 0, 50)]);
      const ps = await startFlow(a, 'p', topic);
      const sp = await startFlow(a, 's', topic);
      await Promise.all([produce(PRIMARY, topic, 'P', 100, N_P - 100), produce(STANDBY, topic, 'S', 50, N_S - 50)]);

      const total = N_P + N_S;
      const sum = (hw: Map<number, number>) => [...hw.values()].reduce((n, v) => n + v, 0);
      const final = await waitFor(async () => {
        const [hwP, hwS] = await Promise.all([primary.highWatermarks(topic), standby.highWatermarks(topic)]);
        return sum(hwP) === total && sum(hwS) === total && caughtUp(ps.engine, topic, hwP) && caughtUp(sp.engine, topic, hwS) ? { hwP, hwS } : undefined;
      }, { timeoutMs: 90_000, intervalMs: 200, message: `both clusters at ${total} records and both engines caught up to them` });

      const onPrimary = await primary.readRecords(topic);
      const onStandby = await standby.readRecords(topic);
      const expected = [...Array.from({ length: N_P }, (_, i) => `P-${i}`), ...Array.from({ length: N_S }, (_, i) => `S-${i}`)].sort();
      for (const [records, name] of [[onPrimary, 'primary'], [onStandby, 'standby']] as const) {
        expect(records.map((r) => textOf(r.value)).sort(), `values on ${name}: each exactly once`).toEqual(expected);
        for (const r of records) expect(r.partition, `${textOf(r.value)} on ${name}: same partition`).toBe(Number(textOf(r.value)!.slice(2)) % PARTITIONS);
      }
      // Origin: local records carry no header; copies carry the cluster ID of the cluster they were produced on.
      expect(onPrimary.filter((r) => textOf(r.value)!.startsWith('P-')).every((r) => originOf(r) === undefined)).toBe(true);
      expect(onPrimary.filter((r) => textOf(r.value)!.startsWith('S-')).every((r) => originOf(r) === standbyId)).toBe(true);
      expect(onStandby.filter((r) => textOf(r.value)!.startsWith('S-')).every((r) => originOf(r) === undefined)).toBe(true);
      expect(onStandby.filter((r) => textOf(r.value)!.startsWith('P-')).every((r) => originOf(r) === primaryId)).toBe(true);
      // The copies keep the producer's own headers and key.
      expect(onStandby.filter((r) => textOf(r.value)!.startsWith('P-')).every((r) => r.headers.some(([n, v]) => n === 'app' && textOf(v) === 'P-app') && textOf(r.key) === textOf(r.value))).toBe(true);

      // Each engine passed over exactly the copies of its target's records on its source, counted per partition.
      const skipped = (e: MirrorEngine) => (e.telemetry.figures().provenanceSkipped ?? []).reduce((n, c) => n + c.records, 0);
      expect(skipped(ps.engine)).toBe(N_S);
      expect(skipped(sp.engine)).toBe(N_P);
      const mirrored = async (e: MirrorEngine) => (await e.telemetry.summary()).records;
      expect(await mirrored(ps.engine)).toBe(N_P);
      expect(await mirrored(sp.engine)).toBe(N_S);
      expect(ps.logs.filter((l) => l.event === 'provenance_loop_skipped').length).toBeLessThanOrEqual(PARTITIONS);
      expect(ps.logs.filter((l) => l.event === 'provenance_loop_skipped').length).toBeGreaterThan(0);
      expect(ps.logs.find((l) => l.event === 'provenance_header_enabled')).toMatchObject({ sourceClusterId: primaryId, targetClusterId: standbyId, setting: 'auto' });
      // Checkpoints (README "Consumer groups"): a group that read only the first 10 records of each primary
      // partition (all P-…, none of the standby's own records) fails over to the standby. There the standby's
      // own records come first; the forward translation alone would point past them. The checkpoint must
      // never point past a record the group has not read: at most the first standby offset holding one.
      const group = uniqueTopic('aa-group');
      const readTo = 10;
      for (let p = 0; p < PARTITIONS; p++) await commitGroupOffset(PRIMARY, group, topic, p, readTo);
      const checkpoints = await waitFor(async () => {
        const all = (await translateOffsets({ targetBootstrap: STANDBY, sourceAlias: a.p, groupId: group }).catch(() => [])).filter((c) => c.topic === topic);
        return all.length === PARTITIONS ? new Map(all.map((c) => [c.partition, c.offset])) : undefined;
      }, { timeoutMs: 30_000, message: `checkpoints of ${group} on the standby` });
      const firstUnread = new Map<number, number>();
      for (let p = 0; p < PARTITIONS; p++) {
        const read = new Set(onPrimary.filter((r) => r.partition === p && r.offset < readTo).map((r) => textOf(r.value)));
        const there = onStandby.filter((r) => r.partition === p);
        const at = there.findIndex((r) => !read.has(textOf(r.value)));
        firstUnread.set(p, at < 0 ? there.length : there[at]!.offset);
        expect(checkpoints.get(p)!, `partition ${p}: the failed-over group skips nothing`).toBeLessThanOrEqual(firstUnread.get(p)!);
      }
      console.log(`active-active checkpoints for a group at ${readTo} per primary partition: ${JSON.stringify([...checkpoints])}; first unread record on the standby: ${JSON.stringify([...firstUnread])}`);
      console.log(`active-active counts: produced P=${N_P} S=${N_S}; primary holds ${onPrimary.length} (hw ${JSON.stringify([...final.hwP])}), standby holds ${onStandby.length} (hw ${JSON.stringify([...final.hwS])}); P->S mirrored ${await mirrored(ps.engine)} skipped ${skipped(ps.engine)}; S->P mirrored ${await mirrored(sp.engine)} skipped ${skipped(sp.engine)}`);
    } finally {
      await Promise.all([primary.close(), standby.close()]);
    }
  }, 180_000);
});
