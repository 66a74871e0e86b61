import { describe, expect, it } from 'vitest';
import { buildStatus, healthOf, type EngineReport, type StatusContext } from './engine-status.ts';
import { EventJournal } from './event-journal.ts';
import { LagSampler } from './lag-sampler.ts';
import { Telemetry } from './telemetry.ts';

const NOW = 1_000_000;

function taskReport(task: number, partitions: { partition: number; acked: number; state?: string }[], extra: Partial<EngineReport> = {}): EngineReport {
  return {
    task, pid: 100 + task, startedAtMs: 0, reportedAtMs: NOW - 500, phase: 'running',
    flows: [{ name: 'a->b', source: 'a', target: 'b', readCommitted: false, state: 'RUNNING' }],
    partitions: partitions.map((p) => ({ flow: 'a->b', topic: 't', remoteTopic: 'a.t', partition: p.partition, topicId: 'X', state: p.state ?? 'MIRRORING', nextOffset: p.acked, ackedNextOffset: p.acked })),
    telemetry: new Telemetry().figures(), journal: new EventJournal().snapshot(),
    process: { rssBytes: 1, heapUsedBytes: 1, cpuUserSeconds: 0, cpuSystemSeconds: 0 },
    ...extra,
  };
}

const ctx: StatusContext = { version: 'v', mode: 'multi-process', pid: 1, startedAtMs: 0, phase: 'running', expectedTasks: 2, staleAfterMs: 5000 };

describe('buildStatus', () => {
  it('merges the tasks\' partitions, sums flow lag from the samples, and is ready when every task runs', async () => {
    const reader = { partitionOffsets: async () => new Map([['t-0', { logStartOffset: 0, logEndOffset: 10 }], ['t-1', { logStartOffset: 2, logEndOffset: 30 }]]) };
    const lag = new LagSampler({ flows: [{ name: 'a->b', readCommitted: false, reader, partitions: () => [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] }] });
    await lag.sampleNow();
    const now = Date.now();
    const s = buildStatus([taskReport(0, [{ partition: 0, acked: 10 }], { reportedAtMs: now }), taskReport(1, [{ partition: 1, acked: 25 }], { reportedAtMs: now })], lag, ctx, now);
    expect(s.partitions.map((p) => [p.partition, p.task, p.lagRecords, p.sourceLogStartOffset])).toEqual([[0, 0, 0, 0], [1, 1, 5, 2]]);
    expect(s.flows[0]).toMatchObject({ name: 'a->b', partitions: 2, lagRecords: 5, state: 'RUNNING', error: null });
    expect(s.engine).toMatchObject({ ready: true, notReady: [] });
    expect(healthOf(s)).toEqual({ healthy: true, reason: undefined });
  });

  it('is not ready while a task has not reported, or a partition or flow failed; a silent task makes /health fail', () => {
    expect(buildStatus([taskReport(0, [])], undefined, ctx, NOW).engine.notReady).toEqual(['1 of 2 task processes reported']);
    const failed = buildStatus(
      [taskReport(0, [{ partition: 0, acked: 1, state: 'FAILED' }], { flows: [{ name: 'a->b', source: 'a', target: 'b', readCommitted: false, state: 'FAILED', error: { code: 'TRUNCATION_DETECTED', message: 'm' } }] }), taskReport(1, [])],
      undefined, ctx, NOW,
    );
    expect(failed.engine.notReady).toEqual(['flow a->b failed (TRUNCATION_DETECTED)', 'partition t-0 of a->b failed']);
    expect(failed.flows[0]!.state).toBe('FAILED');
    const stale = buildStatus([taskReport(0, []), taskReport(1, [], { reportedAtMs: NOW - 9000 })], undefined, ctx, NOW);
    expect(stale.engine.notReady).toEqual(['task 1 has not reported for 9000 ms']);
    expect(healthOf(stale)).toEqual({ healthy: false, reason: `task 1 (pid 101) has not reported since ${new Date(NOW - 9000).toISOString()}` });
    expect(healthOf(buildStatus([], undefined, { ...ctx, phase: 'stopping' }, NOW))).toEqual({ healthy: false, reason: 'engine is stopping' });
  });

  it('a partition the group moved between task processes: listed once from the fresh report, its counts and event totals summed over both', () => {
    const counts = (records: number) => {
      const t = new Telemetry();
      const attributes = { flow: 'a->b', topic: 't' };
      for (let i = 0; i < records; i++) t.recordMirrored(5, 10, attributes, 0);
      return t.figures();
    };
    const journal = (gap: number) => {
      const j = new EventJournal();
      j.add({ event: 'log_truncation_detected', flow: 'a->b', topic: 't', partition: 0, gap, level: 'error', msg: 'm' });
      return j.snapshot();
    };
    // Task 1 froze with t-0 (stale report); task 0 took it over from the progress task 1 stored.
    const frozen = taskReport(1, [{ partition: 0, acked: 30 }], { reportedAtMs: NOW - 9000, telemetry: counts(30), journal: journal(4) });
    const owner = taskReport(0, [{ partition: 0, acked: 50 }, { partition: 1, acked: 7 }], { reportedAtMs: NOW - 500, telemetry: counts(20), journal: journal(6) });
    for (const reports of [[frozen, owner], [owner, frozen]]) {
      const s = buildStatus(reports, undefined, ctx, NOW);
      expect(s.partitions.map((p) => [p.partition, p.task, p.nextOffset])).toEqual([[0, 0, 50], [1, 0, 7]]);
      expect(s.partitions[0]).toMatchObject({ recordsMirrored: 50, bytesMirrored: 500, truncations: 2, lostRecords: 10 });
      expect(s.flows[0]).toMatchObject({ partitions: 2, recordsMirrored: 50 });
      expect(s.totals).toMatchObject({ recordsMirrored: 50, lostRecords: 10, truncations: 2 });
    }
    // Both fresh: the one that reported last.
    const later = buildStatus([taskReport(1, [{ partition: 0, acked: 30 }], { reportedAtMs: NOW - 100 }), taskReport(0, [{ partition: 0, acked: 50 }], { reportedAtMs: NOW - 400 })], undefined, ctx, NOW);
    expect(later.partitions.map((p) => [p.partition, p.task])).toEqual([[0, 1]]);
  });
});
