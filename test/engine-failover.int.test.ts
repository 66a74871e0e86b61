/**
 * Failover of the engine itself (issue 15) with `kafka-mirror` processes in one flow group:
 * - kill -9 of one instance: the survivor takes its partitions within the session timeout and resumes
 *   them from the stored progress — nothing lost, duplicates only as one re-mirrored window per moved
 *   partition starting at or after the progress durable at the kill (DESIGN.md invariant 4);
 * - a frozen instance (SIGSTOP past the session timeout, then SIGCONT) loses its partitions and writes
 *   no progress for them after it resumes (the ownership fence, engine/partitions/partition-ownership.ts):
 *   the progress topic never goes backwards, and nothing is lost.
 */
import type { Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClusterReader, TopicTail, valuesOf, type ReadRecord } from '../testkit/cluster-reader.ts';
import { ContinuousLoad, splitAtResume } from '../testkit/continuous-load.ts';
import { lineTimeMs } from '../testkit/engine-log.ts';
import { EngineProcess } from '../testkit/engine-process.ts';
import { missingProblems, orderProblems } from '../testkit/invariants.ts';
import { assignedLine, ownedPartitions } from '../testkit/ownership-log.ts';
import { PROGRESS_TOPIC, latestProgress } from '../testkit/progress-records.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

/** Group timeouts of these tests: the broker's minimum session timeout, heartbeats every second. */
const SESSION_TIMEOUT_MS = 6000;
// Heartbeats not mirrored: `heartbeats` is mirrored whatever `topics` says (MM2), its partition would be one more for the group to split.
const GROUP = { 'heartbeat.interval.ms': 1000, 'session.timeout.ms': SESSION_TIMEOUT_MS, 'sync.topic.configs.enabled': 'false', 'heartbeats.replication.enabled': 'false' } as const;
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
  // One producer per test: kafkajs keeps refreshing the metadata of topics it wrote to, and a deleted one fails those refreshes.
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

/** Topic, two started instances A and B that split its partitions 2 + 2, a steady load, and a tail of the progress topic. */
async function twoInstances(name: string) {
  const prefix = uniqueTopic(name);
  const topic = `${prefix}-data`;
  const remote = `primary.${topic}`;
  await source.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  cleanup.push(async () => void (await Promise.allSettled([source.deleteTopicsIfPresent([topic]), target.deleteTopicsIfPresent([remote])])));
  const progress = await TopicTail.start(STANDBY, PROGRESS_TOPIC);
  cleanup.push(() => progress.stop());
  const start = async () => {
    const e = EngineProcess.inTempDir(`^${prefix}-.*`, GROUP);
    cleanup.push(() => e.dispose({ keep: process.env.KEEP_ENGINE_LOGS !== undefined }));
    await e.start();
    return e;
  };
  const load = new ContinuousLoad(producer, topic, PARTITIONS, { perPartitionPerSend: 10, pauseMs: 20 });
  cleanup.push(() => load.stop());
  const a = await start();
  const b = await start();
  await waitFor(() => ownedPartitions(a.logLines()).size === 2 && ownedPartitions(b.logLines()).size === 2, { timeoutMs: 30_000, message: 'A and B to own 2 partitions each' });
  /** Latest nextOffset per partition in the progress topic. */
  const progressNow = () => new Map(latestProgress(progress.records, topic).map((e) => [e.partition, e.nextOffset]));
  await waitFor(() => {
    const p = progressNow();
    return p.size === PARTITIONS && [...p.values()].every((n) => n > 0);
  }, { timeoutMs: 30_000, message: 'progress for every partition' });
  return { topic, remote, a, b, load, progress, progressNow };
}

const partitionOf = (key: string) => Number(key.split('-').at(-1));
const values = (records: readonly ReadRecord[] | undefined) => valuesOf(records) as string[];

/** Stops the load and waits until every remote partition holds at least what was produced; returns source and remote values. */
async function drained(f: { topic: string; remote: string; load: ContinuousLoad }): Promise<{ s: string[][]; r: string[][] }> {
  await f.load.stop();
  await target.waitForHighWatermarks(f.remote, (hw) => f.load.sent.every((n, p) => (hw.get(p) ?? 0) >= n), `${f.remote} to hold every produced record`, 90_000);
  const [sourceRecords, remoteRecords] = await Promise.all([source.readAll(f.topic), target.readAll(f.remote)]);
  const range = [...Array(PARTITIONS).keys()];
  return { s: range.map((p) => values(sourceRecords.get(p))), r: range.map((p) => values(remoteRecords.get(p))) };
}

describe('failover of the engine (engine processes in one group)', () => {
  it('kill -9 of one instance: the other takes its partitions within the session timeout and resumes them from the stored progress, nothing lost', async () => {
    const f = await twoInstances('failover');
    const moved = [...ownedPartitions(f.a.logLines())];
    const killedAtMs = Date.now();
    expect(await f.a.kill()).toBe(137);
    const durable = new Map(latestProgress([...(await target.readAll(PROGRESS_TOPIC)).values()].flat(), f.topic).map((e) => [e.partition, e.nextOffset]));

    const takenOver = await waitFor(() => {
      const lines = f.b.logLines();
      const hits = moved.map((k) => assignedLine(lines, k, killedAtMs));
      return hits.every(Boolean) ? hits : undefined;
    }, { timeoutMs: SESSION_TIMEOUT_MS + 20_000, message: `B to take ${moved.join(', ')}` });
    const takeoverMs = Math.max(...takenOver.map((l) => lineTimeMs(l!))) - killedAtMs;
    expect(takeoverMs).toBeLessThan(SESSION_TIMEOUT_MS + 5000);
    const sentAtTakeover = f.load.total;
    await waitFor(() => f.load.total >= sentAtTakeover + 2000, { timeoutMs: 30_000, message: '2000 more records after the takeover' });

    const { s, r } = await drained(f);
    for (let p = 0; p < PARTITIONS; p++) {
      expect(s[p]).toEqual(Array.from({ length: f.load.sent[p]! }, (_, i) => `${p}:${i}`));
      const split = splitAtResume(s[p]!, r[p]!);
      expect(split, `remote partition ${p} is not s[0..a) ++ s[b..n) (loss or reordering)`).toBeDefined();
      if (moved.some((k) => partitionOf(k) === p)) {
        if (split!.a < s[p]!.length) expect(split!.b).toBeGreaterThanOrEqual(durable.get(p)!); // re-mirrored from the durable progress on
      } else {
        expect(r[p]).toEqual(s[p]); // B's own partitions: untouched by the failover
      }
    }
    expect(await f.b.stop()).toBe(0);
    console.info(`[engine-failover] kill -9 -> B took ${moved.join(', ')} after ${takeoverMs} ms (session.timeout.ms = ${SESSION_TIMEOUT_MS})`);
  });

  it('a frozen instance (SIGSTOP past the session timeout, then SIGCONT) loses its partitions and never moves their progress afterwards', async () => {
    const f = await twoInstances('zombie');
    const lost = [...ownedPartitions(f.a.logLines())].sort();
    f.a.signal('SIGSTOP');
    const frozenAtMs = Date.now();
    try {
      await waitFor(() => lost.every((k) => assignedLine(f.b.logLines(), k, frozenAtMs)), { timeoutMs: SESSION_TIMEOUT_MS + 20_000, message: `B to take ${lost.join(', ')}` });
      // B moves their progress past anything A could still claim: A never had more acknowledged than the remote
      // partition held when B took over (upstream and downstream offsets coincide on this fresh topic).
      const remoteAtTakeover = await target.highWatermarks(f.remote);
      await waitFor(() => {
        const now = f.progressNow();
        return lost.every((k) => (now.get(partitionOf(k)) ?? 0) > (remoteAtTakeover.get(partitionOf(k)) ?? 0) + 100);
      }, { timeoutMs: 30_000, message: 'B to store progress of the partitions it took past what A mirrored' });
    } finally {
      f.a.signal('SIGCONT');
    }
    const lostLine = await f.a.waitForLine((l) => l.event === 'partitions_lost', 'A to report the lost partitions', 30_000);
    expect((lostLine.partitions as string[]).sort()).toEqual(lost);
    const stall = f.a.lines().find((l) => l.event === 'membership_stall');
    expect(stall?.stallMs as number).toBeGreaterThan(SESSION_TIMEOUT_MS);
    // A rejoins and gets partitions again (cooperative rebalance); let the load run through that.
    await waitFor(() => ownedPartitions(f.a.logLines()).size > 0, { timeoutMs: 30_000, message: 'A to rejoin and own partitions again' });
    const sentAtRejoin = f.load.total;
    await waitFor(() => f.load.total >= sentAtRejoin + 2000, { timeoutMs: 30_000, message: '2000 more records after A rejoined' });

    const { s, r } = await drained(f);
    expect(await f.a.stop()).toBe(0);
    expect(await f.b.stop()).toBe(0);
    // The progress topic per partition never goes backwards: no stale write from the zombie after B's.
    for (const key of lost) {
      const p = partitionOf(key);
      const writes = f.progress.records.filter((rec) => rec.key && JSON.parse(rec.key.toString()).topic === f.topic && JSON.parse(rec.key.toString()).partition === p)
        .map((rec) => (JSON.parse(rec.value!.toString()) as { nextOffset: number }).nextOffset);
      expect(orderProblems(writes.filter((n, i) => i === 0 || n !== writes[i - 1])), `progress of ${key}: ${writes.join(', ')}`).toEqual([]);
    }
    // Nothing lost; first copies in source order. (Records the frozen producer had queued before the freeze may
    // still land after B's copies: at-least-once duplicates, which only exactly-once fencing removes.)
    for (let p = 0; p < PARTITIONS; p++) {
      const seqs = r[p]!.map((v) => Number(v.split(':')[1]));
      expect(missingProblems(seqs, 0, s[p]!.length), `remote partition ${p}`).toEqual([]);
      const first = seqs.filter((x, i) => seqs.indexOf(x) === i);
      expect(orderProblems(first), `remote partition ${p} (first copies)`).toEqual([]);
    }
    console.info(`[engine-failover] SIGSTOP ${lost.join(', ')}: stall ${String(stall?.stallMs)} ms; duplicates ${r.reduce((n, x, p) => n + x.length - s[p]!.length, 0)}`);
  });
});
