import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FAULT_KINDS, chooseFault, planFaultTimes, possibleFaults, seededRandom, type FleetView } from './fault-loop.ts';

const view = (over: Partial<FleetView> = {}): FleetView => ({ running: 1, down: 0, instances: 1, membership: false, brokers: true, ...over });

describe('seededRandom', () => {
  it('is deterministic per seed and stays in [0, 1)', () => {
    const a = seededRandom(15);
    const b = seededRandom(15);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(16)()).not.toBe(seededRandom(15)());
  });
});

describe('planFaultTimes', () => {
  it('property: count moments, ascending, one per slot, inside the duration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1000, max: 600_000 }), fc.nat(), (count, durationMs, seed) => {
        const times = planFaultTimes(seededRandom(seed), count, durationMs);
        expect(times).toHaveLength(count);
        const slot = durationMs / Math.max(1, count);
        times.forEach((t, i) => {
          expect(t).toBeGreaterThanOrEqual(Math.floor(slot * i));
          expect(t).toBeLessThanOrEqual(Math.ceil(slot * (i + 1)));
          if (i > 0) expect(t).toBeGreaterThan(times[i - 1]!);
        });
      }),
      { seed: 15, numRuns: 200 },
    );
  });
});

describe('possibleFaults / chooseFault', () => {
  it('without membership only kill, restart, freeze and broker faults happen', () => {
    expect(possibleFaults(FAULT_KINDS, view())).toEqual(['kill', 'restart', 'freeze', 'broker']);
    expect(possibleFaults(FAULT_KINDS, view({ brokers: false }))).toEqual(['kill', 'restart', 'freeze']);
  });

  it('with membership: add only below K + 1 running, remove only above 1', () => {
    expect(possibleFaults(FAULT_KINDS, view({ membership: true, instances: 3, running: 3 }))).toEqual(['kill', 'restart', 'freeze', 'add', 'remove', 'broker']);
    expect(possibleFaults(FAULT_KINDS, view({ membership: true, instances: 3, running: 4 }))).not.toContain('add');
    expect(possibleFaults(FAULT_KINDS, view({ membership: true, instances: 3, running: 1 }))).not.toContain('remove');
  });

  it('with membership and nothing running, the next fault is an add; without anything possible, none', () => {
    expect(chooseFault(seededRandom(1), ['kill'], view({ membership: true, running: 0, instances: 3 }))).toBe('add');
    expect(chooseFault(seededRandom(1), ['add', 'remove'], view())).toBeUndefined();
  });

  it('property: the choice is always among the allowed and possible kinds', () => {
    fc.assert(
      fc.property(
        fc.subarray([...FAULT_KINDS], { minLength: 1 }),
        fc.record({ running: fc.integer({ min: 0, max: 5 }), down: fc.integer({ min: 0, max: 5 }), instances: fc.integer({ min: 1, max: 4 }), membership: fc.boolean(), brokers: fc.boolean() }),
        fc.nat(),
        (allowed, v, seed) => {
          const kind = chooseFault(seededRandom(seed), allowed, v);
          if (v.running === 0 && v.membership) expect(kind).toBe('add');
          else if (kind !== undefined) expect(possibleFaults(allowed, v)).toContain(kind);
          else expect(possibleFaults(allowed, v)).toEqual([]);
        },
      ),
      { seed: 15, numRuns: 300 },
    );
  });
});
