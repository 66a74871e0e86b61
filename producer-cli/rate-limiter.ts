/**
 * Token bucket that paces the producer to `--rate` records per second without a busy loop:
 * the caller takes what is available, sends it, and sleeps {@link RateLimiter.msUntilAvailable}.
 */

/** Construction options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Target rate, tokens (records) per second; a positive finite number. */
  ratePerSec: number;
  /**
   * Most tokens that can accumulate (the largest burst after a stall), default `max(1, ratePerSec / 10)`
   * — 100 ms worth, which also absorbs timer granularity at high rates.
   */
  burst?: number;
  /** Clock in milliseconds (default `performance.now`); injected by tests. */
  nowMs?: () => number;
}

/**
 * Invariant: after any sequence of {@link take} calls, the tokens handed out since construction at
 * `t0` are at most `1 + ratePerSec * (now - t0) / 1000` (one token is available at once, then the
 * rate), and the bucket never holds more than `burst` tokens.
 */
export class RateLimiter {
  readonly ratePerSec: number;
  readonly burst: number;
  private readonly nowMs: () => number;
  private tokens = 1;
  private lastRefillMs: number;

  constructor({ ratePerSec, burst, nowMs = () => performance.now() }: RateLimiterOptions) {
    if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new RangeError(`ratePerSec must be a positive finite number, got ${ratePerSec}`);
    this.ratePerSec = ratePerSec;
    this.burst = Math.max(1, burst ?? ratePerSec / 10);
    this.nowMs = nowMs;
    this.lastRefillMs = nowMs();
  }

  private refill(): void {
    const now = this.nowMs();
    // Clamp: a clock that steps back must not mint or destroy tokens.
    const elapsedMs = Math.max(0, now - this.lastRefillMs);
    this.lastRefillMs = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.ratePerSec) / 1000);
  }

  /** Takes up to `max` whole tokens available now and returns how many were taken (0 when empty). */
  take(max: number): number {
    this.refill();
    const taken = Math.max(0, Math.min(max, Math.floor(this.tokens)));
    this.tokens -= taken;
    return taken;
  }

  /** Milliseconds until at least one whole token is available (0 if one is available now). */
  msUntilAvailable(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.ratePerSec;
  }
}
