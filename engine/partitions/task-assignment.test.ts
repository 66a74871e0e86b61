import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WHOLE_FLOW, fnv1a32, ownerTask, ownsPartition } from './task-assignment.ts';

describe('task assignment', () => {
  it('FNV-1a-32 matches the reference vectors', () => {
    // Reference values of the FNV-1a 32-bit hash (IETF draft-eastlake-fnv, test vectors).
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('gives every partition exactly one owner', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 64 }), (topic, partition, count) => {
        const owners = Array.from({ length: count }, (_, index) => index).filter((index) => ownsPartition({ index, count }, topic, partition));
        expect(owners).toEqual([ownerTask(topic, partition, count)]);
      }),
    );
  });

  it('spreads the partitions of one topic evenly: at most one more partition per task than another', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 16 }), (topic, partitions, count) => {
        const perTask = new Array<number>(count).fill(0);
        for (let p = 0; p < partitions; p++) perTask[ownerTask(topic, p, count)]!++;
        expect(Math.max(...perTask) - Math.min(...perTask)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('splits the benchmark topic 3 + 3 over two tasks, and one task owns everything', () => {
    const owned = (index: number) => [0, 1, 2, 3, 4, 5].filter((p) => ownsPartition({ index, count: 2 }, 'bench-topic', p));
    expect(owned(0).length).toBe(3);
    expect([...owned(0), ...owned(1)].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect([0, 1, 2, 3, 4, 5].every((p) => ownsPartition(WHOLE_FLOW, 'bench-topic', p))).toBe(true);
  });

  it('rejects a task count below 1', () => {
    expect(() => ownerTask('t', 0, 0)).toThrow(RangeError);
  });
});
