/**
 * The documented failback procedure (README "Failback"), end to end on the local clusters with the
 * engine's consumer CLI (`commit-log-consumer`, run as a process) — the group never skips a record and
 * re-reads none (the README promises exact translation both ways):
 *
 * 1. `primary->standby` mirrors `T`; group G consumes part of `T` on the primary and commits.
 * 2. Failover: the engine stops (the primary is "lost"); G resumes `primary.T` on the standby with
 *    `--failover --source-alias primary`; producers move to the standby and write `T` there; G reads part of it.
 * 3. Failback: `standby->primary` runs with `sync.group.offsets.enabled`. It mirrors the standby's `T` to
 *    `standby.T` on the primary and checkpoints G: for `T` on the standby as `standby.T` (MM2's rule), and
 *    for `primary.T` — which it never mirrors (a cycle) — as `T`, translated back with the
 *    `primary->standby` offset syncs (MM2 emits nothing there). The translated offsets land in G on the primary.
 * 4. G resumes on the primary: `T` from its (synced) committed offsets, `standby.T` with
 *    `--failover --source-alias standby`. Every seq 0..149 was delivered exactly once over all runs.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MirrorEngine, translateOffsets } from '../engine/index.ts';
import { encodeCommitLogEvent } from '../producer-cli/commit-log-event.ts';
import { capturingLogger } from '../testkit/engine-harness.ts';
import type { EngineLogLine } from '../testkit/engine-log.ts';
import { ClusterReader } from '../testkit/cluster-reader.ts';
import { committedOffsets } from '../testkit/group-offsets.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { parseTestConfig } from '../testkit/data-path.ts';

const ROOT = join(import.meta.dirname, '..');
const PARTITIONS = 2;
const engines: MirrorEngine[] = [];
const topics = { primary: [] as string[], standby: [] as string[] };

afterEach(async () => {
  await Promise.allSettled(engines.splice(0).map((e) => e.stop()));
  for (const [bootstrap, list] of [[PRIMARY, topics.primary], [STANDBY, topics.standby]] as const) {
    const reader = await new ClusterReader(bootstrap).connect();
    await reader.deleteTopicsIfPresent(list.splice(0)).finally(() => reader.close());
  }
});

/** An engine running only flow `source->target` (primary on PRIMARY, standby on STANDBY) for topic `topic` and group `group`. */
async function startFlow(source: 'primary' | 'standby', target: 'primary' | 'standby', topic: string, group: string, extra: Record<string, string | number> = {}): Promise<EngineLogLine[]> {
  const props: Record<string, string | number> = {
    clusters: 'primary, standby',
    'primary.bootstrap.servers': PRIMARY,
    'standby.bootstrap.servers': STANDBY,
    [`${source}->${target}.enabled`]: 'true',
    topics: `^${topic}$`,
    groups: `^${group}$`,
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
  engines.push(engine);
  await engine.start();
  return logs;
}

/** Commit-log events seq `from`..`to - 1`, seq n to partition n mod {@link PARTITIONS}. */
async function produce(bootstrap: string, topic: string, from: number, to: number): Promise<void> {
  const producer = kafkajsClient(bootstrap).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const runId = uniqueTopic('run');
    const messages = Array.from({ length: to - from }, (_, i) => {
      const r = encodeCommitLogEvent({ seq: from + i, producedAt: Date.now(), runId });
      return { partition: (from + i) % PARTITIONS, key: r.key, value: r.value, timestamp: String(r.timestamp), headers: Object.assign({}, ...r.headers) as Record<string, string> };
    });
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

async function createTopic(bootstrap: string, topic: string): Promise<void> {
  const reader = await new ClusterReader(bootstrap).connect();
  try {
    await reader.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await reader.close();
  }
}

async function waitForRecords(bootstrap: string, topic: string, count: number): Promise<void> {
  const reader = await new ClusterReader(bootstrap).connect();
  try {
    await reader.waitForHighWatermarks(topic, (hw) => [...hw.values()].reduce((a, b) => a + b, 0) === count, `${count} records in ${topic}`);
  } finally {
    await reader.close();
  }
}

/** `commit-log-consumer --broker <bootstrap> --print-records …` as a process: exit code, seqs delivered, start lines. */
async function consume(bootstrap: string, args: string[]): Promise<{ exitCode: number; seqs: number[]; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'commit-log-consumer.js'), '--broker', bootstrap, '--print-records', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const seqs = [...output.matchAll(/^record partition=\d+ offset=\d+ seq=(\d+)$/gm)].map((m) => Number(m[1]));
  return { exitCode, seqs, output };
}

const sameOffsets = (a: Map<number, number>, b: Map<number, number>): boolean => a.size === b.size && [...a].every(([p, o]) => b.get(p) === o);

describe('failback (README procedure)', () => {
  it('a group fails over to the standby and back to the primary without skipping or re-reading a record', async () => {
    const topic = uniqueTopic('failback');
    const group = uniqueTopic('failback-group');
    topics.primary.push(topic, `standby.${topic}`);
    topics.standby.push(topic, `primary.${topic}`);
    const delivered: number[] = [];

    // 1. Normal operation: primary->standby, G consumes 40 of 100 on the primary.
    await createTopic(PRIMARY, topic);
    await produce(PRIMARY, topic, 0, 100);
    await startFlow('primary', 'standby', topic, group);
    await waitForRecords(STANDBY, `primary.${topic}`, 100);
    const onPrimary = await consume(PRIMARY, ['--topic', topic, '--group', group, '--count', '40']);
    expect(onPrimary.exitCode).toBe(0);
    delivered.push(...onPrimary.seqs);
    const committedOnPrimary = await committedOffsets(PRIMARY, group, topic);
    await waitFor(async () => {
      const checkpoints = await translateOffsets({ targetBootstrap: STANDBY, sourceAlias: 'primary', groupId: group });
      return [...committedOnPrimary].every(([p, o]) => checkpoints.some((c) => c.partition === p && c.upstreamOffset === o)) || undefined;
    }, { timeoutMs: 30_000, message: "checkpoints of the group's commit on the primary" });

    // 2. Failover: the primary is lost; G reads primary.T on the standby, producers write T on the standby.
    await engines.pop()!.stop();
    const failover = await consume(STANDBY, ['--topic', topic, '--group', group, '--failover', '--source-alias', 'primary', '--count', '30']);
    expect(failover.exitCode).toBe(0);
    delivered.push(...failover.seqs);
    await createTopic(STANDBY, topic);
    await produce(STANDBY, topic, 100, 150);
    const newOnStandby = await consume(STANDBY, ['--topic', topic, '--group', group, '--count', '20']);
    expect(newOnStandby.exitCode).toBe(0);
    delivered.push(...newOnStandby.seqs);

    // 3. Failback: standby->primary mirrors T back as standby.T and writes G's translated offsets on the primary.
    const logs = await startFlow('standby', 'primary', topic, group, { 'sync.group.offsets.enabled': 'true', 'sync.group.offsets.interval.seconds': 1 });
    await waitForRecords(PRIMARY, `standby.${topic}`, 50);
    const onStandbyRemote = await committedOffsets(STANDBY, group, `primary.${topic}`);
    const onStandbyLocal = await committedOffsets(STANDBY, group, topic);
    // No gaps here, so primary.T offsets equal T offsets: the translation back must give exactly G's positions.
    await waitFor(async () => sameOffsets(await committedOffsets(PRIMARY, group, topic), onStandbyRemote) || undefined, { timeoutMs: 30_000, message: `G's offsets on ${topic} synced back to the primary` });
    await waitFor(async () => sameOffsets(await committedOffsets(PRIMARY, group, `standby.${topic}`), onStandbyLocal) || undefined, { timeoutMs: 30_000, message: `G's offsets on standby.${topic} synced to the primary` });
    expect(logs.some((l) => l.event === 'failback_syncs_loaded' && l.topic === 'mm2-offset-syncs.standby.internal' && l.cluster === 'primary')).toBe(true);
    const checkpoints = await translateOffsets({ targetBootstrap: PRIMARY, sourceAlias: 'standby', groupId: group });
    expect(checkpoints.filter((c) => c.topic === topic).map((c) => [c.partition, c.offset])).toEqual([...onStandbyRemote].sort(([a], [b]) => a - b));

    // 4. G resumes on the primary: T from its committed offsets, standby.T from its checkpoints.
    const backOriginal = await consume(PRIMARY, ['--topic', topic, '--group', group, '--until-end']);
    expect(backOriginal.exitCode).toBe(0);
    expect(backOriginal.output).not.toMatch(/no commit, no checkpoint/);
    delivered.push(...backOriginal.seqs);
    const backRemote = await consume(PRIMARY, ['--topic', topic, '--group', group, '--failover', '--source-alias', 'standby', '--until-end']);
    expect(backRemote.exitCode).toBe(0);
    delivered.push(...backRemote.seqs);

    expect([onPrimary, failover, newOnStandby, backOriginal, backRemote].map((r) => r.seqs.length)).toEqual([40, 30, 20, 30, 30]);
    expect([...delivered].sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i)); // none skipped, none twice
  });
});
