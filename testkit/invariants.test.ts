import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReadRecord } from './cluster-reader.ts';
import {
  assertContiguous,
  assertGapsOnlyWhereReported,
  assertNoDuplicates,
  duplicateProblems,
  gapProblems,
  missingProblems,
  orderProblems,
  recordDifferences,
  sequenceProblems,
} from './invariants.ts';

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const SEED = { seed: 20261130, numRuns: 200 };

describe('sequence invariants', () => {
  it('accepts exactly from..from+count-1 in order, and names what is wrong otherwise', () => {
    expect(sequenceProblems(range(5, 4), 5, 4)).toEqual([]);
    expect(sequenceProblems([5, 6, 6, 8], 5, 4)).toEqual(['duplicated seq: 6', 'missing seq: 7 (1 in all)', 'out of order at position 2: 6 then 6']);
    expect(sequenceProblems([5, 7, 6], 5, 3)).toEqual(['out of order at position 2: 7 then 6']);
    expect(sequenceProblems([5, 6], 5, 3)).toEqual(['expected 3 records, found 2', 'missing seq: 7 (1 in all)']);
    expect(() => assertContiguous([1, 3], 1, 3, 'remote seq')).toThrow('remote seq: expected 3 records, found 2; missing seq: 2 (1 in all)');
    expect(() => assertContiguous(range(0, 3), 0, 3)).not.toThrow();
  });

  it('lists at most 10 ids and the total', () => {
    expect(missingProblems([], 0, 25)).toEqual(['missing seq: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … (25 in all)']);
    expect(() => assertNoDuplicates([1, 2, 1], 'offsets')).toThrow('offsets: duplicated seq: 1');
  });

  it('property: dropping k distinct ids from a contiguous run reports exactly k missing, and a duplicate is always found', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (from, count, salt) => {
        const all = range(from, count);
        const dropped = new Set(all.filter((id) => (id * 2654435761 + salt) % 7 === 0));
        const kept = all.filter((id) => !dropped.has(id));
        const missing = missingProblems(kept, from, count);
        expect(missing.length === 0).toBe(dropped.size === 0);
        if (dropped.size > 0) expect(missing[0]).toContain(`(${dropped.size} in all)`);
        expect(orderProblems(kept)).toEqual([]);
        const withDuplicate = [...all, all[salt % count]!];
        expect(duplicateProblems(withDuplicate)).toEqual([`duplicated seq: ${all[salt % count]}`]);
        expect(sequenceProblems(withDuplicate, from, count)).not.toEqual([]);
      }),
      SEED,
    );
  });
});

describe('gaps only where reported', () => {
  it('accepts missing ids inside reported gaps only, and rejects records inside a reported gap', () => {
    const mirrored = [...range(0, 100), ...range(600, 50)];
    expect(gapProblems(mirrored, { from: 0, to: 650 }, [{ from: 100, to: 600 }])).toEqual([]);
    expect(gapProblems(mirrored, { from: 0, to: 650 }, [{ from: 100, to: 500 }])).toEqual(['missing but not reported: 500, 501, 502, 503, 504, 505, 506, 507, 508, 509, … (100 in all)']);
    expect(gapProblems([...mirrored, 300], { from: 0, to: 650 }, [{ from: 100, to: 600 }])).toEqual(['present inside a reported gap: 300 (1 in all)']);
    expect(() => assertGapsOnlyWhereReported(mirrored, { from: 0, to: 650 }, [], 'remote offsets')).toThrow(/^remote offsets: missing but not reported: 100, /);
  });

  it('property: a silent hole is always found, a reported one never is', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 299 }), fc.integer({ min: 1, max: 50 }), (count, holeAt, holeLength) => {
        const from = Math.min(holeAt, count - 1);
        const hole = { from, to: Math.min(count, from + holeLength) };
        const ids = range(0, count).filter((id) => id < hole.from || id >= hole.to);
        expect(gapProblems(ids, { from: 0, to: count }, [hole])).toEqual([]);
        expect(gapProblems(ids, { from: 0, to: count }, [])).toHaveLength(1);
      }),
      SEED,
    );
  });
});

describe('recordDifferences', () => {
  const record = (over: Partial<ReadRecord> = {}): ReadRecord => ({
    partition: 1,
    offset: 7,
    key: Buffer.from([0x00, 0x01]),
    value: Buffer.from('v'),
    timestamp: 1_000,
    headers: [
      ['a', Buffer.from('1')],
      ['a', Buffer.from('2')],
    ],
    ...over,
  });

  it('is empty for a byte-for-byte copy (offsets may differ) and names each difference', () => {
    expect(recordDifferences(record(), record({ offset: 99 }))).toEqual([]);
    expect(recordDifferences(record(), record({ key: null, timestamp: 2_000, partition: 0 }))).toEqual(['partition 1 != 0', 'key differs', 'timestamp 1000 != 2000']);
    expect(recordDifferences(record(), record({ value: Buffer.alloc(0) }))).toEqual(['value differs']);
    expect(recordDifferences(record(), record({ headers: [['a', Buffer.from('2')], ['a', Buffer.from('1')]] }))).toHaveLength(1);
    expect(recordDifferences(record({ headers: [['h', null]] }), record({ headers: [['h', Buffer.alloc(0)]] }))).toHaveLength(1);
  });
});
