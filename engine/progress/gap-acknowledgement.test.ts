import { describe, expect, it } from 'vitest';
import { acknowledgeWith, describeAcknowledgement, planAcknowledgement, type ProgressView, type SourceView } from './gap-acknowledgement.ts';
import type { GapRecord, ProgressRecord } from './progress-store.ts';

const NOW = '2026-01-01T00:00:00.000Z';
const DETECTED = '2025-12-31T23:59:00.000Z';

function record(nextOffset: number, gaps: GapRecord[] = []): ProgressRecord {
  return { sourceCluster: 'primary', topic: 'commit-log', partition: 0, topicId: 'ID1', nextOffset, updatedAt: DETECTED, remoteTopic: 'primary.commit-log', gaps };
}

const openGap: GapRecord = { expectedOffset: 100, logStartOffset: 150, gap: 50, detectedAt: DETECTED };

describe('planAcknowledgement', () => {
  it('accepts the open gap and resumes at its log start offset', () => {
    const plan = planAcknowledgement(record(100, [openGap]), 'commit-log-0', 150, NOW);
    expect(plan).toMatchObject({ kind: 'acknowledge', resumeOffset: 150, recordedNow: false });
    if (plan.kind !== 'acknowledge') throw new Error('unreachable');
    expect(plan.gap).toEqual({ ...openGap, acknowledgedAt: NOW, acknowledgedBy: 'operator' });
  });

  it('resumes at the current log start when retention moved it past the recorded gap, widening the gap', () => {
    const plan = planAcknowledgement(record(100, [openGap]), 'commit-log-0', 180, NOW);
    if (plan.kind !== 'acknowledge') throw new Error('expected an acknowledgement');
    expect(plan.resumeOffset).toBe(180);
    expect(plan.gap).toMatchObject({ expectedOffset: 100, logStartOffset: 180, gap: 80, detectedAt: DETECTED });
  });

  it('records a gap the engine never reported when the stored next offset is below the log start', () => {
    const plan = planAcknowledgement(record(40), 'commit-log-0', 70, NOW);
    if (plan.kind !== 'acknowledge') throw new Error('expected an acknowledgement');
    expect(plan).toMatchObject({ resumeOffset: 70, recordedNow: true });
    expect(plan.gap).toEqual({ expectedOffset: 40, logStartOffset: 70, gap: 30, detectedAt: NOW, acknowledgedAt: NOW, acknowledgedBy: 'operator' });
  });

  it('has nothing to acknowledge without progress, or with only acknowledged gaps and an in-range position', () => {
    expect(planAcknowledgement(undefined, 'commit-log-0', 0, NOW).kind).toBe('nothing');
    const acked = { ...openGap, acknowledgedAt: NOW, acknowledgedBy: 'operator' as const };
    const plan = planAcknowledgement(record(150, [acked]), 'commit-log-0', 150, NOW);
    expect(plan).toEqual({ kind: 'nothing', reason: 'commit-log-0 has no unacknowledged gap (next offset 150, log start offset 150)' });
  });

  it('never moves the position backwards', () => {
    const plan = planAcknowledgement(record(160, [openGap]), 'commit-log-0', 120, NOW);
    if (plan.kind !== 'acknowledge') throw new Error('expected an acknowledgement');
    expect(plan.resumeOffset).toBe(160);
  });
});

describe('acknowledgeWith', () => {
  function fakes(stored: ProgressRecord | undefined, logStartOffset: number, partitionCount = 1) {
    const writes: Omit<ProgressRecord, 'sourceCluster' | 'updatedAt'>[] = [];
    let flushed = 0;
    const source: SourceView = {
      describeTopics: async (names) => new Map(names.map((n) => [n, n === 'commit-log' ? { name: n, topicId: 'ID1', partitionCount } : undefined])),
      partitionOffsets: async (tps) => new Map(tps.map((tp) => [`${tp.topic}-${tp.partition}`, { logStartOffset, logEndOffset: logStartOffset + 10 }])),
    };
    const store: ProgressView = {
      get: (_t, _p, topicId) => (topicId === stored?.topicId ? stored : undefined),
      write: async (r) => void writes.push(r),
      flush: async () => void flushed++,
    };
    return { source, store, writes, flushed: () => flushed };
  }

  it('writes the moved position with the acknowledged gap, keeping earlier acknowledged gaps, and flushes', async () => {
    const earlier: GapRecord = { expectedOffset: 10, logStartOffset: 20, gap: 10, detectedAt: DETECTED, acknowledgedAt: DETECTED, acknowledgedBy: 'continue-policy' };
    const f = fakes(record(100, [earlier, openGap]), 150);
    const result = await acknowledgeWith({ flow: 'primary->standby', source: f.source, store: f.store, now: () => new Date(NOW) }, { topic: 'commit-log', partition: 0 });
    expect(result.status).toBe('acknowledged');
    expect(f.writes).toEqual([
      { topic: 'commit-log', partition: 0, topicId: 'ID1', nextOffset: 150, remoteTopic: 'primary.commit-log', gaps: [earlier, { ...openGap, acknowledgedAt: NOW, acknowledgedBy: 'operator' }] },
    ]);
    expect(f.flushed()).toBe(1);
    if (result.status !== 'acknowledged') throw new Error('unreachable');
    expect(describeAcknowledgement(result)).toBe(
      'Acknowledged gap for topic commit-log partition 0 (flow primary->standby, topic ID ID1): gap of 50 messages, offsets 100..149 accepted as lost; mirroring resumes at offset 150',
    );
  });

  it('reports a missing topic or partition and writes nothing', async () => {
    const f = fakes(record(100, [openGap]), 150);
    expect(await acknowledgeWith({ flow: 'f', source: f.source, store: f.store }, { topic: 'other', partition: 0 })).toMatchObject({ status: 'nothing-to-acknowledge' });
    expect(await acknowledgeWith({ flow: 'f', source: f.source, store: f.store }, { topic: 'commit-log', partition: 3 })).toMatchObject({
      status: 'nothing-to-acknowledge',
      reason: 'source topic commit-log has 1 partition(s); partition 3 does not exist',
    });
    expect(f.writes).toEqual([]);
  });
});
