/**
 * Exactly-once (`exactly.once.source.support = enabled`, issue 15) with `kafka-mirror` processes in one flow
 * group, checked with a read_committed reader (kafkajs' default) of the remote topic:
 * - kill -9 of one of two instances mid-stream: every source record exactly once, in order;
 * - a zombie (SIGSTOP past the session timeout while the other instance takes over, then SIGCONT): its
 *   transaction is refused (KIP-447 generation fencing) or aborted as lost, and nothing is duplicated;
 * - an instance added and removed mid-stream: every record exactly once, in order;
 * - offset syncs on the target commit in the same transactions: after a kill -9, every committed sync names
 *   a committed remote record holding exactly the upstream record it claims;
 * - truncation and topic-reset detection on a partition that just moved stay exact (critical line with the
 *   exact gap from its new owner, nothing past the gap committed; the reset logged by the new owner and the new
 *   incarnation committed after the old records).
 */
import type { Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClusterReader, valuesOf, type ReadRecord } from '../testkit/cluster-reader.ts';
import { ContinuousLoad } from '../testkit/continuous-load.ts';
import { lineTimeMs } from '../testkit/engine-log.ts';
import { EngineProcess, type EngineLogLine } from '../testkit/engine-process.ts';
import { assertContiguous } from '../testkit/invariants.ts';
import { assignedLine, ownedPartitions } from '../testkit/ownership-log.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { decodeOffsetSync } from '../engine/index.ts';
import { BatchClient, ISOLATION, KafkaAdmin, readBatches, readInternalTopic, type BatchHeader, type InternalRecord } from '../engine/testing.ts';
import { startEngine } from '../testkit/engine-harness.ts';
import { testDataPath } from '../testkit/data-path.ts';

const SESSION_TIMEOUT_MS = 6000;
const EOS = {
  'exactly.once.source.support': 'enabled',
  'heartbeat.interval.ms': 1000,
  'session.timeout.ms': SESSION_TIMEOUT_MS,
  'sync.topic.configs.enabled': 'false',
  'heartbeats.replication.enabled': 'false',
} as const;
const PARTITIONS = 4;

let source: ClusterReader;
let target: ClusterReader;
let producer: Producer;
let cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  source = await new ClusterReader(PRIMARY).connect();
  target = await new ClusterReader(STANDBY).connect();
});

beforeEach(async () => {
  const p = kafkajsClient(PRIMARY).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await p.connect();
  producer = p;
  cleanup.push(() => p.disconnect());
});

afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

afterAll(async () => {
  await Promise.allSettled([source?.close(), target?.close()]);
});

async function fixture(name: string) {
  const prefix = uniqueTopic(name);
  const topic = `${prefix}-data`;
  const remote = `primary.${topic}`;
  await source.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  cleanup.push(async () => void (await Promise.allSettled([source.deleteTopicsIfPresent([topic]), target.deleteTopicsIfPresent([remote])])));
  let n = 0;
  /** A started instance with its own stable slot identity (KAFKA_MIRROR_INSTANCE_ID). */
  const start = async (extra: Record<string, string | number> = {}) => {
    const e = EngineProcess.inTempDir(`^${prefix}-.*`, { ...EOS, ...extra }, { KAFKA_MIRROR_INSTANCE_ID: `${prefix}-i${n++}` });
    cleanup.push(() => e.dispose({ keep: process.env.KEEP_ENGINE_LOGS !== undefined }));
    await e.start();
    return e;
  };
  const load = new ContinuousLoad(producer, topic, PARTITIONS, { perPartitionPerSend: 10, pauseMs: 20 });
  cleanup.push(() => load.stop());
  return { topic, remote, start, load };
}

const values = (records: readonly ReadRecord[] | undefined) => valuesOf(records) as string[];

/** Stops the load, waits until a read_committed read holds at least every sent record per partition, and asserts each exactly once, in order. */
async function expectExactlyOnce(f: { remote: string; load: ContinuousLoad }): Promise<number> {
  await f.load.stop();
  const sent = f.load.sent;
  const records = await waitFor(async () => {
    const r = await target.readAll(f.remote);
    return sent.every((n, p) => (r.get(p)?.length ?? 0) >= n) ? r : undefined;
  }, { timeoutMs: 90_000, intervalMs: 1000, message: `${f.remote} (read_committed) to hold every produced record` });
  for (let p = 0; p < PARTITIONS; p++) {
    const seqs = values(records.get(p)).map((v) => Number(v.split(':')[1]));
    assertContiguous(seqs, 0, sent[p]!, `remote partition ${p} (read_committed)`);
  }
  return sent.reduce((a, b) => a + b, 0);
}

const problems = (lines: EngineLogLine[]) => lines.filter((l) => l.level === 'error' || l.level === 'critical');

describe('exactly-once (engine processes in one group, read_committed audit)', () => {
  it('kill -9 of one of two instances mid-stream: every record exactly once, in order', async () => {
    const f = await fixture('eos-kill');
    const a = await f.start();
    const b = await f.start();
    await waitFor(() => ownedPartitions(a.logLines()).size === 2 && ownedPartitions(b.logLines()).size === 2, { timeoutMs: 30_000, message: 'A and B to own 2 partitions each' });
    await waitFor(() => f.load.total >= 3000, { timeoutMs: 30_000, message: '3000 records produced' });
    const moved = [...ownedPartitions(a.logLines())];
    const killedAtMs = Date.now();
    expect(await a.kill()).toBe(137);
    await waitFor(() => moved.every((k) => assignedLine(b.logLines(), k, killedAtMs)), { timeoutMs: SESSION_TIMEOUT_MS + 30_000, message: `B to take ${moved.join(', ')}` });
    const atTakeover = f.load.total;
    await waitFor(() => f.load.total >= atTakeover + 2000, { timeoutMs: 30_000, message: '2000 more records after the takeover' });
    const total = await expectExactlyOnce(f);
    expect(b.logLines().some((l) => l.event === 'transaction_aborted')).toBe(false);
    expect(await b.stop()).toBe(0);
    expect(problems(b.lines())).toEqual([]);
    console.info(`[exactly-once] kill -9: ${total} records, B took ${moved.join(', ')}; B committed exactly once`);
  });

  it('a zombie (SIGSTOP past the session timeout, then SIGCONT) cannot commit: nothing duplicated', async () => {
    const f = await fixture('eos-zombie');
    const a = await f.start();
    const b = await f.start();
    await waitFor(() => ownedPartitions(a.logLines()).size === 2 && ownedPartitions(b.logLines()).size === 2, { timeoutMs: 30_000, message: 'A and B to own 2 partitions each' });
    await waitFor(() => f.load.total >= 3000, { timeoutMs: 30_000, message: '3000 records produced' });
    const lost = [...ownedPartitions(a.logLines())].sort();
    a.signal('SIGSTOP');
    const frozenAtMs = Date.now();
    try {
      await waitFor(() => lost.every((k) => assignedLine(b.logLines(), k, frozenAtMs)), { timeoutMs: SESSION_TIMEOUT_MS + 30_000, message: `B to take ${lost.join(', ')}` });
      const atTakeover = f.load.total;
      await waitFor(() => f.load.total >= atTakeover + 1000, { timeoutMs: 30_000, message: '1000 more records while A is frozen' });
    } finally {
      a.signal('SIGCONT');
    }
    // The zombie learns it lost its partitions; its open transaction is aborted, never committed.
    const lostLine = await a.waitForLine((l) => l.event === 'partitions_lost', 'A to report the lost partitions', 30_000);
    expect((lostLine.partitions as string[]).sort()).toEqual(lost);
    const aborted = await a.waitForLine((l) => l.event === 'transaction_aborted' && lineTimeMs(l) >= frozenAtMs, 'A to abort its open transaction', 30_000);
    expect(String(aborted.msg)).toMatch(/^Transaction aborted: /);
    await waitFor(() => ownedPartitions(a.logLines()).size > 0, { timeoutMs: 30_000, message: 'A to rejoin and own partitions again' });
    const atRejoin = f.load.total;
    await waitFor(() => f.load.total >= atRejoin + 2000, { timeoutMs: 30_000, message: '2000 more records after A rejoined' });
    const total = await expectExactlyOnce(f);
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
    console.info(`[exactly-once] zombie: ${total} records; A aborted: ${String(aborted.reason)} (fencedZombie ${String(aborted.fencedZombie)})`);
  });

  it('an instance added and removed mid-stream: every record exactly once, in order', async () => {
    const f = await fixture('eos-rebalance');
    const a = await f.start();
    await waitFor(() => ownedPartitions(a.logLines()).size === PARTITIONS, { timeoutMs: 30_000, message: 'A to own every partition' });
    await waitFor(() => f.load.total >= 2000, { timeoutMs: 30_000, message: '2000 records produced' });
    const b = await f.start();
    await waitFor(() => ownedPartitions(a.logLines()).size === 2 && ownedPartitions(b.logLines()).size === 2, { timeoutMs: 30_000, message: 'A and B to own 2 partitions each' });
    const atSplit = f.load.total;
    await waitFor(() => f.load.total >= atSplit + 2000, { timeoutMs: 30_000, message: '2000 more records with two instances' });
    expect(await b.stop(), `B exit code; stderr: ${b.stderrText}`).toBe(0);
    await waitFor(() => ownedPartitions(a.logLines()).size === PARTITIONS, { timeoutMs: 30_000, message: 'A to own every partition again' });
    const atScaleIn = f.load.total;
    await waitFor(() => f.load.total >= atScaleIn + 2000, { timeoutMs: 30_000, message: '2000 more records after B left' });
    const total = await expectExactlyOnce(f);
    expect(await a.stop()).toBe(0);
    for (const e of [a, b]) {
      expect(problems(e.lines())).toEqual([]);
      expect(e.lines().filter((l) => l.event === 'transaction_aborted')).toEqual([]);
    }
    console.info(`[exactly-once] rebalance: ${total} records, 4 -> 2+2 -> 4 partitions`);
  });

  it('offset syncs on the target (offset-syncs.topic.location = target) commit with their records: each committed sync names the committed copy of its upstream record', async () => {
    const f = await fixture('eos-syncs');
    const syncs = { 'offset-syncs.topic.location': 'target', 'offset-syncs.interval.ms': 100 };
    const a = await f.start(syncs);
    const b = await f.start(syncs);
    await waitFor(() => ownedPartitions(a.logLines()).size === 2 && ownedPartitions(b.logLines()).size === 2, { timeoutMs: 30_000, message: 'A and B to own 2 partitions each' });
    await waitFor(() => f.load.total >= 3000, { timeoutMs: 30_000, message: '3000 records produced' });
    const moved = [...ownedPartitions(a.logLines())];
    const killedAtMs = Date.now();
    expect(await a.kill()).toBe(137);
    await waitFor(() => moved.every((k) => assignedLine(b.logLines(), k, killedAtMs)), { timeoutMs: SESSION_TIMEOUT_MS + 30_000, message: `B to take ${moved.join(', ')}` });
    const atTakeover = f.load.total;
    await waitFor(() => f.load.total >= atTakeover + 2000, { timeoutMs: 30_000, message: '2000 more records after the takeover' });
    await expectExactlyOnce(f);
    expect(await b.stop()).toBe(0);
    const remote = await target.readAll(f.remote);
    const byOffset = new Map([...remote].map(([p, records]) => [p, new Map(records.map((r) => [r.offset, r.value?.toString()]))]));
    // Read with librdkafka read_committed (the engine's own reader): kafkajs's aborted-transaction filter only
    // checks the head of the broker's aborted list and returns records of overlapping aborted transactions.
    const syncRecords: InternalRecord[] = [];
    await readInternalTopic({ alias: 'standby', bootstrapServers: STANDBY, client: {}, consumer: {}, producer: {}, admin: {} }, 'mm2-offset-syncs.primary.internal', (r) => syncRecords.push(r));
    const committed = syncRecords.map((r) => decodeOffsetSync(r.key!, r.value!)).filter((s) => s.topic === f.topic);
    expect(committed.length).toBeGreaterThan(PARTITIONS);
    // A fresh source topic: upstream offset n of partition p holds `p:n`.
    const wrong = committed.filter((s) => byOffset.get(s.partition)?.get(s.downstreamOffset) !== `${s.partition}:${s.upstreamOffset}`);
    expect(wrong, 'syncs naming no committed copy of their upstream record').toEqual([]);
    console.info(`[exactly-once] offset syncs on the target: ${committed.length} committed syncs, each naming the committed copy of its record`);
  });

  it('a partition that moved keeps truncation detection: its new owner reports the exact gap and commits nothing past it', async () => {
    const prefix = uniqueTopic('eos-trunc');
    const topic = `${prefix}-data`;
    const remote = `primary.${topic}`;
    await source.admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    cleanup.push(async () => void (await Promise.allSettled([source.deleteTopicsIfPresent([topic]), target.deleteTopicsIfPresent([remote])])));
    await producer.send({ topic, acks: -1, messages: [0, 1].flatMap((p) => Array.from({ length: 20 }, (_, i) => ({ partition: p, value: `${p}:${i}` }))) });
    const start = async (n: number) => {
      const e = EngineProcess.inTempDir(`^${prefix}-.*`, EOS, { KAFKA_MIRROR_INSTANCE_ID: `${prefix}-i${n}` });
      cleanup.push(() => e.dispose({ keep: process.env.KEEP_ENGINE_LOGS !== undefined }));
      await e.start();
      return e;
    };
    const a = await start(0);
    await waitFor(async () => ((await target.readAll(remote)).get(0)?.length === 20 && (await target.readAll(remote)).get(1)?.length === 20) || undefined, { timeoutMs: 30_000, intervalMs: 500, message: `${remote} to hold 20 + 20 committed records` });
    const b = await start(1);
    await waitFor(() => ownedPartitions(a.logLines()).size === 1 && ownedPartitions(b.logLines()).size === 1, { timeoutMs: 30_000, message: 'A and B to own one partition each' });
    const movedKey = [...ownedPartitions(b.logLines())][0]!;
    const moved = Number(movedKey.split('-').at(-1));
    b.signal('SIGSTOP');
    try {
      // A fetch sent just before the freeze may still be held by the broker (long poll, up to 100 ms): let it expire (see group-rebalance.int.test.ts).
      await new Promise((r) => setTimeout(r, 300));
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ partition: moved, value: `${moved}:${20 + i}` })) });
      const deleter = new KafkaAdmin({ 'bootstrap.servers': PRIMARY, 'client.id': 'kme-test-delete-records' });
      try {
        expect(await deleter.deleteRecordsBefore({ topic, partition: moved }, 30)).toBe(30);
      } finally {
        deleter.close();
      }
    } finally {
      b.signal('SIGCONT');
    }
    expect(await b.waitForExit(60_000), `new owner exit code; stderr: ${b.stderrText}`).toBe(3);
    const critical = b.lines().filter((l) => l.level === 'critical');
    expect(critical).toHaveLength(1);
    expect(critical[0]).toMatchObject({ event: 'log_truncation_detected', topic, partition: moved, expectedOffset: 20, logStartOffset: 30, gap: 10 });
    expect(await a.waitForExit(60_000), `previous owner exit code; stderr: ${a.stderrText}`).toBe(3);
    expect(values((await target.readAll(remote)).get(moved))).toEqual(Array.from({ length: 20 }, (_, i) => `${moved}:${i}`));
  });

  it('a partition that moved keeps topic-reset detection: its new owner commits the new incarnation after the old records', async () => {
    const prefix = uniqueTopic('eos-reset');
    const topic = `${prefix}-data`;
    const remote = `primary.${topic}`;
    await source.admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    cleanup.push(async () => void (await Promise.allSettled([source.deleteTopicsIfPresent([topic]), target.deleteTopicsIfPresent([remote])])));
    const send = (tag: string, n: number) => producer.send({ topic, acks: -1, messages: [0, 1].flatMap((p) => Array.from({ length: n }, (_, i) => ({ partition: p, value: `${tag}${p}:${i}` }))) });
    const committedCounts = async (want: number) => {
      const r = await target.readAll(remote);
      return r.get(0)?.length === want && r.get(1)?.length === want ? r : undefined;
    };
    await send('old', 10);
    const start = async (n: number) => {
      const e = EngineProcess.inTempDir(`^${prefix}-.*`, EOS, { KAFKA_MIRROR_INSTANCE_ID: `${prefix}-i${n}` });
      cleanup.push(() => e.dispose({ keep: process.env.KEEP_ENGINE_LOGS !== undefined }));
      await e.start();
      return e;
    };
    const a = await start(0);
    await waitFor(() => committedCounts(10), { timeoutMs: 30_000, intervalMs: 500, message: `${remote} to hold 10 + 10 committed records` });
    const b = await start(1);
    await waitFor(() => ownedPartitions(a.logLines()).size === 1 && ownedPartitions(b.logLines()).size === 1, { timeoutMs: 30_000, message: 'A and B to own one partition each' });
    const movedKey = [...ownedPartitions(b.logLines())][0]!;
    const moved = Number(movedKey.split('-').at(-1));
    await source.deleteTopicsIfPresent([topic]);
    await waitFor(async () => !(await source.topicExists(topic)), { timeoutMs: 30_000, message: `${topic} deleted` });
    await source.admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await send('new', 5);
    const records = await waitFor(() => committedCounts(15), { timeoutMs: 60_000, intervalMs: 500, message: `${remote} to hold 10 old + 5 new committed records per partition` });
    expect(b.lines().filter((l) => l.event === 'topic_reset_detected' && `${l.topic}-${l.partition}` === movedKey)).toHaveLength(1);
    expect(a.lines().filter((l) => l.event === 'topic_reset_detected' && `${l.topic}-${l.partition}` === movedKey)).toEqual([]);
    expect(values(records.get(moved))).toEqual([...Array.from({ length: 10 }, (_, i) => `old${moved}:${i}`), ...Array.from({ length: 5 }, (_, i) => `new${moved}:${i}`)]);
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
  });
});

describe('exactly-once in process (the engine as a library)', () => {
  it('commits records and progress together at the progress cadence; a restart resumes from the committed progress without a duplicate', async () => {
    const prefix = uniqueTopic('eos-lib');
    const topic = `${prefix}-data`;
    const remote = `primary.${topic}`;
    await source.admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    cleanup.push(async () => void (await Promise.allSettled([source.deleteTopicsIfPresent([topic]), target.deleteTopicsIfPresent([remote])])));
    const send = (from: number, n: number) => producer.send({ topic, acks: -1, messages: [0, 1].flatMap((p) => Array.from({ length: n }, (_, i) => ({ partition: p, value: `${p}:${from + i}` }))) });
    const committed = (want: number) => async () => {
      const r = await target.readAll(remote);
      return r.get(0)?.length === want && r.get(1)?.length === want ? r : undefined;
    };
    const props = { 'exactly.once.source.support': 'enabled', 'exactly.once.support': 'required', 'offset-syncs.topic.location': 'target', 'heartbeats.replication.enabled': 'false', 'sync.topic.configs.enabled': 'false' };
    await send(0, 300);
    const first = await startEngine(`^${prefix}-.*`, props);
    cleanup.push(() => first.stop());
    await waitFor(committed(300), { timeoutMs: 30_000, intervalMs: 500, message: `${remote} to hold 300 + 300 committed records` });
    const line = await first.waitForLog((l) => typeof l.transactionalId === 'string');
    expect(String(line.transactionalId)).toMatch(/-primary-standby-.+-\d+-0$/);
    if (testDataPath() === 'batches') {
      // Exactly-once no longer falls back to the record path: the batches on the target are transactional, each transaction ended by a marker.
      expect((await first.waitForLog((l) => typeof l.dataPath === 'string')).dataPath).toBe('batches');
      expect(first.logs.filter((l) => l.event === 'data_path_records')).toEqual([]);
      const batches = await rawBatches(remote);
      const data = batches.filter((b) => (b.attributes & 0x20) === 0);
      expect(data.length).toBeGreaterThan(0);
      expect(data.every((b) => (b.attributes & 0x10) !== 0)).toBe(true);
      expect(batches.some((b) => (b.attributes & 0x20) !== 0)).toBe(true);
    }
    await first.stop();
    await send(300, 200);
    const second = await startEngine(`^${prefix}-.*`, props);
    cleanup.push(() => second.stop());
    const records = await waitFor(committed(500), { timeoutMs: 30_000, intervalMs: 500, message: `${remote} to hold 500 + 500 committed records` });
    await second.stop();
    for (const p of [0, 1]) expect(values(records.get(p))).toEqual(Array.from({ length: 500 }, (_, i) => `${p}:${i}`));
    expect([...first.logs, ...second.logs].filter((l) => l.event === 'transaction_aborted')).toEqual([]);
  });
});

/** Every batch of partition 0 of `topic` on the target, read_uncommitted, headers only (attributes: 0x10 transactional, 0x20 control). */
async function rawBatches(topic: string): Promise<BatchHeader[]> {
  const client = new BatchClient({ bootstrap: STANDBY, clientId: 'kme-exactly-once-test' });
  await client.connect();
  try {
    const [layout] = await client.metadata([topic]);
    const out: BatchHeader[] = [];
    for (let offset = 0; ; ) {
      const res = await client.fetch(layout!.partitions[0]!.leaderId, { maxWaitMs: 10, minBytes: 1, maxBytes: 1 << 20, isolationLevel: ISOLATION.READ_UNCOMMITTED, topics: [{ topicId: layout!.topicId, partitions: [{ partition: 0, fetchOffset: offset, currentLeaderEpoch: -1, partitionMaxBytes: 1 << 20 }] }] });
      const batches = readBatches(res.partitions[0]!.records).batches.filter((b) => b.baseOffset + b.lastOffsetDelta >= offset);
      if (batches.length === 0) return out;
      out.push(...batches);
      offset = batches.at(-1)!.baseOffset + batches.at(-1)!.lastOffsetDelta + 1;
    }
  } finally {
    await client.close();
  }
}
