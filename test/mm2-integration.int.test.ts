/**
 * Apache Kafka's MM2 integration scenarios (connect/mirror/src/test/java/org/apache/kafka/connect/mirror/integration/,
 * read at apache/kafka 2024-10 and checked against the 4.1.1 behaviour the issue describes) ported to this
 * engine in dedicated mode: our code, written from their assertions, against the real local clusters. Each
 * test uses its own cluster aliases (so its internal topics, checkpoints and heartbeat keys are its own) and topics.
 *
 * | upstream test (class: MirrorConnectorsIntegrationBaseTest unless named) | ours | notes |
 * |---|---|---|
 * | testReplication (Default policy, both directions) | here: `testReplication` | records both ways, no `a.b.t` cycle topics, config sync, heartbeats both ways, checkpoints and failover/failback positions, topics created at runtime on either side |
 * | testReplicationWithEmptyPartition | here: `testReplicationWithEmptyPartition` | MM2 gets offset 0 from the backup consumer's own commit; ours: no checkpoint and no synced offset for a partition with nothing mirrored, the other partitions synced exactly |
 * | testOneWayReplicationWithAutoOffsetSync (offset.lag.max 100) | here: `testOneWayReplicationWithOffsetSyncs(100)` | MM2 bounds re-delivery by offset.lag.max; ours asserts none (exact translation) |
 * | testOneWayReplicationWithFrequentOffsetSyncs (offset.lag.max 0) | here: `testOneWayReplicationWithOffsetSyncs(0)` | |
 * | testReplicationWithoutOffsetSyncWillNotCreateOffsetSyncsTopic | here: `testReplicationWithoutOffsetSync` | also DedicatedMirrorIntegrationTest.testClusterWithEmitOffsetDisabled |
 * | testOffsetSyncsTopicsOnTarget | test/mm2-parity.int.test.ts (`offset-syncs.topic.location = target`) | plus here: no syncs topic on the source |
 * | testNoCheckpointsIfNoRecordsAreMirrored | here: `testNoCheckpointsIfNoRecordsAreMirrored` | |
 * | testRestartReplication | here: `testRestartReplication`; also test/checkpoints.int.test.ts (restart) | engine stopped and started instead of connector restart |
 * | testOffsetTranslationBehindReplicationFlow | here: `testOffsetTranslationBehindReplicationFlow` | checkpoints advance with the group and rewind with it; ours are exact |
 * | testSyncTopicConfigs | test/topic-config-sync.int.test.ts | excluded key untouched on the target, synced key reverts |
 * | testReplicateSourceDefault | test/topic-config-sync.int.test.ts (`use.defaults.from`) | |
 * | testReplicateTargetDefault | test/topic-config-sync.int.test.ts | a config deleted on the source returns to the target default |
 * | testReplicateFromLatest | test/mm2-parity.int.test.ts (`auto.offset.reset = latest`) | |
 * | IdentityReplicationIntegrationTest (all of the above with IdentityReplicationPolicy, one way) | here: `Identity testReplication` (one way, topic keeps its name, exact checkpoints, no reverse topic); test/active-active.int.test.ts for two ways | two-way identity is MM2's loop; ours is loop-safe (provenance header) |
 * | MirrorConnectorsIntegrationTransactionsTest (transactional source producer) | here: `Transactions testReplication`; test/checkpoints.int.test.ts (exact on a transactional source) | commit markers and aborted records not mirrored, group at the log end translated to the remote log end |
 * | MirrorConnectorsIntegrationExactlyOnceTest | test/exactly-once.int.test.ts; scenario test5; `npm run chaos` (exactly-once table) | `exactly.once.source.support = enabled` with engine processes: kill -9, zombie fencing, rebalance, target-side offset syncs committed with their records, truncation and reset detection on a moved partition; every record exactly once under read_committed |
 * | DedicatedMirrorIntegrationTest.testSingleNodeCluster | test/mirroring.int.test.ts (new topic discovered at runtime) and here (`testReplication`) | no Connect REST in dedicated mode (ours has no internal REST to disable) |
 * | DedicatedMirrorIntegrationTest.testMultiNodeCluster | test/group-rebalance.int.test.ts, test/engine-failover.int.test.ts; workers: test/connect-worker.int.test.ts | several instances of one flow share its partitions through their Kafka group on the target; `tasks.max` processes: test/tasks.int.test.ts |
 * | MirrorConnectorsIntegrationSSLTest | test/tls.int.test.ts | own clusters with SSL listeners (certificates made with openssl at test time), both data paths; SASL: test/sasl-auth.int.test.ts |
 * | MirrorConnectorsWithCustomForwardingAdminIntegrationTest (4 tests) | not applicable | `forwarding.admin.class` plugs a Java class into MM2's admin; nothing to load here |
 * | (brief) topic filter / exclude changed at runtime, `topics` regex refresh | here: `topicsExcludeChangeAcrossRestart`; new topics matching the regex: test/mirroring.int.test.ts | dedicated mode reads mm2.properties at start: a change takes a restart |
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MirrorEngine, decodeCheckpoint, parseMirrorConfig, translateOffsets, type TranslatedOffset } from '../engine/index.ts';
import { capturingLogger } from '../testkit/engine-harness.ts';
import type { EngineLogLine } from '../testkit/engine-log.ts';
import { ClusterReader, textOf } from '../testkit/cluster-reader.ts';
import { commitGroupOffset, committedOffsets } from '../testkit/group-offsets.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { TransactionalProducer } from './transactional-producer.ts';

const PARTITIONS = 3;
const N = 60; // records per topic (MM2: NUM_RECORDS_PRODUCED = 1000 over 10 partitions)

let primary: ClusterReader;
let standby: ClusterReader;
const cleanup = { engines: [] as MirrorEngine[], primary: [] as string[], standby: [] as string[] };

// Fresh readers per test: a kafkajs admin refreshes metadata for every topic it has seen and fails once one was deleted.
beforeEach(async () => {
  primary = await new ClusterReader(PRIMARY).connect();
  standby = await new ClusterReader(STANDBY).connect();
});
afterEach(async () => {
  await Promise.allSettled(cleanup.engines.map((e) => e.stop()));
  await Promise.allSettled([primary.deleteTopicsIfPresent(cleanup.primary), standby.deleteTopicsIfPresent(cleanup.standby)]);
  await Promise.allSettled([primary.close(), standby.close()]);
  cleanup.engines = [];
  cleanup.primary = [];
  cleanup.standby = [];
});

/** Aliases of this test for PRIMARY (`p`) and STANDBY (`s`), and their internal topics registered for cleanup. */
function aliases(prefix: string): { p: string; s: string } {
  const id = uniqueTopic(prefix).slice(prefix.length + 1);
  const a = { p: `${prefix}p${id}`, s: `${prefix}s${id}` };
  for (const [src, tgt, srcList, tgtList] of [[a.p, a.s, cleanup.primary, cleanup.standby], [a.s, a.p, cleanup.standby, cleanup.primary]] as const) {
    tgtList.push(`mm2-progress.${src}.internal`, `${src}.checkpoints.internal`, `${src}.heartbeats`, `mm2-offset-syncs.${src}.internal`);
    srcList.push(`mm2-offset-syncs.${tgt}.internal`);
  }
  return a;
}

type Flow = 'p->s' | 's->p';

/** Starts an engine running `flows` of the pair `a` for `topicsRegex`, with fast rounds and `extra` keys (mm2.properties). */
async function startEngine(a: { p: string; s: string }, flows: readonly Flow[], topicsRegex: string, extra: Record<string, string | number> = {}): Promise<{ engine: MirrorEngine; logs: EngineLogLine[] }> {
  const props: Record<string, string | number> = {
    clusters: `${a.p}, ${a.s}`,
    [`${a.p}.bootstrap.servers`]: PRIMARY,
    [`${a.s}.bootstrap.servers`]: STANDBY,
    topics: topicsRegex,
    'sync.topic.acls.enabled': 'false',
    'replication.factor': 1,
    'progress.topic.replication.factor': 1,
    'offset-syncs.topic.replication.factor': 1,
    'checkpoints.topic.replication.factor': 1,
    'heartbeats.topic.replication.factor': 1,
    'refresh.topics.interval.seconds': 1,
    'emit.checkpoints.interval.seconds': 1,
    'refresh.groups.interval.seconds': 1,
    'sync.group.offsets.interval.seconds': 1,
    'sync.topic.configs.interval.seconds': 1,
    ...Object.fromEntries(flows.map((f) => [`${f === 'p->s' ? `${a.p}->${a.s}` : `${a.s}->${a.p}`}.enabled`, 'true'])),
    ...extra,
  };
  const { config } = parseMirrorConfig(Object.entries(props).map(([k, v]) => `${k} = ${v}`).join('\n'));
  const logs: EngineLogLine[] = [];
  const engine = new MirrorEngine({ config, logger: capturingLogger(logs, 'info'), summaryIntervalMs: 0 });
  cleanup.engines.push(engine);
  await engine.start();
  return { engine, logs };
}

/** Creates `topic` on the reader's cluster (registered for cleanup there and, as remote names may equal it, on the other). */
async function createTopic(reader: ClusterReader, topic: string, partitions = PARTITIONS, configs: Record<string, string> = {}): Promise<string> {
  (reader === primary ? cleanup.primary : cleanup.standby).push(topic);
  await reader.admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }], waitForLeaders: false });
  // kafkajs's own wait for leaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a loaded broker answers for a
  // moment after CreateTopics: wait for every partition's leader ourselves.
  await waitFor(async () => {
    const meta = await reader.admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    const found = meta?.topics[0]?.partitions ?? [];
    return found.length === partitions && found.every((p) => p.leader >= 0);
  }, { timeoutMs: 30_000, message: `leaders of ${topic}` });
  return topic;
}

/** Produces `count` keyed records `<prefix>-<i>` (i from `from`) round-robin over `partitions` (or all to `only`). */
async function produce(bootstrap: string, topic: string, prefix: string, count: number, opts: { from?: number; partitions?: number; only?: number } = {}): Promise<void> {
  const producer = kafkajsClient(bootstrap).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const from = opts.from ?? 0;
    const messages = Array.from({ length: count }, (_, i) => ({ partition: opts.only ?? (from + i) % (opts.partitions ?? PARTITIONS), key: `${prefix}-${from + i}`, value: `${prefix}-${from + i}` }));
    for (let i = 0; i < messages.length; i += 100) await producer.send({ topic, messages: messages.slice(i, i + 100) });
  } finally {
    await producer.disconnect();
  }
}

/** Waits until `topic` on `reader` holds `count` records in total (high watermarks), up to 60 s. */
async function waitForRecords(reader: ClusterReader, topic: string, count: number): Promise<Map<number, number>> {
  return waitFor(async () => {
    const hw = await reader.highWatermarks(topic).catch(() => undefined);
    return hw && [...hw.values()].reduce((n, v) => n + v, 0) === count ? hw : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200, message: `${count} records in ${topic}` });
}

/** Commits `offsets` (partition → next offset) for `group` on `topic`, one partition at a time (a simple consumer). */
async function commit(bootstrap: string, group: string, topic: string, offsets: ReadonlyMap<number, number>): Promise<void> {
  for (const [partition, offset] of offsets) await commitGroupOffset(bootstrap, group, topic, partition, offset);
}

/** The checkpoints of `group` on the cluster at `targetBootstrap` for `sourceAlias` (MM2's RemoteClusterUtils.translateOffsets), `topic` only. */
async function checkpointsOf(targetBootstrap: string, sourceAlias: string, group: string, topic: string): Promise<Map<number, number>> {
  const all: TranslatedOffset[] = await translateOffsets({ targetBootstrap, sourceAlias, groupId: group }).catch(() => []);
  return new Map(all.filter((t) => t.topic === topic).map((t) => [t.partition, t.offset]));
}

/** Waits until the checkpoints of `group` for `topic` satisfy `accept` (up to 30 s: MM2's OFFSET_SYNC_DURATION_MS). */
async function waitForCheckpoints(targetBootstrap: string, sourceAlias: string, group: string, topic: string, accept: (c: Map<number, number>) => boolean, what: string): Promise<Map<number, number>> {
  return waitFor(async () => {
    const c = await checkpointsOf(targetBootstrap, sourceAlias, group, topic);
    return accept(c) ? c : undefined;
  }, { timeoutMs: 30_000, intervalMs: 250, message: what });
}

/** MM2's assertMonotonicCheckpoints: per group and partition, the checkpoints topic never goes back downstream for the same upstream direction. */
async function assertMonotonicCheckpoints(reader: ClusterReader, checkpointsTopic: string): Promise<void> {
  const last = new Map<string, { upstream: number; downstream: number }>();
  for (const r of await reader.readRecords(checkpointsTopic)) {
    if (!r.value) continue;
    const c = decodeCheckpoint(r.key!, r.value);
    const key = `${c.group}\u0000${c.topic}\u0000${c.partition}`;
    const prev = last.get(key);
    if (prev && c.upstreamOffset >= prev.upstream) expect(c.downstreamOffset, `${key}: checkpoint went back`).toBeGreaterThanOrEqual(prev.downstream);
    last.set(key, { upstream: c.upstreamOffset, downstream: c.downstreamOffset });
  }
}

const sum = (m: ReadonlyMap<number, number>) => [...m.values()].reduce((n, v) => n + v, 0);

describe('MirrorConnectorsIntegrationBaseTest, ported (dedicated mode)', () => {
  it('testReplication: both directions (DefaultReplicationPolicy), no cycles, configs, heartbeats, checkpoints both ways, topics created at runtime', async () => {
    const a = aliases('rp');
    const base = uniqueTopic('mm2it');
    const t1 = `${base}-1`;
    await createTopic(primary, t1, PARTITIONS, { 'cleanup.policy': 'compact' });
    await createTopic(standby, t1, PARTITIONS, { 'cleanup.policy': 'compact' });
    cleanup.standby.push(`${a.p}.${t1}`, `${a.p}.${base}-2`);
    cleanup.primary.push(`${a.s}.${t1}`, `${a.s}.${base}-3`);
    await Promise.all([produce(PRIMARY, t1, 'P', N), produce(STANDBY, t1, 'S', N)]);
    const group = uniqueTopic('consumer-group-testReplication');
    // The group read both clusters' topic to the end before the mirror started (MM2: warmUpConsumer on both).
    const [endP, endS] = await Promise.all([primary.highWatermarks(t1), standby.highWatermarks(t1)]);
    await commit(PRIMARY, group, t1, endP);
    await commit(STANDBY, group, t1, endS);
    // MM2's topics for this test: the topic and its remote names on either side; cycle detection keeps a.b.t from existing.
    const { logs } = await startEngine(a, ['p->s', 's->p'], `${base}-.*, ${a.p}\\.${base}-.*, ${a.s}\\.${base}-.*`);

    const backupTopic1 = `${a.p}.${t1}`;
    const reverseTopic1 = `${a.s}.${t1}`;
    await waitForRecords(standby, backupTopic1, N);
    await waitForRecords(primary, reverseTopic1, N);
    expect((await standby.readRecords(backupTopic1)).map((r) => textOf(r.value)).sort()).toEqual(Array.from({ length: N }, (_, i) => `P-${i}`).sort());
    expect((await primary.readRecords(reverseTopic1)).map((r) => textOf(r.value)).sort()).toEqual(Array.from({ length: N }, (_, i) => `S-${i}`).sort());
    expect(sum(await primary.highWatermarks(t1))).toBe(N); // "Records were not produced to primary cluster": nothing added to the local topic
    expect(sum(await standby.highWatermarks(t1))).toBe(N);
    expect((await standby.topicConfigs(backupTopic1)).get('cleanup.policy')?.value).toBe('compact'); // assertBackupTopicConfig

    // Heartbeats on both clusters and mirrored downstream both ways ("Heartbeats were not replicated downstream").
    for (const [reader, remote] of [[standby, `${a.p}.heartbeats`], [primary, `${a.s}.heartbeats`]] as const) {
      await waitFor(async () => (await reader.topicExists(remote)) && sum(await reader.highWatermarks(remote)) > 0, { timeoutMs: 30_000, message: `${remote} with records` });
    }
    // Checkpoints downstream and upstream; the failed-over / failed-back group resumes inside (0, N] per partition.
    const failover = await waitForCheckpoints(STANDBY, a.p, group, backupTopic1, (c) => c.size === PARTITIONS, `checkpoints of ${group} for ${backupTopic1}`);
    const failback = await waitForCheckpoints(PRIMARY, a.s, group, reverseTopic1, (c) => c.size === PARTITIONS, `checkpoints of ${group} for ${reverseTopic1}`);
    const remoteEndS = await standby.highWatermarks(backupTopic1);
    const remoteEndP = await primary.highWatermarks(reverseTopic1);
    for (let p = 0; p < PARTITIONS; p++) {
      expect(failover.get(p)).toBe(remoteEndS.get(p)); // MM2: > 0 and <= NUM_RECORDS_PRODUCED; ours: exactly the end the group reached
      expect(failback.get(p)).toBe(remoteEndP.get(p));
      expect(failover.get(p)!).toBeGreaterThan(0);
    }
    await assertMonotonicCheckpoints(standby, `${a.p}.checkpoints.internal`);
    // No cycle: neither cluster got a remote topic of a remote topic.
    const [topicsP, topicsS] = await Promise.all([primary.admin.listTopics(), standby.admin.listTopics()]);
    expect([...topicsP, ...topicsS].filter((t) => t.includes(`${a.p}.${a.s}.`) || t.includes(`${a.s}.${a.p}.`))).toEqual([]);

    // More matching topics, created while running, on either side; records only in partition 0.
    const t2 = await createTopic(primary, `${base}-2`);
    await waitFor(() => standby.topicExists(`${a.p}.${t2}`), { timeoutMs: 30_000, message: `${a.p}.${t2} created` });
    await produce(PRIMARY, t2, 'P2', 20, { only: 0 });
    await waitForRecords(standby, `${a.p}.${t2}`, 20);
    const t3 = await createTopic(standby, `${base}-3`);
    await waitFor(() => primary.topicExists(`${a.s}.${t3}`), { timeoutMs: 30_000, message: `${a.s}.${t3} created` });
    await produce(STANDBY, t3, 'S3', 20, { only: 0 });
    await waitForRecords(primary, `${a.s}.${t3}`, 20);
    expect((await standby.highWatermarks(`${a.p}.${t2}`)).get(0)).toBe(20);
    expect(logs.filter((l) => l.level === 'error' || l.level === 'critical')).toEqual([]);
  }, 180_000);

  it('testReplicationWithEmptyPartition: partitions with records get exact synced offsets; the empty one gets neither a checkpoint nor an offset', async () => {
    const a = aliases('ep');
    const topic = await createTopic(primary, uniqueTopic('mm2it-empty'));
    cleanup.standby.push(`${a.p}.${topic}`);
    await produce(PRIMARY, topic, 'E', 40, { partitions: PARTITIONS - 1 }); // every partition but the last
    const group = uniqueTopic('consumer-group-testReplicationWithEmptyPartition');
    const end = await primary.highWatermarks(topic);
    expect(end.get(PARTITIONS - 1)).toBe(0);
    await commit(PRIMARY, group, topic, end); // the group read everything: 0 on the empty partition
    await startEngine(a, ['p->s'], topic, { 'sync.group.offsets.enabled': 'true' });
    const remote = `${a.p}.${topic}`;
    await waitForRecords(standby, remote, 40);
    const synced = await waitFor(async () => {
      const c = await committedOffsets(STANDBY, group, remote);
      return c.size === PARTITIONS - 1 ? c : undefined;
    }, { timeoutMs: 30_000, message: `${group} synced on ${remote}` });
    for (let p = 0; p < PARTITIONS - 1; p++) expect(synced.get(p)).toBe(end.get(p));
    expect(synced.has(PARTITIONS - 1)).toBe(false); // nothing mirrored there: no translation (MM2: the backup consumer commits 0 itself)
    expect((await checkpointsOf(STANDBY, a.p, group, remote)).has(PARTITIONS - 1)).toBe(false);
  }, 120_000);

  it.each([100, 0])('testOneWayReplicationWithOffsetSyncs (offset.lag.max = %i): the target group is synced to the exact end, for a topic added later too', async (offsetLagMax) => {
    const a = aliases(`ol${offsetLagMax}`);
    const base = uniqueTopic('mm2it-lag');
    const t1 = await createTopic(primary, `${base}-1`);
    cleanup.standby.push(`${a.p}.${t1}`);
    await produce(PRIMARY, t1, 'L', N);
    const group = uniqueTopic('consumer-group-testOneWayReplicationWithAutoOffsetSync');
    await commit(PRIMARY, group, t1, await primary.highWatermarks(t1));
    await startEngine(a, ['p->s'], `${base}-.*`, { 'sync.group.offsets.enabled': 'true', 'offset.lag.max': offsetLagMax });
    const remote1 = `${a.p}.${t1}`;
    expect(await primary.topicExists(`${a.s}.${t1}`)).toBe(false); // one way: no reverse topic
    const fullSync = (remote: string, end: Map<number, number>) =>
      waitFor(async () => {
        const c = await committedOffsets(STANDBY, group, remote);
        return [...end].every(([p, o]) => c.get(p) === o) ? c : undefined;
      }, { timeoutMs: 30_000, intervalMs: 250, message: `${group} fully synced on ${remote}` });
    // MM2 waitForConsumerGroupFullSync + assertDownstreamRedeliveriesBoundedByMaxLag (≤ offset.lag.max): ours re-delivers nothing.
    await fullSync(remote1, await waitForRecords(standby, remote1, N));

    const t2 = await createTopic(primary, `${base}-2`);
    const remote2 = `${a.p}.${t2}`;
    cleanup.standby.push(remote2);
    await waitFor(() => standby.topicExists(remote2), { timeoutMs: 30_000, message: `${remote2} created` });
    await produce(PRIMARY, t2, 'L2', N);
    await commit(PRIMARY, group, t2, await primary.highWatermarks(t2));
    await fullSync(remote2, await waitForRecords(standby, remote2, N));
    await fullSync(remote1, await standby.highWatermarks(remote1));
    await assertMonotonicCheckpoints(standby, `${a.p}.checkpoints.internal`);
  }, 120_000);

  it('testReplicationWithoutOffsetSync (emit.offset-syncs.enabled = false; Dedicated testClusterWithEmitOffsetDisabled): records mirrored, no offset-syncs topic', async () => {
    const a = aliases('ns');
    const topic = await createTopic(primary, uniqueTopic('mm2it-nosync'));
    cleanup.standby.push(`${a.p}.${topic}`);
    await produce(PRIMARY, topic, 'NS', N);
    await startEngine(a, ['p->s'], topic, { 'emit.offset-syncs.enabled': 'false' });
    await waitForRecords(standby, `${a.p}.${topic}`, N);
    expect(await primary.topicExists(`mm2-offset-syncs.${a.s}.internal`)).toBe(false);
    expect(await standby.topicExists(`mm2-offset-syncs.${a.p}.internal`)).toBe(false);
  }, 120_000);

  it('testOffsetSyncsTopicsOnTarget (complement to mm2-parity): no offset-syncs topic on the source, checkpoints for the remote topic on the target', async () => {
    const a = aliases('ot');
    const topic = await createTopic(primary, uniqueTopic('mm2it-ontarget'));
    const remote = `${a.p}.${topic}`;
    cleanup.standby.push(remote);
    await startEngine(a, ['p->s'], topic, { [`${a.p}->${a.s}.offset-syncs.topic.location`]: 'target' });
    await waitFor(() => standby.topicExists(`mm2-offset-syncs.${a.p}.internal`), { timeoutMs: 30_000, message: 'syncs topic on the target' });
    await produce(PRIMARY, topic, 'OT', N);
    const group = uniqueTopic('consumer-group-syncs-on-target');
    await waitForRecords(standby, remote, N);
    await commit(PRIMARY, group, topic, await primary.highWatermarks(topic));
    await waitForCheckpoints(STANDBY, a.p, group, remote, (c) => c.size === PARTITIONS, `checkpoints for ${remote}`);
    await assertMonotonicCheckpoints(standby, `${a.p}.checkpoints.internal`);
    expect(await primary.topicExists(`mm2-offset-syncs.${a.p}.internal`)).toBe(false);
    expect(await primary.topicExists(`mm2-offset-syncs.${a.s}.internal`)).toBe(false);
  }, 120_000);

  it('testNoCheckpointsIfNoRecordsAreMirrored: a committed topic with nothing mirrored gets no checkpoint until records are mirrored', async () => {
    const a = aliases('nc');
    const t1 = await createTopic(primary, uniqueTopic('mm2it-ckpt'), 1);
    const t2 = await createTopic(primary, uniqueTopic('mm2it-no-checkpoints'), 1);
    cleanup.standby.push(`${a.p}.${t1}`, `${a.p}.${t2}`);
    await produce(PRIMARY, t1, 'C', N, { partitions: 1 });
    await startEngine(a, ['p->s'], `${t1}|${t2}`);
    await waitForRecords(standby, `${a.p}.${t1}`, N);
    await waitFor(() => standby.topicExists(`${a.p}.${t2}`), { timeoutMs: 30_000, message: 'the empty remote topic' });
    const group = uniqueTopic('consumer-group-no-checkpoints');
    await commit(PRIMARY, group, t1, await primary.highWatermarks(t1));
    await commit(PRIMARY, group, t2, await primary.highWatermarks(t2)); // offset 0: nothing there
    await waitForCheckpoints(STANDBY, a.p, group, `${a.p}.${t1}`, (c) => c.get(0) === N, `checkpoint of ${t1}`);
    expect((await checkpointsOf(STANDBY, a.p, group, `${a.p}.${t2}`)).size).toBe(0);
    await produce(PRIMARY, t2, 'C2', N, { partitions: 1 });
    await waitForRecords(standby, `${a.p}.${t2}`, N);
    await commit(PRIMARY, group, t2, await primary.highWatermarks(t2));
    await waitForCheckpoints(STANDBY, a.p, group, `${a.p}.${t2}`, (c) => c.get(0) === N, `checkpoint of ${t2} once mirrored`);
    expect((await checkpointsOf(STANDBY, a.p, group, `${a.p}.${t1}`)).get(0)).toBe(N);
  }, 120_000);

  it('testRestartReplication: group offsets synced, engine restarted, synced again to the new end; checkpoints never go back', async () => {
    const a = aliases('rs');
    const topic = await createTopic(primary, uniqueTopic('mm2it-restart'));
    const remote = `${a.p}.${topic}`;
    cleanup.standby.push(remote);
    const extra = { 'sync.group.offsets.enabled': 'true', 'offset.lag.max': 100 };
    const first = await startEngine(a, ['p->s'], topic, extra);
    await produce(PRIMARY, topic, 'R', N);
    const group = uniqueTopic('consumer-group-restart');
    await commit(PRIMARY, group, topic, await primary.highWatermarks(topic));
    const synced = async (count: number) => {
      const end = await waitForRecords(standby, remote, count);
      await waitFor(async () => {
        const c = await committedOffsets(STANDBY, group, remote);
        return [...end].every(([p, o]) => c.get(p) === o);
      }, { timeoutMs: 30_000, intervalMs: 250, message: `${group} synced to ${count} records` });
    };
    await synced(N);
    await first.engine.stop();
    await startEngine(a, ['p->s'], topic, extra);
    await assertMonotonicCheckpoints(standby, `${a.p}.checkpoints.internal`);
    await produce(PRIMARY, topic, 'R', N, { from: N });
    await commit(PRIMARY, group, topic, await primary.highWatermarks(topic));
    await synced(2 * N);
    await assertMonotonicCheckpoints(standby, `${a.p}.checkpoints.internal`);
    expect(sum(await standby.highWatermarks(remote))).toBe(2 * N); // nothing mirrored twice across the restart
  }, 120_000);

  it('testOffsetTranslationBehindReplicationFlow: checkpoints advance when the group advances and rewind when it rewinds', async () => {
    const a = aliases('bh');
    const topic = await createTopic(primary, uniqueTopic('mm2it-behind'));
    const remote = `${a.p}.${topic}`;
    cleanup.standby.push(remote);
    await startEngine(a, ['p->s'], topic, { 'sync.group.offsets.enabled': 'true', 'offset.lag.max': 100 });
    await produce(PRIMARY, topic, 'B', N);
    const group = uniqueTopic('consumer-group-lagging-behind');
    await commit(PRIMARY, group, topic, await primary.highWatermarks(topic));
    const initial = await waitForCheckpoints(STANDBY, a.p, group, remote, (c) => c.size === PARTITIONS && sum(c) === N, 'initial checkpoints');
    for (let i = 1; i < 10; i++) await produce(PRIMARY, topic, 'B', N, { from: i * N }); // all replicated within one engine lifetime
    const end = await waitForRecords(standby, remote, 10 * N);
    const at = (fraction: number) => new Map([...end].map(([p, o]) => [p, Math.floor(o * fraction)]));
    await commit(PRIMARY, group, topic, at(0.9));
    const partial = await waitForCheckpoints(STANDBY, a.p, group, remote, (c) => [...at(0.9)].every(([p, o]) => c.get(p) === o), 'checkpoints at 90 %');
    for (const [p, o] of initial) expect(partial.get(p)!, 'checkpoints advance with the group').toBeGreaterThan(o);
    await assertMonotonicCheckpoints(standby, `${a.p}.checkpoints.internal`);
    await commit(PRIMARY, group, topic, at(0.1));
    const rewound = await waitForCheckpoints(STANDBY, a.p, group, remote, (c) => [...at(0.1)].every(([p, o]) => c.get(p) === o), 'checkpoints at 10 %');
    for (const [p, o] of partial) expect(rewound.get(p)!, 'checkpoints rewind with the group').toBeLessThan(o);
  }, 120_000);

  it('topics.exclude changed across a restart (dedicated mode reads mm2.properties at start): the newly included topic is mirrored from its start, the other one goes on without duplicates', async () => {
    const a = aliases('fx');
    const base = uniqueTopic('mm2it-filter');
    const ta = await createTopic(primary, `${base}-a`, 1);
    const tb = await createTopic(primary, `${base}-b`, 1);
    cleanup.standby.push(`${a.p}.${ta}`, `${a.p}.${tb}`);
    await produce(PRIMARY, ta, 'A', 20, { partitions: 1 });
    await produce(PRIMARY, tb, 'B', 20, { partitions: 1 });
    const first = await startEngine(a, ['p->s'], `${base}-.*`, { 'topics.exclude': `${tb}` });
    await waitForRecords(standby, `${a.p}.${ta}`, 20);
    expect(await standby.topicExists(`${a.p}.${tb}`)).toBe(false);
    await first.engine.stop();
    await produce(PRIMARY, ta, 'A', 20, { from: 20, partitions: 1 });
    await startEngine(a, ['p->s'], `${base}-.*`, { 'topics.exclude': `${base}-c` });
    await waitForRecords(standby, `${a.p}.${tb}`, 20);
    await waitForRecords(standby, `${a.p}.${ta}`, 40);
    expect((await standby.readRecords(`${a.p}.${ta}`)).map((r) => textOf(r.value))).toEqual(Array.from({ length: 40 }, (_, i) => `A-${i}`));
  }, 120_000);
});

describe('IdentityReplicationIntegrationTest, ported', () => {
  it('Identity testReplication (one way): the topic keeps its name, exact checkpoints under the same name, no reverse topic, heartbeats mirrored', async () => {
    const a = aliases('id');
    const topic = await createTopic(primary, uniqueTopic('mm2it-identity'), PARTITIONS, { 'cleanup.policy': 'compact' });
    cleanup.standby.push(topic);
    await produce(PRIMARY, topic, 'I', N);
    const group = uniqueTopic('consumer-group-testReplication');
    await commit(PRIMARY, group, topic, await primary.highWatermarks(topic));
    await startEngine(a, ['p->s'], topic, { 'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy' });
    const end = await waitForRecords(standby, topic, N);
    expect((await standby.readRecords(topic)).map((r) => textOf(r.value)).sort()).toEqual(Array.from({ length: N }, (_, i) => `I-${i}`).sort());
    expect(await standby.topicExists(`${a.p}.${topic}`)).toBe(false);
    expect(await primary.topicExists(`${a.s}.${topic}`)).toBe(false);
    expect((await standby.topicConfigs(topic)).get('cleanup.policy')?.value).toBe('compact');
    const c = await waitForCheckpoints(STANDBY, a.p, group, topic, (x) => x.size === PARTITIONS, `checkpoints for ${topic}`);
    for (const [p, o] of end) expect(c.get(p)).toBe(o);
    await waitFor(async () => (await standby.topicExists(`${a.p}.heartbeats`)) && sum(await standby.highWatermarks(`${a.p}.heartbeats`)) > 0, { timeoutMs: 30_000, message: 'heartbeats mirrored' });
  }, 120_000);
});

describe('MirrorConnectorsIntegrationTransactionsTest, ported', () => {
  it('Transactions testReplication: committed records mirrored exactly, aborted ones and markers not; a group at the log end translates to the remote log end', async () => {
    const a = aliases('tx');
    const topic = await createTopic(primary, uniqueTopic('mm2it-tx'), 1);
    const remote = `${a.p}.${topic}`;
    cleanup.standby.push(remote);
    const tx = await new TransactionalProducer().connect();
    try {
      await tx.transaction(topic, Array.from({ length: 20 }, (_, i) => `T-${i}`), 'commit');
      await tx.transaction(topic, Array.from({ length: 10 }, (_, i) => `X-${i}`), 'abort');
      await tx.transaction(topic, Array.from({ length: 20 }, (_, i) => `T-${20 + i}`), 'commit');
    } finally {
      await tx.disconnect();
    }
    const group = uniqueTopic('consumer-group-tx');
    const end = await primary.highWatermarks(topic); // 20 + 1 marker + 10 aborted + 1 marker + 20 + 1 marker
    expect(end.get(0)).toBe(53);
    await commit(PRIMARY, group, topic, end);
    await startEngine(a, ['p->s'], topic, { 'sync.group.offsets.enabled': 'true' });
    await waitForRecords(standby, remote, 40);
    expect((await standby.readRecords(remote)).map((r) => textOf(r.value))).toEqual(Array.from({ length: 40 }, (_, i) => `T-${i}`));
    await waitForCheckpoints(STANDBY, a.p, group, remote, (c) => c.get(0) === 40, 'checkpoint at the remote log end');
    await waitFor(async () => (await committedOffsets(STANDBY, group, remote)).get(0) === 40, { timeoutMs: 30_000, message: 'group synced to 40' });
  }, 120_000);
});
