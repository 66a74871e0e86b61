import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { auditPartition, auditProblems, auditTopic } from './delivery-audit.ts';

const ids = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => String(from + i));

describe('auditPartition', () => {
  it('an exact copy has nothing lost, duplicated or out of order', () => {
    const a = auditPartition(0, ids(0, 100), ids(0, 100));
    expect(a).toMatchObject({ sourceRecords: 100, remoteRecords: 100, lost: 0, duplicated: 0, outOfOrder: 0, foreign: 0, recopyRuns: 0, maxRecopy: 0 });
  });

  it('counts a re-copy after a restart as one run of duplicates', () => {
    // mirrored 0..59, crashed with progress at 40, re-mirrored 40..99
    const a = auditPartition(3, ids(0, 100), [...ids(0, 60), ...ids(40, 100)]);
    expect(a).toMatchObject({ partition: 3, lost: 0, duplicated: 20, outOfOrder: 0, recopyRuns: 1, maxRecopy: 20, remoteRecords: 120 });
  });

  it('reports lost ids with a sample, holes filled later as out of order, and foreign records', () => {
    const a = auditPartition(0, ids(0, 10), ['0', '1', '3', '2', '4', '5', 'x', '9']);
    expect(a.lost).toBe(3);
    expect(a.lostSample).toEqual(['6', '7', '8']);
    expect(a.outOfOrder).toBe(1);
    expect(a.foreign).toBe(1);
    expect(a.duplicated).toBe(0);
  });

  it('property: any at-least-once history (rewinds, then onward) has 0 lost, 0 out of order, and its rewinds as re-copy runs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 8 }), (n, crashes) => {
        // Each crash: the engine had copied up to `copiedTo`, stored progress `rewind` records earlier.
        const remote: string[] = [];
        let copied = 0;
        const runs: number[] = [];
        for (const [advance, back] of crashes) {
          const to = Math.min(n, copied + 1 + (advance % n)); // at least one new record between crashes
          remote.push(...ids(copied, to));
          copied = to;
          const resumeAt = copied - (back % (copied + 1));
          if (copied - resumeAt > 0 && copied < n) {
            runs.push(copied - resumeAt);
            remote.push(...ids(resumeAt, copied));
          }
        }
        remote.push(...ids(copied, n));
        const a = auditPartition(0, ids(0, n), remote);
        expect(a.lost).toBe(0);
        expect(a.outOfOrder).toBe(0);
        expect(a.duplicated).toBe(runs.reduce((s, r) => s + r, 0));
        expect(a.recopyRuns).toBe(runs.length);
        expect(a.maxRecopy).toBe(Math.max(0, ...runs));
      }),
      { seed: 15, numRuns: 300 },
    );
  });

  it('property: dropping any one record is reported as exactly one lost record', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.nat(), (n, k) => {
        const source = ids(0, n);
        const remote = source.filter((_, i) => i !== k % n);
        const a = auditPartition(0, source, remote);
        expect(a.lost).toBe(1);
        expect(a.lostSample).toEqual([String(k % n)]);
      }),
      { seed: 15, numRuns: 200 },
    );
  });
});

describe('auditTopic and auditProblems', () => {
  it('sums partitions, takes the largest re-copy, and turns findings into problems', () => {
    const audit = auditTopic(
      new Map([
        [0, ids(0, 10)],
        [1, ids(10, 20)],
      ]),
      new Map([
        [0, [...ids(0, 6), ...ids(2, 10)]],
        [1, ids(10, 19)],
      ]),
    );
    expect(audit.total).toMatchObject({ sourceRecords: 20, remoteRecords: 23, lost: 1, duplicated: 4, maxRecopy: 4 });
    expect(auditProblems(audit, { exactlyOnce: false })).toEqual(['partition 1: 1 of 10 source records lost (e.g. 19)']);
    expect(auditProblems(audit, { exactlyOnce: true })).toContain('partition 0: 4 duplicates under exactly-once');
    expect(auditProblems(audit, { exactlyOnce: false, maxRecopy: 3 })).toContain('partition 0: a restart re-copied 4 records (bound 3)');
  });
});
