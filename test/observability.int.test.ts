/**
 * The HTTP listener of the engine as operators run it (`node bin/kafka-mirror.js`, listener on a free port
 * read from the `http_listening` line), on the real brokers:
 * - lag (records, seconds) reaches 0 after catch-up; MM2's metrics carry the remote topic; probes answer;
 * - a truncation (policy continue) shows in /status (event with its evidence) and /metrics (lost records,
 *   events), and `kafka-mirror status` prints it;
 * - tasks.max = 2: the supervisor serves the merged view; a frozen (SIGSTOP) task's lag rises while the
 *   other task's stays 0, /health and /ready fail, and all recovers after SIGCONT;
 * - bad `listeners` values and a port in use exit 2 naming the key, before any Kafka connection.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KAFKA_MIRROR_BIN } from '../testkit/engine-process.ts';
import { testProperties } from '../testkit/engine-harness.ts';
import { EngineProcess } from '../testkit/engine-process.ts';
import type { EngineLogLine } from '../testkit/engine-log.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { commitGroupOffset, getMetrics, getStatus, metricLines, metricValue, partitionOf, probe, saveArtefact, sourceTopic } from './observability-support.ts';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

/** Pids of the task processes the supervisor forked (its `tasks_forked` line), by task index. */
function taskPids(lines: readonly EngineLogLine[]): number[] {
  const forked = lines.findLast((l) => l.event === 'tasks_forked');
  return ((forked?.tasks as { pid: number }[] | undefined) ?? []).map((t) => t.pid);
}

describe('HTTP listener (metrics, status, probes)', () => {
  it('lag reaches 0 after catch-up; MM2 metrics by remote topic; a truncation shows in /status, /metrics and `kafka-mirror status`', async () => {
    const f = await sourceTopic('obs', 1);
    cleanup.push(() => f.close());
    const engine = EngineProcess.inTempDir(f.topic, { 'truncation.policy': 'continue' });
    cleanup.push(() => engine.dispose());
    await engine.start();
    const url = engine.listenerUrl()!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await f.produce(50);

    const caughtUp = await waitFor(async () => {
      const p = partitionOf(await getStatus(url), f.topic, 0);
      return p?.recordsMirrored === 50 && p.lagRecords === 0 && p.lagSeconds === 0 ? p : undefined;
    }, { message: 'partition 0 mirrored with lag 0', timeoutMs: 30_000 });
    expect(caughtUp).toMatchObject({ flow: 'primary->standby', source: 'primary', target: 'standby', remoteTopic: f.remote, state: 'MIRRORING', nextOffset: 50, sourceLogStartOffset: 0, sourceLogEndOffset: 50 });
    expect(caughtUp.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(caughtUp.replicationLatencyMs!.max).toBeGreaterThanOrEqual(0);
    // Ready once start() finished (the mirror task's line comes a little earlier: offset syncs, checkpoints, heartbeats start after it).
    await waitFor(async () => (await probe(url, '/ready')) === 200, { message: '/ready to answer 200', timeoutMs: 30_000 });
    expect(await probe(url, '/health')).toBe(200);

    const metrics = await getMetrics(url);
    const P = { source: 'primary', target: 'standby', topic: f.remote, partition: '0' };
    expect(metricValue(metrics, 'kafka_connect_mirror_mirrorsourceconnector_record_count', P)).toBe(50);
    expect(metricValue(metrics, 'kafka_connect_mirror_mirrorsourceconnector_byte_count', P)).toBeGreaterThan(50 * 3);
    expect(metricValue(metrics, 'kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max', P)).toBeGreaterThanOrEqual(0);
    expect(metricValue(metrics, 'kafka_connect_mirror_mirrorsourceconnector_record_age_ms_avg', P)).toBeGreaterThanOrEqual(0);
    expect(metricValue(metrics, 'kafka_mirror_replication_lag_records', P)).toBe(0);
    expect(metricValue(metrics, 'kafka_mirror_replication_lag_seconds', P)).toBe(0);
    expect(metricValue(metrics, 'kafka_mirror_partition_state', { ...P, state: 'MIRRORING' })).toBe(1);
    expect(metricValue(metrics, 'kafka_mirror_ready')).toBe(1);
    expect(metrics).toMatch(/^kafka_mirror_process_resident_memory_bytes \d+/m);
    // A consumer group on the source gets a checkpoint: MM2's checkpoint latency appears with its group and remote topic.
    const group = `${f.prefix}-group`;
    await commitGroupOffset(group, f.topic, 0, 40);
    const withCheckpoint = await waitFor(async () => {
      const text = await getMetrics(url);
      return metricLines(text, 'kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms', { group, topic: f.remote, partition: '0' }).length === 1 ? text : undefined;
    }, { message: 'a checkpoint latency for the group', timeoutMs: 30_000 });
    expect(metricValue(withCheckpoint, 'kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms', { group, source: 'primary', target: 'standby' })).toBeGreaterThanOrEqual(0);
    expect(metricValue(withCheckpoint, 'kafka_mirror_checkpoints_total', { source: 'primary', target: 'standby' })).toBeGreaterThanOrEqual(1);
    saveArtefact('observability-metrics-excerpt.txt', withCheckpoint.split('\n').filter((l) => l.includes(f.remote) || /^kafka_mirror_(ready|uptime|process_resident|offset_syncs|checkpoints)/.test(l)).join('\n'));

    // While the engine is stopped, 30 more records arrive and the 20 oldest of them are deleted.
    expect(await engine.stop()).toBe(0);
    await f.produce(30);
    expect(await f.deleteBefore(0, 70)).toBe(70);
    await engine.start();
    const url2 = engine.listenerUrl()!;
    const status = await waitFor(async () => {
      const s = await getStatus(url2);
      return s.totals.truncations === 1 && partitionOf(s, f.topic, 0)?.lagRecords === 0 ? s : undefined;
    }, { message: 'the truncation in /status and lag 0 again', timeoutMs: 30_000 });
    const truncation = status.events.find((e) => e.event === 'log_truncation_detected');
    expect(truncation).toMatchObject({ kind: 'truncation', severity: 'critical', flow: 'primary->standby', topic: f.topic, partition: 0, evidence: { expectedOffset: 50, logStartOffset: 70, gap: 20, policy: 'continue' } });
    expect(truncation!.message).toBe(`CRITICAL: Log truncation detected for ${f.topic}-0. Expected offset 50, but got 70. Gap of 20 messages detected`);
    expect(partitionOf(status, f.topic, 0)).toMatchObject({ truncations: 1, lostRecords: 20, nextOffset: 80, sourceLogStartOffset: 70, lastEvent: { event: 'truncation_gap_skipped' } });
    expect(status.totals.lostRecords).toBe(20);
    saveArtefact('observability-status-truncation.json', JSON.stringify({ totals: status.totals, partitions: status.partitions, events: status.events }, null, 2));
    const after = await getMetrics(url2);
    expect(metricValue(after, 'kafka_mirror_truncation_lost_records_total', P)).toBe(20);
    expect(metricValue(after, 'kafka_mirror_truncation_events_total', P)).toBe(1);
    expect(metricValue(after, 'kafka_mirror_source_log_start_offset', P)).toBe(70);

    const cli = spawnSync(process.execPath, [KAFKA_MIRROR_BIN, 'status', '--url', url2], { encoding: 'utf8', timeout: 30_000 });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`primary->standby\\s+${f.topic} -> ${f.remote}\\s+0\\s+MIRRORING\\s+80\\s+70\\s+80\\s+0\\s+0\\.0`));
    expect(cli.stdout).toContain(`CRITICAL  CRITICAL: Log truncation detected for ${f.topic}-0. Expected offset 50, but got 70. Gap of 20 messages detected`);
    saveArtefact('observability-status-cli.txt', cli.stdout);
  });

  it('tasks.max = 2: the supervisor serves the merged view; a frozen task\'s lag rises, probes fail, all recovers on SIGCONT', async () => {
    const f = await sourceTopic('obs-tasks', 2);
    cleanup.push(() => f.close());
    // A session timeout longer than the test: the frozen task keeps its partition in the group meanwhile (its lag is what is observed).
    // Heartbeats not mirrored: their partition would be a third one for the group to split over the two tasks.
    const engine = EngineProcess.inTempDir(f.topic, { 'tasks.max': 2, 'session.timeout.ms': 120_000, 'heartbeats.replication.enabled': 'false' });
    cleanup.push(() => engine.dispose());
    await engine.start();
    const url = engine.listenerUrl()!;
    await f.produce(20);
    const merged = await waitFor(async () => {
      const s = await getStatus(url);
      const split = new Set([0, 1].map((p) => partitionOf(s, f.topic, p)?.task)).size === 2; // the group's split reached both tasks
      return s.engine.ready && split && [0, 1].every((p) => partitionOf(s, f.topic, p)?.recordsMirrored === 20 && partitionOf(s, f.topic, p)?.lagRecords === 0) ? s : undefined;
    }, { message: 'both partitions mirrored, lag 0, ready, one per task', timeoutMs: 60_000 });
    expect(merged.engine.mode).toBe('multi-process');
    expect(merged.engine.tasks.map((t) => t.task)).toEqual([0, 1]);
    // Each task process is a member of the flow's group: the group gives each one of the two partitions.
    const owners = [0, 1].map((p) => partitionOf(merged, f.topic, p)!.task);
    expect([...owners].sort()).toEqual([0, 1]);
    expect(merged.partitions.filter((p) => p.topic === f.topic)).toHaveLength(2); // each partition once in the merged view
    expect(await probe(url, '/health')).toBe(200);

    const frozenTask = owners[0]!;
    const pid = taskPids(engine.lines())[frozenTask]!;
    process.kill(pid, 'SIGSTOP');
    cleanup.unshift(async () => void process.kill(pid, 'SIGCONT')); // never leave a stopped process behind
    await f.produce(30);
    const first = await waitFor(async () => {
      const p = partitionOf(await getStatus(url), f.topic, 0);
      return p?.lagRecords === 30 && (p.lagSeconds ?? 0) > 0 ? p : undefined;
    }, { message: 'the frozen task\'s partition to lag 30 records', timeoutMs: 30_000 });
    const rising = await waitFor(async () => {
      const s = await getStatus(url);
      const p = partitionOf(s, f.topic, 0);
      return p && p.lagSeconds! >= first.lagSeconds! + 1 ? s : undefined;
    }, { message: 'the lag in seconds to rise while the task is frozen', timeoutMs: 30_000 });
    expect(partitionOf(rising, f.topic, 0)!.lagRecords).toBe(30);
    const other = await waitFor(async () => {
      const p = partitionOf(await getStatus(url), f.topic, 1);
      return p?.recordsMirrored === 50 && p.lagRecords === 0 ? p : undefined;
    }, { message: 'the running task to mirror its partition', timeoutMs: 30_000 });
    expect(other.lagSeconds).toBe(0);
    const metrics = await getMetrics(url);
    expect(metricValue(metrics, 'kafka_mirror_replication_lag_records', { topic: f.remote, partition: '0' })).toBe(30);
    expect(metricLines(metrics, 'kafka_mirror_task_resident_memory_bytes')).toHaveLength(2);
    await waitFor(async () => (await probe(url, '/health')) === 503 && (await probe(url, '/ready')) === 503, { message: '/health and /ready to fail for the silent task', timeoutMs: 30_000 });

    process.kill(pid, 'SIGCONT');
    await waitFor(async () => {
      const s = await getStatus(url);
      return s.engine.ready && partitionOf(s, f.topic, 0)?.lagRecords === 0 && partitionOf(s, f.topic, 0)?.lagSeconds === 0;
    }, { message: 'lag 0 and ready again after SIGCONT', timeoutMs: 30_000 });
    expect(await probe(url, '/health')).toBe(200);
  });
});

describe('listeners validation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kme-listeners-'));
  const run = (args: string[]) => spawnSync(process.execPath, [KAFKA_MIRROR_BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['listeners = https://127.0.0.1:8443', [], `'listeners' = 'https://127.0.0.1:8443'`],
    ['listeners = 127.0.0.1:8083', [], `'listeners' = '127.0.0.1:8083'`],
    ['', ['--listeners', 'http://127.0.0.1:99999'], `'--listeners' = 'http://127.0.0.1:99999'`],
  ])('a bad value (%s %s) exits 2 naming the key, before connecting anywhere', (line, args, named) => {
    const config = join(dir, 'bad.properties');
    writeFileSync(config, `${testProperties('nothing-matches-this')}\n${line}\n`);
    const r = run(['--config', config, ...args]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`Invalid config: ${named}`);
  });

  it('a port in use exits 2 with a clear message', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const config = join(dir, 'busy.properties');
      writeFileSync(config, `${testProperties('nothing-matches-this')}\nlisteners = http://127.0.0.1:${port}\n`);
      const r = run(['--config', config]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(`Invalid config: 'listeners' = 'http://127.0.0.1:${port}' (expected an address this process can listen on: 127.0.0.1:${port} is already in use (EADDRINUSE)`);
    } finally {
      server.close();
    }
  });
});
