/**
 * The engine's status as `/status`, `/ready`, `/metrics`, the dashboard and `kafka-mirror status` show it,
 * built from {@link EngineReport}s (one per engine process: the engine itself, or each task process of a
 * `tasks.max` > 1 engine) and the {@link LagSampler} of the process that serves the HTTP listener. Plain
 * data throughout: a report crosses the task → supervisor IPC channel.
 *
 * Task processes are members of the flow's group (issue 15), so a partition can move from one to another:
 * its figures and event totals are the sum of every process's (each counts what it mirrored or detected
 * itself), and a partition two reports list (the group moved it; the old owner is frozen or has not
 * reported since) is shown once, from the fresh report that reported last.
 */
import type { EngineEvent, EventJournalSnapshot, PartitionEventTotals } from './event-journal.ts';
import type { LagSampler } from './lag-sampler.ts';
import type { PartitionFigures, TelemetryFigures } from './telemetry.ts';
import type { WindowedFigures } from './partition-meter.ts';

/** Lifecycle of an engine process as the probes see it. */
export type EnginePhase = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** One mirrored partition as its mirror task reports it (offsets are upstream offsets). */
export interface PartitionReport {
  flow: string;
  /** Source topic and its remote topic on the target (replication policy). */
  topic: string;
  remoteTopic: string;
  partition: number;
  /** Topic ID (KIP-516) of the source incarnation being mirrored. */
  topicId: string;
  /** MIRRORING, WAITING_FOR_TOPIC, REMOVED or FAILED (engine/partitions/partition-state.ts). */
  state: string;
  /** Where the consumer fetches next. */
  nextOffset: number;
  /** Next offset to mirror: every record below it is acknowledged by the target. */
  ackedNextOffset: number;
  /** Source timestamp (epoch ms) of the oldest record in flight to the target, when the task exposes it. */
  oldestUnackedTimestampMs?: number | undefined;
}

/** One flow of one engine process. */
export interface FlowReport {
  name: string;
  source: string;
  target: string;
  readCommitted: boolean;
  state: 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'FAILED';
  /** The fatal error that stopped the flow (stable code, message). */
  error?: { code: string; message: string } | undefined;
}

/** Resource use of one process: bytes, CPU seconds since it started. */
export interface ProcessFigures {
  rssBytes: number;
  heapUsedBytes: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
}

/** Everything one engine process reports (every interval, in a multi-task engine). */
export interface EngineReport {
  /** Task index in a `tasks.max` > 1 engine; undefined for a single-process engine. */
  task: number | undefined;
  pid: number;
  startedAtMs: number;
  reportedAtMs: number;
  phase: EnginePhase;
  flows: FlowReport[];
  partitions: PartitionReport[];
  telemetry: TelemetryFigures;
  journal: EventJournalSnapshot;
  process: ProcessFigures;
}

/** One partition in `/status`. Lag and source offsets are null until the first sample. */
export interface PartitionStatus {
  flow: string;
  source: string;
  target: string;
  topic: string;
  remoteTopic: string;
  partition: number;
  task: number | null;
  topicId: string;
  state: string;
  nextOffset: number;
  sourceLogStartOffset: number | null;
  /** Latest sampled log end (HW, or LSO under read_committed), raised to `nextOffset` when the mirror got further since. */
  sourceLogEndOffset: number | null;
  lagRecords: number | null;
  lagSeconds: number | null;
  recordsMirrored: number;
  bytesMirrored: number;
  recordRate: number;
  byteRate: number;
  replicationLatencyMs: WindowedFigures | null;
  recordAgeMs: WindowedFigures | null;
  truncations: number;
  lostRecords: number;
  topicResets: number;
  divergences: number;
  lastEvent: EngineEvent | null;
}

/** One flow in `/status`: its state and sums over its partitions. */
export interface FlowStatus extends Omit<FlowReport, 'error'> {
  error: { code: string; message: string } | null;
  partitions: number;
  lagRecords: number;
  /** The largest partition lag, s. */
  lagSeconds: number;
  recordsMirrored: number;
  bytesMirrored: number;
  offsetSyncs: number;
  checkpoints: number;
  lostRecords: number;
}

/** The whole `/status` document. */
export interface EngineStatus {
  engine: {
    version: string;
    mode: 'single-process' | 'multi-process';
    pid: number;
    startedAt: string;
    uptimeMs: number;
    phase: EnginePhase;
    ready: boolean;
    /** Why the engine is not ready / not healthy (empty when it is). */
    notReady: string[];
    tasks: { task: number | null; pid: number; phase: EnginePhase; reportedAt: string; stale: boolean; process: ProcessFigures }[];
  };
  totals: { recordsMirrored: number; bytesMirrored: number; lagRecords: number; lagSeconds: number; lostRecords: number; truncations: number; topicResets: number };
  flows: FlowStatus[];
  partitions: PartitionStatus[];
  /** Newest first. */
  events: EngineEvent[];
}

/** What the listener process knows about itself. */
export interface StatusContext {
  version: string;
  mode: 'single-process' | 'multi-process';
  pid: number;
  startedAtMs: number;
  /** The listener process's own phase (the supervisor's in a multi-task engine). */
  phase: EnginePhase;
  /** Task processes expected to report (multi-process), so a missing one keeps the engine unready. */
  expectedTasks?: number;
  /** A report older than this is stale (a frozen or hung task), ms. */
  staleAfterMs: number;
}

/** Merges `reports` with the lag samples into the `/status` document at `nowMs`. */
export function buildStatus(reports: readonly EngineReport[], lag: LagSampler | undefined, ctx: StatusContext, nowMs = Date.now()): EngineStatus {
  const figures = new Map<string, PartitionFigures>();
  const totals = new Map<string, PartitionEventTotals>();
  for (const r of reports) {
    for (const f of r.telemetry.partitions) {
      const k = pkey(f.flow, f.topic, f.partition);
      figures.set(k, addFigures(figures.get(k), f));
    }
    for (const t of r.journal.totals) {
      const k = pkey(t.flow, t.topic, t.partition);
      totals.set(k, addTotals(totals.get(k), t));
    }
  }
  const events = reports.flatMap((r) => r.journal.events).sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  const flowOf = new Map(reports.flatMap((r) => r.flows).map((f) => [f.name, f]));
  const partitions: PartitionStatus[] = currentOwners(reports, ctx.staleAfterMs, nowMs).map(({ r, p }): PartitionStatus => {
      const flow = flowOf.get(p.flow);
      const sample = lag?.sample(p.flow, p.topic, p.partition);
      const l = lag?.lag(p.flow, p.topic, p.partition, p.ackedNextOffset, nowMs, p.oldestUnackedTimestampMs);
      const f = figures.get(pkey(p.flow, p.topic, p.partition));
      const t = totals.get(pkey(p.flow, p.topic, p.partition));
      return {
        flow: p.flow, source: flow?.source ?? '', target: flow?.target ?? '', topic: p.topic, remoteTopic: p.remoteTopic,
        partition: p.partition, task: r.task ?? null, topicId: p.topicId, state: p.state, nextOffset: p.ackedNextOffset,
        sourceLogStartOffset: sample?.logStartOffset ?? null,
        // The sample is up to one interval old; the log end is at least what was mirrored since (a fresher lower bound).
        sourceLogEndOffset: sample ? Math.max(sample.logEndOffset, p.ackedNextOffset) : null,
        lagRecords: l?.records ?? null, lagSeconds: l?.seconds ?? null,
        recordsMirrored: f?.recordCount ?? 0, bytesMirrored: f?.byteCount ?? 0, recordRate: f?.recordRate ?? 0, byteRate: f?.byteRate ?? 0,
        replicationLatencyMs: f ? nanSafe(f.replicationLatencyMs) : null, recordAgeMs: f ? nanSafe(f.recordAgeMs) : null,
        truncations: t?.truncations ?? 0, lostRecords: t?.lostRecords ?? 0, topicResets: t?.topicResets ?? 0, divergences: t?.divergences ?? 0,
        lastEvent: events.find((e) => e.flow === p.flow && e.topic === p.topic && e.partition === p.partition) ?? null,
      };
    }).sort((a, b) => (a.flow + a.topic).localeCompare(b.flow + b.topic) || a.partition - b.partition);

  const flows = [...new Set(reports.flatMap((r) => r.flows.map((f) => f.name)))].map((name): FlowStatus => {
    const parts = reports.flatMap((r) => r.flows.filter((f) => f.name === name));
    const failed = parts.find((f) => f.state === 'FAILED');
    const first = failed ?? parts[0]!;
    const mine = partitions.filter((p) => p.flow === name);
    const counts = reports.flatMap((r) => r.telemetry.flows.filter((c) => c.flow === name));
    return {
      name, source: first.source, target: first.target, readCommitted: first.readCommitted, state: first.state, error: first.error ?? null,
      partitions: mine.length,
      lagRecords: mine.reduce((n, p) => n + (p.lagRecords ?? 0), 0),
      lagSeconds: Math.max(0, ...mine.map((p) => p.lagSeconds ?? 0)),
      recordsMirrored: mine.reduce((n, p) => n + p.recordsMirrored, 0),
      bytesMirrored: mine.reduce((n, p) => n + p.bytesMirrored, 0),
      offsetSyncs: counts.reduce((n, c) => n + c.offsetSyncs, 0),
      checkpoints: counts.reduce((n, c) => n + c.checkpoints, 0),
      lostRecords: counts.reduce((n, c) => n + c.lostRecords, 0),
    };
  });

  const tasks = reports.map((r) => ({
    task: r.task ?? null, pid: r.pid, phase: r.phase, reportedAt: new Date(r.reportedAtMs).toISOString(),
    stale: nowMs - r.reportedAtMs > ctx.staleAfterMs, process: r.process,
  }));
  const notReady: string[] = [];
  if (ctx.phase !== 'running') notReady.push(`engine is ${ctx.phase}`);
  if (ctx.expectedTasks !== undefined && reports.length < ctx.expectedTasks) notReady.push(`${reports.length} of ${ctx.expectedTasks} task processes reported`);
  for (const t of tasks) {
    if (t.task !== null && t.phase !== 'running') notReady.push(`task ${t.task} is ${t.phase}`);
    if (t.stale) notReady.push(`${t.task === null ? 'engine' : `task ${t.task}`} has not reported for ${nowMs - Date.parse(t.reportedAt)} ms`);
  }
  for (const f of flows) if (f.state === 'FAILED') notReady.push(`flow ${f.name} failed${f.error ? ` (${f.error.code})` : ''}`);
  for (const p of partitions) if (p.state === 'FAILED') notReady.push(`partition ${p.topic}-${p.partition} of ${p.flow} failed`);

  return {
    engine: {
      version: ctx.version, mode: ctx.mode, pid: ctx.pid, startedAt: new Date(ctx.startedAtMs).toISOString(), uptimeMs: nowMs - ctx.startedAtMs,
      phase: ctx.phase, ready: notReady.length === 0, notReady, tasks,
    },
    totals: {
      recordsMirrored: partitions.reduce((n, p) => n + p.recordsMirrored, 0),
      bytesMirrored: partitions.reduce((n, p) => n + p.bytesMirrored, 0),
      lagRecords: partitions.reduce((n, p) => n + (p.lagRecords ?? 0), 0),
      lagSeconds: Math.max(0, ...partitions.map((p) => p.lagSeconds ?? 0)),
      lostRecords: [...totals.values()].reduce((n, t) => n + t.lostRecords, 0),
      truncations: [...totals.values()].reduce((n, t) => n + t.truncations, 0),
      topicResets: [...totals.values()].reduce((n, t) => n + t.topicResets, 0),
    },
    flows,
    partitions,
    events,
  };
}

/** `/health`: the process answers, and is neither stopping nor failed, and no task report is stale. */
export function healthOf(status: EngineStatus): { healthy: boolean; reason: string | undefined } {
  const e = status.engine;
  if (e.phase === 'failed' || e.phase === 'stopping' || e.phase === 'stopped') return { healthy: false, reason: `engine is ${e.phase}` };
  const stale = e.tasks.find((t) => t.stale);
  if (stale) return { healthy: false, reason: `${stale.task === null ? 'engine' : `task ${stale.task}`} (pid ${stale.pid}) has not reported since ${stale.reportedAt}` };
  const failed = e.tasks.find((t) => t.phase === 'failed');
  if (failed) return { healthy: false, reason: `task ${failed.task} failed` };
  return { healthy: true, reason: undefined };
}

/**
 * Each partition once, with the report it comes from: several reports list one partition only while the
 * group moves it between task processes — the current owner is the one whose report is fresh (not older
 * than `staleAfterMs`) and most recent.
 */
function currentOwners(reports: readonly EngineReport[], staleAfterMs: number, nowMs: number): { r: EngineReport; p: PartitionReport }[] {
  const rank = (r: EngineReport) => (nowMs - r.reportedAtMs > staleAfterMs ? -Infinity : r.reportedAtMs);
  const owners = new Map<string, { r: EngineReport; p: PartitionReport }>();
  for (const r of reports) {
    for (const p of r.partitions) {
      const k = pkey(p.flow, p.topic, p.partition);
      const seen = owners.get(k);
      if (seen === undefined || rank(r) > rank(seen.r)) owners.set(k, { r, p });
    }
  }
  return [...owners.values()];
}

/** Figures of one partition from two processes: counts and rates add up; latency and age come from the one that acknowledged last. */
function addFigures(a: PartitionFigures | undefined, b: PartitionFigures): PartitionFigures {
  if (a === undefined) return b;
  const latest = (b.lastAckAtMs ?? -Infinity) > (a.lastAckAtMs ?? -Infinity) ? b : a;
  return {
    ...latest,
    recordCount: a.recordCount + b.recordCount,
    byteCount: a.byteCount + b.byteCount,
    recordRate: a.recordRate + b.recordRate,
    byteRate: a.byteRate + b.byteRate,
  };
}

/** Event totals of one partition from two processes (each journals what it detected). */
function addTotals(a: PartitionEventTotals | undefined, b: PartitionEventTotals): PartitionEventTotals {
  if (a === undefined) return b;
  return { ...a, truncations: a.truncations + b.truncations, lostRecords: a.lostRecords + b.lostRecords, topicResets: a.topicResets + b.topicResets, divergences: a.divergences + b.divergences };
}

function pkey(flow: string, topic: string, partition: number): string {
  return `${flow}\u0000${topic}\u0000${partition}`;
}

/** JSON turns NaN into null; keep null (not a number) explicit for JSON readers. */
function nanSafe(f: WindowedFigures): WindowedFigures {
  const v = (x: number | null) => (typeof x === 'number' && Number.isFinite(x) ? x : (null as unknown as number));
  return { last: v(f.last), min: v(f.min), max: v(f.max), avg: v(f.avg) };
}
