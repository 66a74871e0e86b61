import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PartitionTable } from './partition-table.ts';
import { PartitionState } from './partition-state.ts';
import { PartitionOwnership, leaseFor } from './partition-ownership.ts';

const state = (topic: string, partition: number) => new PartitionState({ topic, partition }, `id-${topic}`, 0, 0);

describe('PartitionTable', () => {
  it('finds a state by key, by topic and partition, and lists a topic in partition order', () => {
    const table = new PartitionTable();
    const b1 = state('b', 1);
    const a0 = state('a', 0);
    const b0 = state('b', 0);
    for (const s of [b1, a0, b0]) table.add(s);
    expect(table.get('b-1')).toBe(b1);
    expect(table.statesOf('b')?.[0]).toBe(b0);
    expect(table.statesOf('c')).toBeUndefined();
    expect(table.partitionsOf('b')).toEqual([b0, b1]);
    expect(table.partitionsOf('c')).toEqual([]);
    expect([...table.values()]).toEqual([b1, a0, b0]);
    expect(table.size).toBe(3);
  });

  it('refuses a second state for a partition and a partition the group did not assign; removes a state from both indexes', () => {
    const ownership = new PartitionOwnership({ lease: leaseFor(3000), clock: () => 0 });
    const table = new PartitionTable(ownership);
    ownership.grant([{ topic: 't', partition: 1 }]);
    const owned = state('t', 1);
    table.add(owned);
    expect(() => table.add(state('t', 1))).toThrow(/already has a state/);
    expect(() => table.add(state('t', 0))).toThrow(/not owned by this task/);
    expect(table.remove('t-1')).toBe(owned);
    expect(table.remove('t-1')).toBeUndefined();
    expect(table.get('t-1')).toBeUndefined();
    expect(table.statesOf('t')?.[1]).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('tracks topic incarnations, missing ones included', () => {
    const table = new PartitionTable();
    expect(table.isTracked('t')).toBe(false);
    table.setKnownTopic('t', { name: 't', topicId: 'x', partitionCount: 2 });
    table.setKnownTopic('gone', undefined);
    expect(table.knownTopic('t')?.topicId).toBe('x');
    expect(table.isTracked('gone')).toBe(true);
    expect(table.knownTopic('gone')).toBeUndefined();
    expect(table.trackedTopics()).toEqual(['t', 'gone']);
  });

  it('keeps invariants A (key and topic indexes agree) and B (partition counts never decrease) under any sequence of add, remove and count (property, seed 11)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), topic: fc.constantFrom('a', 'b'), partition: fc.nat(5) }),
      fc.record({ kind: fc.constant('count' as const), topic: fc.constantFrom('a', 'b'), count: fc.nat(8) }),
      fc.record({ kind: fc.constant('remove' as const), topic: fc.constantFrom('a', 'b'), partition: fc.nat(5) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const table = new PartitionTable();
        const maxCount = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'add') {
            if (!table.get(`${o.topic}-${o.partition}`)) table.add(state(o.topic, o.partition));
          } else if (o.kind === 'remove') {
            table.remove(`${o.topic}-${o.partition}`);
          } else {
            table.notePartitionCount(o.topic, o.count);
            maxCount.set(o.topic, Math.max(maxCount.get(o.topic) ?? 0, o.count));
          }
        }
        for (const s of table.values()) expect(table.statesOf(s.topic)?.[s.partition]).toBe(s);
        for (const topic of ['a', 'b']) {
          for (const s of table.statesOf(topic) ?? []) if (s) expect(table.get(s.key)).toBe(s);
          expect(table.partitionCount(topic)).toBe(maxCount.get(topic) ?? 0);
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });
});
