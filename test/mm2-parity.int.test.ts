/**
 * MM2 4.1.1 behaviours of issue 14 against the real local clusters, written from the assertions of
 * Apache Kafka's `MirrorConnectorsIntegrationBaseTest` / `DedicatedMirrorIntegrationTest`:
 * - heartbeats in a ONE-WAY setup: `heartbeats` appears on the source (key {target alias, source alias},
 *   emitted for the pair that is not enabled) and is mirrored to `<source>.heartbeats` on the target;
 * - `offset-syncs.topic.location = target`: syncs go to `mm2-offset-syncs.<SOURCE>.internal` on the
 *   target, and the old target-named topic of earlier versions is read at start (never written);
 * - `<source>.consumer.auto.offset.reset = latest`: records produced before the engine starts are not
 *   mirrored, every later one exactly once, also across a restart (stored progress wins).
 * Each test uses its own cluster aliases (so its heartbeat keys and internal topics are its own) and topics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MirrorEngine, decodeHeartbeat, decodeOffsetSync, encodeOffsetSyncKey, encodeOffsetSyncValue, translateOffsets } from '../engine/index.ts';
import { capturingLogger } from '../testkit/engine-harness.ts';
import type { EngineLogLine } from '../testkit/engine-log.ts';
import { ClusterReader, textOf } from '../testkit/cluster-reader.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { commitGroupOffset } from '../testkit/group-offsets.ts';
import { parseTestConfig } from '../testkit/data-path.ts';

/** Cleanup of the running test: engines to stop, topics to delete on each cluster. */
const cleanup = { engines: [] as MirrorEngine[], primary: [] as string[], standby: [] as string[] };

afterEach(async () => {
  await Promise.allSettled(cleanup.engines.map((e) => e.stop()));
  await withReaders(async (p, s) => void (await Promise.allSettled([p.deleteTopicsIfPresent(cleanup.primary), s.deleteTopicsIfPresent(cleanup.standby)])));
  cleanup.engines = [];
  cleanup.primary = [];
  cleanup.standby = [];
});

async function withReaders<T>(fn: (primary: ClusterReader, standby: ClusterReader) => Promise<T>): Promise<T> {
  const [p, s] = await Promise.all([new ClusterReader(PRIMARY).connect(), new ClusterReader(STANDBY).connect()]);
  try {
    return await fn(p, s);
  } finally {
    await Promise.all([p.close(), s.close()]);
  }
}

/** Two aliases of this test for PRIMARY and STANDBY (no '.': the separator), and the internal topics they name. */
function aliases(prefix: string): { src: string; tgt: string } {
  const id = uniqueTopic(prefix).slice(prefix.length + 1);
  const names = { src: `${prefix}p${id}`, tgt: `${prefix}s${id}` };
  cleanup.standby.push(`mm2-progress.${names.src}.internal`, `${names.src}.checkpoints.internal`, `mm2-offset-syncs.${names.src}.internal`, `mm2-offset-syncs.${names.tgt}.internal`, `${names.src}.heartbeats`);
  cleanup.primary.push(`mm2-offset-syncs.${names.tgt}.internal`);
  return names;
}

/** Starts an engine for flow src->tgt (src on PRIMARY, tgt on STANDBY) mirroring `topicsRegex`, with `extra` keys. */
async function startEngine(a: { src: string; tgt: string }, topicsRegex: string, extra: Record<string, string | number> = {}): Promise<{ engine: MirrorEngine; logs: EngineLogLine[] }> {
  const props: Record<string, string | number> = {
    clusters: `${a.src}, ${a.tgt}`,
    [`${a.src}.bootstrap.servers`]: PRIMARY,
    [`${a.tgt}.bootstrap.servers`]: STANDBY,
    [`${a.src}->${a.tgt}.enabled`]: 'true',
    topics: topicsRegex,
    'replication.factor': 1,
    'progress.topic.replication.factor': 1,
    'offset-syncs.topic.replication.factor': 1,
    'checkpoints.topic.replication.factor': 1,
    'heartbeats.topic.replication.factor': 1,
    'refresh.topics.interval.seconds': 1,
    'emit.checkpoints.interval.seconds': 1,
    'refresh.groups.interval.seconds': 1,
    ...extra,
  };
  const { config } = parseTestConfig(Object.entries(props).map(([k, v]) => `${k} = ${v}`).join('\n'));
  const logs: EngineLogLine[] = [];
  const engine = new MirrorEngine({ config, logger: capturingLogger(logs), summaryIntervalMs: 0 });
  cleanup.engines.push(engine);
  await engine.start();
  return { engine, logs };
}

async function createTopic(reader: ClusterReader, topic: string, partitions = 1): Promise<void> {
  await reader.admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
}

async function produce(bootstrap: string, topic: string, values: string[]): Promise<void> {
  const producer = kafkajsClient(bootstrap).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value) => ({ partition: 0, value })) });
  } finally {
    await producer.disconnect();
  }
}

/** Heartbeats of `topic` on `reader` whose key is {source, target}, with their timestamps. */
async function heartbeatsOf(reader: ClusterReader, topic: string, source: string, target: string): Promise<number[]> {
  if (!(await reader.topicExists(topic))) return [];
  return (await reader.readRecords(topic))
    .flatMap((r) => {
      try {
        return [decodeHeartbeat(r.key, r.value)];
      } catch {
        return [];
      }
    })
    .filter((h) => h.sourceClusterAlias === source && h.targetClusterAlias === target)
    .map((h) => h.timestamp);
}

describe('heartbeats for every cluster pair (MM2 clusterPairs)', () => {
  it('a one-way flow gets heartbeats on its source, keyed {target, source}, mirrored to <source>.heartbeats on the target', async () => {
    const a = aliases('hb');
    const startedAt = Date.now();
    const { logs } = await startEngine(a, `^${uniqueTopic('hb-none')}$`, { 'emit.heartbeats.interval.seconds': 1 });
    await withReaders(async (primary, standby) => {
      // The reverse pair (not enabled) writes to ITS target, our source: heartbeats on PRIMARY, key {tgt, src}.
      const onSource = await waitFor(async () => (await heartbeatsOf(primary, 'heartbeats', a.tgt, a.src)).filter((t) => t >= startedAt).length >= 2 || undefined, { timeoutMs: 30_000, message: `heartbeats {${a.tgt}, ${a.src}} on the source` });
      expect(onSource).toBe(true);
      // The flow mirrors them like any heartbeats topic: <src>.heartbeats on STANDBY, same key.
      const remote = `${a.src}.heartbeats`;
      const mirrored = await waitFor(async () => {
        const ts = await heartbeatsOf(standby, remote, a.tgt, a.src);
        return ts.length >= 2 ? ts : undefined;
      }, { timeoutMs: 30_000, message: `heartbeats mirrored to ${remote}` });
      expect(Math.min(...mirrored)).toBeGreaterThanOrEqual(startedAt);
      // The enabled flow's own heartbeats still go to heartbeats on the target, key {src, tgt}.
      expect((await heartbeatsOf(standby, 'heartbeats', a.src, a.tgt)).some((t) => t >= startedAt)).toBe(true);
      // Nothing emits {src, tgt} on the source: that pair is the flow, whose heartbeats go to the target.
      expect((await heartbeatsOf(primary, 'heartbeats', a.src, a.tgt)).filter((t) => t >= startedAt)).toEqual([]);
    });
    expect(logs.some((l) => l.component === 'heartbeats' && l.pair === `${a.tgt}->${a.src}` && /^Emitting heartbeats/.test(l.msg))).toBe(true);
    // These clusters have no authorizer: ACL sync (on by default, as MM2) says so once (SECURITY_DISABLED from Kafka 4.1.1) and never fails.
    expect(await waitFor(() => logs.find((l) => l.event === 'acl_sync_no_authorizer'), { message: 'the no-authorizer line' })).toMatchObject({ level: 'info', side: 'source' });
    expect(logs.filter((l) => l.event === 'acl_sync_failed')).toEqual([]);
  });

  it('emit.heartbeats.enabled = false for the pair: no heartbeats on the source', async () => {
    const a = aliases('hboff');
    const startedAt = Date.now();
    const { logs } = await startEngine(a, `^${uniqueTopic('hb-none')}$`, { [`${a.tgt}->${a.src}.emit.heartbeats.enabled`]: 'false' });
    await withReaders(async (primary, standby) => {
      // Wait for the flow's own heartbeats (so the engine had time to emit), then check the source has none of the pair's.
      await waitFor(async () => (await heartbeatsOf(standby, 'heartbeats', a.src, a.tgt)).filter((t) => t >= startedAt).length >= 2, { timeoutMs: 30_000, message: 'the flow heartbeats' });
      expect(await heartbeatsOf(primary, 'heartbeats', a.tgt, a.src)).toEqual([]);
    });
    expect(logs.some((l) => l.pair !== undefined)).toBe(false);
  });
});

describe('offset-syncs.topic.location = target (MirrorSourceConfig.offsetSyncsTopic)', () => {
  it("reads the old target-named topic at start, writes MM2's source-named topic on the target, never the old one", async () => {
    const a = aliases('os');
    const topic = uniqueTopic('os-topic');
    cleanup.primary.push(topic);
    cleanup.standby.push(`${a.src}.${topic}`);
    const legacy = `mm2-offset-syncs.${a.tgt}.internal`;
    const current = `mm2-offset-syncs.${a.src}.internal`;
    await withReaders(async (primary, standby) => {
      await createTopic(primary, topic);
      await produce(PRIMARY, topic, Array.from({ length: 30 }, (_, i) => `seq-${i}`));
      // What an earlier version wrote with location=target: syncs of this flow in the target-named topic.
      await standby.admin.createTopics({ topics: [{ topic: legacy, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
      const producer = kafkajsClient(STANDBY).producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await producer.send({ topic: legacy, messages: [[0, 0], [29, 29]].map(([up, down]) => ({ partition: 0, key: encodeOffsetSyncKey({ topic, partition: 0 }), value: encodeOffsetSyncValue({ upstreamOffset: up!, downstreamOffset: down! }) })) });
      await producer.disconnect();
    });

    // 1. Without emitting syncs, a checkpoint can come only from the legacy topic's syncs.
    const first = await startEngine(a, `^${topic}$`, { 'offset-syncs.topic.location': 'target', 'emit.offset-syncs.enabled': 'false', groups: 'os-group-.*' });
    expect(first.logs.find((l) => l.event === 'legacy_offset_syncs_loaded')).toMatchObject({ legacyTopic: legacy, topic: current, syncs: 2 });
    const group = uniqueTopic('os-group');
    await commitGroupOffset(PRIMARY, group, topic, 0, 20);
    const translated = await waitFor(async () => (await translateOffsets({ targetBootstrap: STANDBY, sourceAlias: a.src, groupId: group })).find((t) => t.topic === `${a.src}.${topic}`), { timeoutMs: 30_000, message: 'a checkpoint from the legacy syncs' });
    expect(translated.offset).toBe(20);
    await first.engine.stop();

    // 2. Emitting: MM2's name on the target gets the syncs; the legacy topic is left as it was.
    await startEngine(a, `^${topic}$`, { 'offset-syncs.topic.location': 'target' });
    await produce(PRIMARY, topic, ['seq-30', 'seq-31']);
    await withReaders(async (primary, standby) => {
      await standby.waitForHighWatermarks(`${a.src}.${topic}`, (hw) => hw.get(0) === 32, '32 records mirrored');
      // (the source's heartbeats topic is mirrored too, so it has syncs there as well)
      const synced = await waitFor(async () => {
        if (!(await standby.topicExists(current))) return undefined;
        const topics = new Set((await standby.readRecords(current)).map((r) => decodeOffsetSync(r.key, r.value).topic));
        return topics.has(topic) ? topics : undefined;
      }, { timeoutMs: 30_000, message: `syncs of ${topic} in ${current}` });
      expect([...synced].filter((t) => t !== 'heartbeats')).toEqual([topic]);
      expect(await standby.recordCount(legacy)).toBe(2);
      expect(await primary.topicExists(`mm2-offset-syncs.${a.tgt}.internal`)).toBe(false); // nothing on the source
    });
  });
});

describe('<source>.consumer.auto.offset.reset = latest', () => {
  it('mirrors only records produced after the start, each exactly once, and resumes from stored progress after a restart', async () => {
    const a = aliases('lat');
    const topic = uniqueTopic('latest');
    const remote = `${a.src}.${topic}`;
    cleanup.primary.push(topic);
    cleanup.standby.push(remote);
    const seq = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `seq-${from + i}`);
    await withReaders((primary) => createTopic(primary, topic));
    await produce(PRIMARY, topic, seq(0, 20));
    const extra = { [`${a.src}.consumer.auto.offset.reset`]: 'latest' };
    const first = await startEngine(a, `^${topic}$`, extra);
    // (heartbeats on the source start at their end too: they are mirrored whatever `topics` says)
    expect((first.logs.find((l) => l.event === 'started_at_latest')?.skippedRecordsByTopic as Record<string, number>)[topic]).toBe(20);
    await produce(PRIMARY, topic, seq(20, 50));
    const remoteValues = () => withReaders(async (_p, standby) => (await standby.readRecords(remote)).map((r) => textOf(r.value)));
    await withReaders((_p, standby) => standby.waitForHighWatermarks(remote, (hw) => hw.get(0) === 30, '30 records mirrored'));
    expect(await remoteValues()).toEqual(seq(20, 50));
    await first.engine.stop();

    // Produced while the engine is down: stored progress wins over `latest`, so these are mirrored too.
    await produce(PRIMARY, topic, seq(50, 60));
    const second = await startEngine(a, `^${topic}$`, extra);
    expect(second.logs.some((l) => l.event === 'started_at_latest')).toBe(false);
    await withReaders((_p, standby) => standby.waitForHighWatermarks(remote, (hw) => hw.get(0) === 40, '40 records mirrored'));
    expect(await remoteValues()).toEqual(seq(20, 60));
  });
});
