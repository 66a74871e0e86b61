import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';

describe('RateLimiter', () => {
  it('never hands out more than 1 + rate × elapsed, nor holds more than burst (property, fixed seed)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.record({ advanceMs: fc.integer({ min: 0, max: 2_000 }), want: fc.integer({ min: 0, max: 50_000 }) }), { maxLength: 60 }),
        (ratePerSec, steps) => {
          let now = 1_000;
          const limiter = new RateLimiter({ ratePerSec, nowMs: () => now });
          let taken = 0;
          for (const { advanceMs, want } of steps) {
            now += advanceMs;
            const got = limiter.take(want);
            expect(got).toBeGreaterThanOrEqual(0);
            expect(got).toBeLessThanOrEqual(Math.max(want, 0));
            expect(got).toBeLessThanOrEqual(Math.floor(limiter.burst));
            taken += got;
            expect(taken).toBeLessThanOrEqual(1 + (ratePerSec * (now - 1_000)) / 1000 + 1e-6);
          }
        },
      ),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('paces a steady consumer at the target rate and says how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSec: 500, nowMs: () => now });
    expect(limiter.take(10)).toBe(1); // one token at once, then the rate
    expect(limiter.take(10)).toBe(0);
    expect(limiter.msUntilAvailable()).toBeCloseTo(2, 6);
    let taken = 1;
    while (now < 1_000) {
      now += Math.max(1, limiter.msUntilAvailable());
      taken += limiter.take(1_000);
    }
    expect(taken).toBe(501);
  });

  it('caps the burst after a stall at burst tokens', () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSec: 1_000, nowMs: () => now });
    limiter.take(1);
    now = 60_000;
    expect(limiter.take(1_000_000)).toBe(100);
  });

  it('rejects a non-positive rate', () => {
    expect(() => new RateLimiter({ ratePerSec: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ ratePerSec: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});
