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
  it('merges the tasks\' disjoint partitions, sums flow lag from the samples, and is ready when every task runs', async () => {
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
});
