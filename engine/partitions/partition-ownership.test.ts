import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PartitionOwnership, leaseFor } from './partition-ownership.ts';

const lease = leaseFor(3000);

describe('PartitionOwnership', () => {
  it('without a group owns every partition and never fences (invariant A)', () => {
    const o = new PartitionOwnership();
    o.tick(0);
    o.tick(1_000_000);
    expect(o.grouped).toBe(false);
    expect(o.owns('t', 7)).toBe(true);
    expect(o.fenced(2_000_000)).toBe(false);
    expect(o.mayAct('t', 7, 2_000_000)).toBe(true);
  });

  it('the lease for heartbeat.interval.ms: stall limit = the interval, pause = the interval + 1 s', () => {
    expect(leaseFor(3000)).toEqual({ stallLimitMs: 3000, confirmMs: 4000 });
  });

  it('fences from the first observation of a gap, whether a check or the tick sees it first, and tells onStall once', () => {
    const stalls: number[] = [];
    const o = new PartitionOwnership({ lease, clock: () => 0, onStall: (ms) => stalls.push(ms) });
    o.grant([{ topic: 't', partition: 0 }]);
    o.tick(1000);
    expect(o.mayAct('t', 0, 3900)).toBe(true); // 2 900 ms without a tick: not a stall yet
    expect(o.mayAct('t', 0, 10_000)).toBe(false); // a check made before the tick ran again sees the 9 s gap
    for (let t = 10_050; t < 14_000; t += 1000) o.tick(t); // the ticks after it: no second stall
    expect(stalls).toEqual([9000]);
    expect(o.fenced(13_999)).toBe(true);
    o.tick(13_999);
    expect(o.fenced(14_000)).toBe(false);
    expect(o.mayAct('t', 0, 14_000)).toBe(true);
  });

  it('keeps invariants B (owned iff granted and not revoked since) and C (fenced for confirmMs after a gap above the stall limit) under any sequence (property, seed 15)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('grant' as const), partition: fc.nat(3) }),
      fc.record({ kind: fc.constant('revoke' as const), partition: fc.nat(3) }),
      fc.record({ kind: fc.constant('tick' as const), afterMs: fc.integer({ min: 0, max: 8000 }) }),
      fc.record({ kind: fc.constant('check' as const), afterMs: fc.integer({ min: 0, max: 8000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const o = new PartitionOwnership({ lease, clock: () => 0 });
        const owned = new Set<number>();
        let now = 0;
        let lastSeen = 0; // last tick or check: the gap is measured from it
        let fencedUntil = 0;
        o.tick(0);
        for (const x of ops) {
          if (x.kind === 'grant') {
            o.grant([{ topic: 't', partition: x.partition }]);
            owned.add(x.partition);
          } else if (x.kind === 'revoke') {
            o.revoke([{ topic: 't', partition: x.partition }]);
            owned.delete(x.partition);
          } else {
            now += x.afterMs;
            const gap = now - lastSeen;
            if (gap > lease.stallLimitMs) fencedUntil = now + lease.confirmMs;
            if (x.kind === 'tick' || gap > lease.stallLimitMs) lastSeen = now;
            if (x.kind === 'tick') o.tick(now);
            else expect(o.fenced(now)).toBe(now < fencedUntil);
          }
          for (let p = 0; p < 4; p++) expect(o.owns('t', p)).toBe(owned.has(p));
        }
        expect(o.granted().map((tp) => tp.partition).sort()).toEqual([...owned].sort());
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});
