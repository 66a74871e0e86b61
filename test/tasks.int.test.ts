/**
 * `tasks.max` > 1 with the engine as operators run it (`node bin/kafka-mirror.js`): a supervisor process
 * and one task process per task index, each one member of the flow's group, mirroring what the group
 * assigns it. Checked on the real brokers: the partitions are split without overlap or gap and every
 * record arrives exactly once in order; a truncation found by one task stops the engine with exit code 3
 * and the exact gap; the task processes never outlive their supervisor (SIGTERM or kill -9).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../engine/testing.ts';
import { ClusterReader, valuesOf, type ReadRecord } from '../testkit/cluster-reader.ts';
import { EngineProcess, type EngineLogLine } from '../testkit/engine-process.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

const values = (records: readonly ReadRecord[] | undefined) => valuesOf(records) as string[];

/** Whether process `pid` is alive (signal 0 probes without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of the task processes the supervisor forked (its `tasks_forked` line). */
function taskPids(lines: readonly EngineLogLine[]): number[] {
  const forked = lines.find((l) => l.event === 'tasks_forked');
  return ((forked?.tasks as { pid: number }[] | undefined) ?? []).map((t) => t.pid);
}

/** A source topic with `partitions` partitions, its remote name, readers on both clusters and a producer of `p:i` values. */
async function topicFixture(name: string, partitions: number) {
  const prefix = uniqueTopic(name);
  const topic = `${prefix}-data`;
  const remote = `primary.${topic}`;
  const source = await new ClusterReader(PRIMARY).connect();
  const target = await new ClusterReader(STANDBY).connect();
  const producer = kafkajsClient(PRIMARY).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  cleanup.push(async () => {
    await producer.disconnect();
    await Promise.allSettled([source.admin.deleteTopics({ topics: [topic], timeout: 10_000 }), target.admin.deleteTopics({ topics: [remote], timeout: 10_000 })]);
    await Promise.allSettled([source.close(), target.close()]);
  });
  await source.admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  const sent = Array.from({ length: partitions }, () => 0);
  /** Produces `perPartition` more `p:i` records to every partition (or to `only`). */
  const produce = async (perPartition: number, only?: number) => {
    const targets = only === undefined ? sent.map((_, p) => p) : [only];
    const messages = targets.flatMap((p) => Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${p}:${sent[p]! + i}` })));
    await producer.send({ topic, acks: -1, messages });
    for (const p of targets) sent[p]! += perPartition;
  };
  const total = () => sent.reduce((a, b) => a + b, 0);
  return { prefix, topic, remote, source, target, sent, produce, total };
}

describe('tasks.max > 1 (task processes)', () => {
  it('splits the partitions over two task processes: each record mirrored once, in order; SIGTERM stops all with one merged summary', async () => {
    const f = await topicFixture('tasks', 6);
    await f.produce(100);
    const engine = EngineProcess.inTempDir(`^${f.prefix}-.*`, { 'tasks.max': 2, 'heartbeats.replication.enabled': 'false' });
    cleanup.push(() => engine.dispose({ keep: process.env.KEEP_ENGINE_LOGS !== undefined }));
    await engine.start();
    await f.target.waitForHighWatermarks(f.remote, (hw) => [...hw.values()].reduce((a, b) => a + b, 0) === f.total(), `${f.remote} to hold the first 600 records`);
    await f.produce(150); // while both tasks run
    await f.target.waitForHighWatermarks(f.remote, (hw) => [...hw.values()].reduce((a, b) => a + b, 0) === f.total(), `${f.remote} to hold all 1500 records`);

    const pids = taskPids(engine.lines());
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    expect(await engine.stop(), `exit code; stderr: ${engine.stderrText}`).toBe(0);
    await waitFor(() => !pids.some(alive), { timeoutMs: 30_000, message: `task processes ${pids.join(', ')} to exit` });

    const lines = engine.lines();
    // Each task mirrored the partitions the group assigned it, together all of them, none twice (the tasks' stop lines).
    const owned = [0, 1].map((task) => {
      const stopped = lines.find((l) => l.task === task && /^Mirror task .* stopped$/.test(l.msg));
      expect(stopped, `task ${task} logged its stop`).toBeDefined();
      return (stopped!.partitions as { topic: string; partition: number; ackedNextOffset: number }[]).filter((p) => p.topic === f.topic);
    });
    expect([...owned[0]!, ...owned[1]!].map((p) => p.partition).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const parts of owned) expect(parts.every((p) => p.ackedNextOffset === 250)).toBe(true);
    expect(owned[0]!.length).toBe(3); // cooperative-sticky splits 6 partitions evenly over 2 members
    // The supervisor's merged final summary counts both tasks' records.
    const merged = lines.find((l) => l.component === 'task-supervisor' && l.event === 'replication_summary' && l.kind === 'final');
    expect(merged).toMatchObject({ tasks: 2, tasksReporting: 2, records: f.total() });

    const [sourceRecords, remoteRecords] = await Promise.all([f.source.readAll(f.topic), f.target.readAll(f.remote)]);
    for (let p = 0; p < 6; p++) {
      expect(values(sourceRecords.get(p))).toEqual(Array.from({ length: 250 }, (_, i) => `${p}:${i}`));
      expect(values(remoteRecords.get(p)), `remote partition ${p}`).toEqual(values(sourceRecords.get(p)));
    }
    // One heartbeat stream per flow: only task 0 runs the emitter.
    expect(lines.some((l) => l.component === 'heartbeats' && l.task !== 0 && l.task !== undefined)).toBe(false);
  });

  it('a truncation found by one task stops every task and the engine exits 3 with the exact gap', async () => {
    const f = await topicFixture('tasks-trunc', 2);
    await f.produce(100);
    const engine = EngineProcess.inTempDir(`^${f.prefix}-.*`, { 'tasks.max': 2 });
    cleanup.push(() => engine.dispose({ keep: process.env.KEEP_ENGINE_LOGS !== undefined }));
    await engine.start();
    await f.target.waitForHighWatermarks(f.remote, (hw) => hw.get(0) === 100 && hw.get(1) === 100, `${f.remote} to hold 100 + 100 records`);
    expect(await engine.stop()).toBe(0);

    // While the engine is down, partition 1 gets 100 more records and loses offsets below 150 to retention.
    await f.produce(100, 1);
    const deleter = new KafkaAdmin({ 'bootstrap.servers': PRIMARY, 'client.id': 'kme-test-delete-records' });
    try {
      expect(await deleter.deleteRecordsBefore({ topic: f.topic, partition: 1 }, 150)).toBe(150); // the new log start offset
    } finally {
      deleter.close();
    }
    await engine.start({ allowEarlyExit: true });
    expect(await engine.waitForExit(60_000), `exit code; stderr: ${engine.stderrText}`).toBe(3);

    const lines = engine.logLines('all');
    const critical = lines.filter((l) => l.level === 'critical' && l.event === 'log_truncation_detected' && l.topic === f.topic);
    expect(critical).toHaveLength(1);
    expect(critical[0]).toMatchObject({ partition: 1, expectedOffset: 100, logStartOffset: 150, gap: 50 });
    expect([0, 1]).toContain(critical[0]!.task); // whichever task the group gave partition 1
    expect(critical[0]!.msg).toMatch(/^CRITICAL: Log truncation detected for .*-1\. Expected offset 100, but got 150\. Gap of 50 messages detected$/);
    const pids = taskPids(engine.logLines('latest'));
    expect(pids).toHaveLength(2);
    expect(pids.some(alive)).toBe(false); // the supervisor exits after its tasks
    expect(engine.logLines('latest').some((l) => l.component === 'task-supervisor' && l.exitCode === 3)).toBe(true);
  });

  it('SIGTERM while the task processes are still starting: they finish starting, then stop cleanly; exit 0', async () => {
    const f = await topicFixture('tasks-early', 2);
    await f.produce(10);
    const engine = EngineProcess.inTempDir(`^${f.prefix}-.*`, { 'tasks.max': 2 });
    cleanup.push(() => engine.dispose());
    const starting = engine.start({ waitForStartedMs: 60_000 }).catch(() => undefined); // resolves when the tasks started or the engine exited
    const forked = await engine.waitForLine((l) => l.event === 'tasks_forked', 'the supervisor forking its tasks', 30_000);
    // Each task logs this line right before it installs its signal handlers and calls engine.start().
    await waitFor(() => engine.lines().filter((l) => /^kafka-mirror task \d of 2 starting$/.test(l.msg)).length === 2, { timeoutMs: 30_000, message: 'both tasks starting' });
    engine.signal('SIGTERM'); // the tasks are connecting and reading progress now (the supervisor forwards SIGTERM)
    expect(await engine.waitForExit(60_000), `exit code; stderr: ${engine.stderrText}`).toBe(0);
    await starting;
    const pids = (forked.tasks as { pid: number }[]).map((t) => t.pid);
    expect(pids.some(alive)).toBe(false);
    const lines = engine.lines();
    expect(lines.filter((l) => l.level === 'error' || l.level === 'fatal'), 'no error lines').toEqual([]);
    for (const pid of pids) {
      // The stop waited for start() to settle, then flushed: never a task mirroring behind a closed progress store.
      const own = lines.filter((l) => l.pid === pid).map((l) => l.msg);
      expect(own, `task ${pid}`).toContain('Received SIGTERM; flushing and stopping');
      expect(own.indexOf('kafka-mirror stopped'), `task ${pid} stopped after starting`).toBeGreaterThan(own.findIndex((m) => /^Mirror task .* started$/.test(m)));
    }
  });

  it('task processes stop by themselves when their supervisor is killed -9', async () => {
    const f = await topicFixture('tasks-orphan', 2);
    await f.produce(10);
    const engine = EngineProcess.inTempDir(`^${f.prefix}-.*`, { 'tasks.max': 2 });
    cleanup.push(() => engine.dispose());
    await engine.start();
    const pids = taskPids(engine.logLines());
    expect(pids).toHaveLength(2);
    expect(await engine.kill()).toBe(137);
    await waitFor(() => !pids.some(alive), { timeoutMs: 30_000, message: `task processes ${pids.join(', ')} to exit after their supervisor was killed` });
    const lines = engine.lines();
    for (const pid of pids) {
      expect(lines.some((l) => l.pid === pid && l.signal === 'supervisor exit'), `task ${pid} saw its supervisor go`).toBe(true);
      expect(lines.some((l) => l.pid === pid && l.msg === 'kafka-mirror stopped'), `task ${pid} stopped cleanly`).toBe(true);
    }
  });
});
