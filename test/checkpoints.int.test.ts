/**
 * Offset syncs, checkpoints, group offset sync and heartbeats against the real local clusters
 * (DESIGN.md invariant 5): a consumer group's committed offset on the primary is translated to the
 * exact position in the remote topic, also on a transactional source (commit markers and aborted
 * records shift the offsets); MM2's own Java `RemoteClusterUtils` reads our checkpoints and MM2's
 * `Heartbeat`/`OffsetSync` classes decode our records; translated offsets are written into inactive
 * target groups, never backwards and never while a group is active there; heartbeats are emitted and a
 * mirrored heartbeat reports replication latency. Each test has its own topics and groups; setup and
 * verification use raw clients (kafkajs, an rdkafka consumer committing explicit offsets), not the engine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Kafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, Producer as RdProducer } from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { encodeHeartbeatKey, encodeHeartbeatValue, translateOffsets } from '../engine/index.ts';
import { JARS_DIR } from '../local-kafka/jars.ts';
import { TopicTail, textOf, type ClusterReader } from '../testkit/cluster-reader.ts';
import { startEngine, type EngineHarness } from '../testkit/engine-harness.ts';
import { PRIMARY, STANDBY, kafkajsClient, remoteOf, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { useMirrorFixture } from './mirror-fixture.ts';

/** Fast rounds for tests (defaults are 5 s); the measurement at defaults is in scenarios/test4. */
const FAST = { 'emit.checkpoints.interval.seconds': 1, 'refresh.groups.interval.seconds': 1, 'sync.group.offsets.interval.seconds': 1, 'emit.heartbeats.interval.seconds': 1 };

const f = useMirrorFixture();

async function newTopic(name: string, partitions = 1): Promise<string> {
  const topic = uniqueTopic(`ckpt-${name}`);
  f.topics.push(topic);
  await f.source.admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  return topic;
}

async function engine(topic: string, extra: Record<string, string | number> = {}): Promise<EngineHarness> {
  const h = await startEngine(`^${topic}$`, { ...FAST, ...extra });
  f.engines.push(h);
  return h;
}

/** Produces `count` records `seq-<n>` (n from `from`) to partition 0. */
async function produce(topic: string, from: number, count: number): Promise<void> {
  await f.producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ partition: 0, key: `k-${from + i}`, value: `seq-${from + i}` })) });
}

/**
 * Commits `offset` for `group` on `bootstrap` the way a simple consumer does: an rdkafka consumer that
 * never subscribes commits explicit offsets (generation -1; refused while the group has members).
 */
async function commitGroupOffset(bootstrap: string, group: string, topic: string, partition: number, offset: number): Promise<void> {
  const consumer: KafkaConsumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': false } as never, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    consumer.commitSync([{ topic, partition, offset }]);
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

/** Committed offsets of a group (kafkajs admin; -1 = none). */
async function groupOffsets(reader: ClusterReader, group: string, topic: string): Promise<Map<number, number>> {
  const [entry] = await reader.admin.fetchOffsets({ groupId: group, topics: [topic] });
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/** Values of a topic's partition 0 by offset, up to its high watermark (kafkajs, read_committed). */
async function valuesByOffset(reader: ClusterReader, topic: string): Promise<Map<number, string>> {
  const records = (await reader.readAll(topic)).get(0) ?? [];
  return new Map(records.map((r) => [r.offset, textOf(r.value) ?? '']));
}

async function translated(group: string, topic: string): Promise<number | undefined> {
  const all = await translateOffsets({ targetBootstrap: STANDBY, sourceAlias: 'primary', groupId: group });
  return all.find((t) => t.topic === remoteOf(topic) && t.partition === 0)?.offset;
}

describe('checkpoints', () => {
  it('translates a committed offset to the same record downstream within an interval, and translateOffsets returns it', async () => {
    const topic = await newTopic('basic');
    await engine(topic);
    await produce(topic, 0, 100);
    await waitFor(async () => (await f.target.admin.fetchTopicOffsets(remoteOf(topic)).catch(() => []))[0]?.high === '100', { message: '100 records mirrored' });
    const group = uniqueTopic('ckpt-group');
    const committedAt = Date.now();
    await commitGroupOffset(PRIMARY, group, topic, 0, 60);
    const offset = await waitFor(() => translated(group, topic), { timeoutMs: 20_000, message: 'a checkpoint for the group' });
    const staleness = Date.now() - committedAt;
    expect(offset).toBe(60);
    expect(staleness).toBeLessThan(5000); // 1 s rounds
    const remote = await valuesByOffset(f.target, remoteOf(topic));
    expect(remote.get(offset)).toBe('seq-60');
    // The group moves on: the checkpoint follows.
    await commitGroupOffset(PRIMARY, group, topic, 0, 100);
    expect(await waitFor(async () => ((await translated(group, topic)) === 100 ? 100 : undefined), { message: 'checkpoint at the end' })).toBe(100);
  });

  it('is exact on a transactional source: offsets on records, commit markers and aborted records resume at the first mirrored record at or after them', async () => {
    const topic = await newTopic('txn');
    await engine(topic);
    const tx = new Kafka.Producer({ 'bootstrap.servers': PRIMARY, 'transactional.id': uniqueTopic('ckpt-txn'), dr_cb: true } as never);
    await new Promise<void>((resolve, reject) => tx.connect({}, (err) => (err ? reject(err) : resolve())));
    tx.setPollInBackground(true);
    const call = (fn: (cb: (err: unknown) => void) => void) => new Promise<void>((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
    await call((cb) => tx.initTransactions(10_000, cb as never));
    const batch = async (from: number, count: number, commit: boolean) => {
      await call((cb) => (tx as RdProducer).beginTransaction(cb as never));
      for (let i = 0; i < count; i++) tx.produce(topic, 0, Buffer.from(`seq-${from + i}`), `k-${from + i}`);
      await call((cb) => tx.flush(10_000, cb as never));
      await call((cb) => (commit ? tx.commitTransaction(10_000, cb as never) : tx.abortTransaction(10_000, cb as never))).catch((err: Error) => {
        throw new Error(`${commit ? 'commit' : 'abort'} of seq ${from}..${from + count - 1}: ${err.message}`);
      });
    };
    // Source offsets: 0..9 records, 10 commit marker, 11..15 aborted, 16 abort marker, 17..26 records, 27 marker.
    await batch(0, 10, true);
    await batch(100, 5, false);
    await batch(10, 10, true);
    await new Promise<void>((resolve) => tx.disconnect(() => resolve()));
    // Read after the mirror has all 20: commitTransaction returns before the coordinator has written the commit
    // markers, so a read_committed read right after it may end at the last stable offset before them.
    await waitFor(async () => (await f.target.admin.fetchTopicOffsets(remoteOf(topic)).catch(() => []))[0]?.high === '20', { message: '20 committed records mirrored' });
    const sourceValues = await valuesByOffset(f.source, topic); // read_committed by default: only committed records
    expect(sourceValues.size, 'committed source records').toBe(20);
    const remote = await valuesByOffset(f.target, remoteOf(topic));
    const committedOffsets = [0, 5, 9, 10, 12, 16, 17, 20, 26, 27, 28];
    const groups = new Map(committedOffsets.map((g) => [g, uniqueTopic(`ckpt-txn-g${g}`)]));
    for (const [g, group] of groups) await commitGroupOffset(PRIMARY, group, topic, 0, g);
    for (const [g, group] of groups) {
      const t = (await waitFor(async () => ({ offset: await translated(group, topic) }) as { offset: number | undefined } | undefined, { timeoutMs: 20_000, message: `a checkpoint for committed offset ${g}` }).then(async () => {
        let found: number | undefined;
        await waitFor(async () => (found = await translated(group, topic)) !== undefined, { timeoutMs: 20_000, message: `a checkpoint for committed offset ${g}` });
        return found;
      }))!;
      const next = [...sourceValues.keys()].sort((a, b) => a - b).find((o) => o >= g);
      if (next === undefined) expect(t, `offset ${g} past the last record`).toBe(20);
      else expect(remote.get(t), `offset ${g}: first record at or after it is ${sourceValues.get(next)}`).toBe(sourceValues.get(next));
    }
  });

  it('survives a restart: the next engine rebuilds its offset syncs from the topic and stays exact', async () => {
    const topic = await newTopic('restart');
    const first = await engine(topic);
    await produce(topic, 0, 50);
    await waitFor(async () => (await f.target.admin.fetchTopicOffsets(remoteOf(topic)).catch(() => []))[0]?.high === '50', { message: '50 records mirrored' });
    await first.stop();
    const second = await engine(topic, { 'emit.offset-syncs.enabled': 'false' }); // translates only with what it read back
    expect(second.logs.some((l) => /^Loaded \d+ offset syncs/.test(l.msg) && (l.syncs as number) > 0)).toBe(true);
    const group = uniqueTopic('ckpt-group');
    await commitGroupOffset(PRIMARY, group, topic, 0, 42);
    expect(await waitFor(() => translated(group, topic), { timeoutMs: 20_000, message: 'a checkpoint after the restart' })).toBe(42);
  });
});

describe('MM2 compatibility (Java, connect-mirror 4.1.1)', () => {
  // Java and the jars are there: the local clusters run on them.
  it("MM2's RemoteClusterUtils.translateOffsets reads our checkpoints; MM2 decodes our offset syncs and heartbeats", async () => {
    const topic = await newTopic('mm2');
    await engine(topic);
    await produce(topic, 0, 30);
    const group = uniqueTopic('ckpt-group');
    await commitGroupOffset(PRIMARY, group, topic, 0, 17);
    await waitFor(() => translated(group, topic), { timeoutMs: 20_000, message: 'a checkpoint' });
    const dir = mkdtempSync(join(tmpdir(), 'kme-mm2-'));
    const src = join(dir, 'Mm2Compat.java');
    writeFileSync(src, MM2_COMPAT_JAVA);
    const run = spawnSync('java', ['-cp', `${JARS_DIR}/*`, src, STANDBY, PRIMARY, group, topic], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toContain(`checkpoint ${remoteOf(topic)}-0 17`);
    expect(lines.some((l) => /^heartbeat primary standby \d{13}$/.test(l))).toBe(true);
    expect(lines.some((l) => new RegExp(`^offset-sync ${topic}-0 \\d+ \\d+$`).test(l))).toBe(true);
  });
});

describe('sync.group.offsets', () => {
  it('writes translated offsets into inactive target groups, never backwards, and not while a group is active there', async () => {
    const topic = await newTopic('sync');
    const h = await engine(topic, { 'sync.group.offsets.enabled': 'true' });
    await produce(topic, 0, 100);
    await waitFor(async () => (await f.target.admin.fetchTopicOffsets(remoteOf(topic)).catch(() => []))[0]?.high === '100', { message: '100 records mirrored' });
    const [fresh, ahead, active] = ['fresh', 'ahead', 'active'].map((n) => uniqueTopic(`ckpt-sync-${n}`)) as [string, string, string];
    await commitGroupOffset(STANDBY, ahead, remoteOf(topic), 0, 90); // the target group already went further
    // An active member of `active` on the target (no auto-commit, so it writes nothing itself).
    const member = kafkajsClient(STANDBY).consumer({ groupId: active });
    await member.connect();
    await member.subscribe({ topic: remoteOf(topic), fromBeginning: true });
    await member.run({ autoCommit: false, eachMessage: async () => undefined });
    await waitFor(async () => (await f.target.admin.describeGroups([active])).groups[0]?.state === 'Stable', { message: 'the active group to be Stable' });
    for (const g of [fresh, ahead, active]) await commitGroupOffset(PRIMARY, g, topic, 0, 60);
    try {
      await waitFor(async () => (await groupOffsets(f.target, fresh, remoteOf(topic))).get(0) === 60, { timeoutMs: 20_000, message: 'fresh group synced' });
    } catch (err) {
      console.log(JSON.stringify(h.logs.filter((l) => l.component === 'checkpoint-task' || l.level !== 'debug').slice(-40), null, 1));
      throw err;
    }
    await h.waitForLog((l) => l.group === active && /^Not syncing offsets of group/.test(l.msg), 20_000);
    expect((await groupOffsets(f.target, ahead, remoteOf(topic))).get(0)).toBe(90);
    expect((await groupOffsets(f.target, active, remoteOf(topic))).get(0)).toBe(-1);
    await member.disconnect(); // now Empty: the next round may write it
    expect(await waitFor(async () => (await groupOffsets(f.target, active, remoteOf(topic))).get(0) === 60, { timeoutMs: 20_000, message: 'active group synced once inactive' })).toBe(true);
    expect((await groupOffsets(f.target, ahead, remoteOf(topic))).get(0)).toBe(90);
  });
});

describe('heartbeats', () => {
  it('emits heartbeats to the target, and a mirrored heartbeat reports replication latency', async () => {
    // A remote heartbeats topic as another flow would have written it on the primary (`<alias>.heartbeats`).
    const upstreamAlias = uniqueTopic('hb');
    const hbTopic = `${upstreamAlias}.heartbeats`;
    f.topics.push(hbTopic);
    await f.source.admin.createTopics({ topics: [{ topic: hbTopic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
    const startedAt = Date.now();
    // Only this test's heartbeats topic: `heartbeats` on the primary (written by every engine's standby->primary
    // heartbeat pair, MM2 clusterPairs) would otherwise be mirrored and counted too.
    const h = await engine(hbTopic, { 'heartbeats.replication.enabled': 'false' });
    const emittedAt = Date.now();
    await f.producer.send({ topic: hbTopic, messages: [{ partition: 0, key: encodeHeartbeatKey({ sourceClusterAlias: upstreamAlias, targetClusterAlias: 'primary' }), value: encodeHeartbeatValue({ timestamp: emittedAt }), timestamp: String(emittedAt) }] });
    await waitFor(async () => (await f.target.admin.fetchTopicOffsets(remoteOf(hbTopic)).catch(() => []))[0]?.high === '1', { message: 'the heartbeat mirrored' });
    const summary = await h.engine.telemetry.summary();
    expect(summary.heartbeats).toBe(1);
    expect(summary.heartbeatLatencyP50Ms).toBeGreaterThanOrEqual(0);
    expect(summary.heartbeatLatencyP50Ms).toBeLessThan(Date.now() - emittedAt + 50);
    // Our own heartbeats: key {primary, standby}, about one per second since the engine started.
    const key = encodeHeartbeatKey({ sourceClusterAlias: 'primary', targetClusterAlias: 'standby' });
    const heartbeats = await TopicTail.start(STANDBY, 'heartbeats');
    try {
      const mine = () => heartbeats.records.filter((r) => r.key?.equals(key)).map((r) => Number(r.value!.readBigInt64BE(2)));
      await waitFor(() => mine().filter((t) => t >= startedAt).length >= 2, { timeoutMs: 20_000, message: 'two heartbeats of this engine' });
    } finally {
      await heartbeats.stop();
    }
  });
});

/** Decodes with MM2's classes; prints `checkpoint <tp> <offset>`, `heartbeat <src> <tgt> <ts>`, `offset-sync <tp> <up> <down>`. */
const MM2_COMPAT_JAVA = `
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.mirror.*;

public class Mm2Compat {
  public static void main(String[] a) throws Exception {
    String standby = a[0], primary = a[1], group = a[2], topic = a[3];
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", standby);
    for (var e : RemoteClusterUtils.translateOffsets(props, "primary", group, Duration.ofSeconds(20)).entrySet())
      System.out.println("checkpoint " + e.getKey() + " " + e.getValue().offset());
    for (var r : readAll(standby, "heartbeats")) {
      Heartbeat h = Heartbeat.deserializeRecord(r);
      System.out.println("heartbeat " + h.sourceClusterAlias() + " " + h.targetClusterAlias() + " " + h.timestamp());
    }
    var deserialize = Class.forName("org.apache.kafka.connect.mirror.OffsetSync").getDeclaredMethod("deserializeRecord", ConsumerRecord.class);
    deserialize.setAccessible(true);
    for (var r : readAll(primary, "mm2-offset-syncs.standby.internal")) {
      Object s = deserialize.invoke(null, r);
      var tp = (TopicPartition) s.getClass().getMethod("topicPartition").invoke(s);
      if (!tp.topic().equals(topic)) continue;
      System.out.println("offset-sync " + tp + " " + s.getClass().getMethod("upstreamOffset").invoke(s) + " " + s.getClass().getMethod("downstreamOffset").invoke(s));
    }
  }

  static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    Map<String, Object> c = new HashMap<>();
    c.put("bootstrap.servers", bootstrap);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (var consumer = new KafkaConsumer<byte[], byte[]>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      var tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      while (consumer.position(tp) < end) for (var r : consumer.poll(Duration.ofMillis(500))) out.add(r);
    }
    return out;
  }
}
`;
