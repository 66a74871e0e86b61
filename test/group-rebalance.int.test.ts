/**
 * Scale-out through the flow's group (issue 15) with the engine as operators run it: several
 * `kafka-mirror` processes with the same mm2.properties join one group on the target and split the
 * partitions. Checked on the real brokers:
 * - an instance added and then removed mid-stream moves partitions by cooperative rebalancing, and every
 *   record arrives exactly once and in order (graceful handover: the final progress is stored before a
 *   partition is released);
 * - a partition that moved to another instance keeps truncation and topic-reset detection: the lines
 *   come from its new owner.
 */
import type { Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClusterReader, valuesOf, type ReadRecord } from '../testkit/cluster-reader.ts';
import { ContinuousLoad } from '../testkit/continuous-load.ts';
import { EngineProcess, type EngineLogLine } from '../testkit/engine-process.ts';
import { assertContiguous } from '../testkit/invariants.ts';
import { ownedPartitions } from '../testkit/ownership-log.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { KafkaAdmin } from '../engine/testing.ts';
import { waitFor } from '../testkit/wait-for.ts';

/** Group timeouts of these tests: rebalances reach the members within a second. */
// Heartbeats not mirrored: `heartbeats` is mirrored whatever `topics` says (MM2), its partition would be one more for the group to split.
const GROUP = { 'heartbeat.interval.ms': 1000, 'session.timeout.ms': 6000, 'sync.topic.configs.enabled': 'false', 'heartbeats.replication.enabled': 'false' } as const;

let source: ClusterReader;
let target: ClusterReader;
let producer: Producer;
let cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  source = await new ClusterReader(PRIMARY).connect();
  target = await new ClusterReader(STANDBY).connect();
});

beforeEach(async () => {
  // One producer per test: kafkajs keeps refreshing the metadata of topics it wrote to, and a topic a previous test deleted fails those refreshes.
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

/** A source topic `<prefix>-data` with `partitions` partitions (deleted again after the test, with its remote topic). */
async function topicFixture(name: string, partitions: number): Promise<{ prefix: string; topic: string; remote: string }> {
  const prefix = uniqueTopic(name);
  const topic = `${prefix}-data`;
  const remote = `primary.${topic}`;
  await source.admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  cleanup.push(async () => {
    await Promise.allSettled([source.deleteTopicsIfPresent([topic]), target.deleteTopicsIfPresent([remote])]);
  });
  return { prefix, topic, remote };
}

/** A started engine process of the test's group (same topics regex = same group id). */
async function instance(prefix: string, extra: Record<string, string | number> = {}): Promise<EngineProcess> {
  const engine = EngineProcess.inTempDir(`^${prefix}-.*`, { ...GROUP, ...extra });
  cleanup.push(() => engine.dispose({ keep: process.env.KEEP_ENGINE_LOGS !== undefined }));
  await engine.start();
  return engine;
}

/** `topic-partition` keys the latest run of `engine` owns now. */
const owned = (engine: EngineProcess) => ownedPartitions(engine.logLines());

/** Waits until the instances own `expected[i]` partitions each, together every partition of `topic` once. */
async function waitForSplit(topic: string, partitions: number, engines: EngineProcess[], expected: number[]): Promise<Set<string>[]> {
  return waitFor(() => {
    const sets = engines.map(owned);
    const all = sets.flatMap((s) => [...s]).sort();
    const complete = all.length === partitions && new Set(all).size === partitions && all.every((k) => k.startsWith(`${topic}-`));
    return complete && sets.every((s, i) => s.size === expected[i]) ? sets : undefined;
  }, { timeoutMs: 30_000, message: `partitions of ${topic} split ${expected.join(' + ')}` });
}

const values = (records: readonly ReadRecord[] | undefined) => valuesOf(records) as string[];

/** Each remote partition holds exactly `p:0 … p:(sent[p]-1)`: every record once, in order. */
async function expectExactlyOnce(remote: string, sent: readonly number[]): Promise<void> {
  await target.waitForHighWatermarks(remote, (hw) => sent.every((n, p) => (hw.get(p) ?? 0) >= n), `${remote} to hold every produced record`);
  const records = await target.readAll(remote);
  for (let p = 0; p < sent.length; p++) {
    const seqs = values(records.get(p)).map((v) => Number(v.split(':')[1]));
    assertContiguous(seqs, 0, sent[p]!, `remote partition ${p}`);
  }
}

describe('scale-out through the flow group (engine processes)', () => {
  it('an instance added and removed mid-stream takes and returns partitions: every record exactly once, in order', async () => {
    const partitions = 6;
    const f = await topicFixture('rebalance', partitions);
    const load = new ContinuousLoad(producer, f.topic, partitions, { perPartitionPerSend: 10, pauseMs: 20 });
    cleanup.push(() => load.stop());

    const a = await instance(f.prefix);
    await waitForSplit(f.topic, partitions, [a], [6]);
    await target.waitForHighWatermarks(f.remote, (hw) => [...hw.values()].reduce((x, y) => x + y, 0) >= 1000, `${f.remote} to hold 1000 records`);

    const b = await instance(f.prefix); // scale out mid-stream
    const [ownedByA, ownedByB] = await waitForSplit(f.topic, partitions, [a, b], [3, 3]);
    const moved = [...ownedByB!].sort();
    const revoked = a.logLines().find((l) => l.event === 'partitions_revoked');
    expect((revoked?.partitions as string[]).sort(), 'A released exactly what B took').toEqual(moved);
    expect([...ownedByA!].some((k) => moved.includes(k))).toBe(false);
    const atB = await target.highWatermarks(f.remote);
    await target.waitForHighWatermarks(f.remote, (hw) => moved.every((k) => hw.get(Number(k.split('-').at(-1))) !== atB.get(Number(k.split('-').at(-1)))), 'B to mirror its partitions');

    expect(await b.stop(), `B exit code; stderr: ${b.stderrText}`).toBe(0); // scale in mid-stream
    await waitForSplit(f.topic, partitions, [a], [6]);
    await load.stop();
    await expectExactlyOnce(f.remote, load.sent);
    expect(await a.stop()).toBe(0);

    const problems = (lines: EngineLogLine[]) => lines.filter((l) => l.level === 'error' || l.level === 'critical' || l.event === 'partitions_lost');
    expect(problems(a.lines())).toEqual([]);
    expect(problems(b.lines())).toEqual([]);
    console.info(`[group-rebalance] ${load.total} records over ${partitions} partitions; moved to B and back: ${moved.join(', ')}`);
  });

  it('a session timeout the broker refuses stops the instance with exit code 2 and a message naming the group and the key', async () => {
    const f = await topicFixture('bad-session', 1);
    const engine = EngineProcess.inTempDir(`^${f.prefix}-.*`, { ...GROUP, 'session.timeout.ms': 5000 }); // the broker's minimum is 6000
    cleanup.push(() => engine.dispose());
    await engine.start({ allowEarlyExit: true });
    expect(await engine.waitForExit(60_000)).toBe(2);
    const refused = engine.lines().find((l) => l.level === 'error' && String(l.msg).includes('refused this instance'));
    expect(refused?.msg).toMatch(/^group kme-test-\w+-primary-standby refused this instance: Broker: Invalid session timeout: session\.timeout\.ms must lie within/);
  });

  it('a partition that moved keeps truncation detection: the critical line with the exact gap comes from its new owner', async () => {
    const f = await topicFixture('moved-trunc', 2);
    await producer.send({ topic: f.topic, acks: -1, messages: [0, 1].flatMap((p) => Array.from({ length: 20 }, (_, i) => ({ partition: p, value: `${p}:${i}` }))) });
    const a = await instance(f.prefix);
    await target.waitForHighWatermarks(f.remote, (hw) => hw.get(0) === 20 && hw.get(1) === 20, `${f.remote} to hold 20 + 20 records`);
    const b = await instance(f.prefix);
    const [, ownedByB] = await waitForSplit(f.topic, 2, [a, b], [1, 1]);
    const movedKey = [...ownedByB!][0]!;
    const moved = Number(movedKey.split('-').at(-1));

    // Truncate after the move: freeze the new owner, produce to its partition and delete past what it mirrored.
    b.signal('SIGSTOP');
    try {
      // A fetch sent just before the freeze may still be held by the broker (long poll, up to 100 ms): let it expire
      // so the records below cannot reach the frozen engine (test/truncation.int.test.ts b2 explains the one timed wait).
      await new Promise((r) => setTimeout(r, 300));
      await producer.send({ topic: f.topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ partition: moved, value: `${moved}:${20 + i}` })) });
      const deleter = new KafkaAdmin({ 'bootstrap.servers': PRIMARY, 'client.id': 'kme-test-delete-records' });
      try {
        expect(await deleter.deleteRecordsBefore({ topic: f.topic, partition: moved }, 30)).toBe(30);
      } finally {
        deleter.close();
      }
    } finally {
      b.signal('SIGCONT');
    }
    expect(await b.waitForExit(60_000), `new owner exit code; stderr: ${b.stderrText}`).toBe(3);
    const critical = b.lines().filter((l) => l.level === 'critical');
    expect(critical).toHaveLength(1);
    expect(critical[0]).toMatchObject({ event: 'log_truncation_detected', topic: f.topic, partition: moved, expectedOffset: 20, logStartOffset: 30, gap: 10 });
    expect(critical[0]!.msg).toBe(`CRITICAL: Log truncation detected for ${movedKey}. Expected offset 20, but got 30. Gap of 10 messages detected`);
    // The gap stays reported: the partition goes back to A, which finds it too and stops (nothing mirrors past a truncation).
    expect(await a.waitForExit(60_000), `previous owner exit code; stderr: ${a.stderrText}`).toBe(3);
    expect(a.lines().filter((l) => l.level === 'critical')).toEqual([expect.objectContaining({ partition: moved, expectedOffset: 20, logStartOffset: 30, gap: 10 })]);
    expect(values((await target.readAll(f.remote)).get(moved))).toEqual(Array.from({ length: 20 }, (_, i) => `${moved}:${i}`));
  });

  it('a partition that moved keeps topic-reset detection: its new owner logs the reset and mirrors the new incarnation after the old records', async () => {
    const f = await topicFixture('moved-reset', 2);
    const send = (prefix: string, n: number) => producer.send({ topic: f.topic, acks: -1, messages: [0, 1].flatMap((p) => Array.from({ length: n }, (_, i) => ({ partition: p, value: `${prefix}${p}:${i}` }))) });
    await send('old', 10);
    const a = await instance(f.prefix);
    await target.waitForHighWatermarks(f.remote, (hw) => hw.get(0) === 10 && hw.get(1) === 10, `${f.remote} to hold 10 + 10 records`);
    const b = await instance(f.prefix);
    const [ownedByA, ownedByB] = await waitForSplit(f.topic, 2, [a, b], [1, 1]);
    const movedKey = [...ownedByB!][0]!;
    const moved = Number(movedKey.split('-').at(-1));

    await source.deleteTopicsIfPresent([f.topic]);
    await waitFor(async () => !(await source.topicExists(f.topic)), { timeoutMs: 30_000, message: `${f.topic} deleted` });
    await source.admin.createTopics({ topics: [{ topic: f.topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await send('new', 5);
    await target.waitForHighWatermarks(f.remote, (hw) => hw.get(0) === 15 && hw.get(1) === 15, `${f.remote} to hold 10 old + 5 new records per partition`);

    const resetLines = (e: EngineProcess, key: string) => e.lines().filter((l) => l.event === 'topic_reset_detected' && `${l.topic}-${l.partition}` === key);
    expect(resetLines(b, movedKey)).toHaveLength(1);
    expect(resetLines(a, movedKey)).toEqual([]); // not the previous owner
    expect(resetLines(a, [...ownedByA!][0]!)).toHaveLength(1);
    expect(b.lines().some((l) => l.event === 'topic_reset_recovered' && l.partition === moved)).toBe(true);
    const remote = await target.readAll(f.remote);
    expect(values(remote.get(moved))).toEqual([...Array.from({ length: 10 }, (_, i) => `old${moved}:${i}`), ...Array.from({ length: 5 }, (_, i) => `new${moved}:${i}`)]);
    expect(await b.stop()).toBe(0);
    expect(await a.stop()).toBe(0);
  });
});
