/**
 * The one retry loop of the Kafka adapter layer: exponential backoff with a cap, an overall deadline,
 * a classifier deciding what is worth another attempt, and an immediate end on authentication failure
 * (never retried, whatever the classifier says) or when the caller's AbortSignal fires (e.g. the client
 * reported an authentication failure in an error event while a call was waiting).
 */
import { isAuthFailure, isRetriable } from './error-classifier.ts';

/** Backoff before the first retry, ms. */
export const RETRY_BASE_DELAY_MS = 50;
/** Longest backoff between two attempts, ms. */
export const RETRY_MAX_DELAY_MS = 1000;

/**
 * Backoff before retry number `attempt` (0 = the first retry), ms: `baseMs · 2^attempt`, capped at
 * `maxMs` (defaults 50 ms doubling up to 1000 ms: 50, 100, 200, 400, 800, 1000, 1000 …).
 */
export function backoffMs(attempt: number, baseMs = RETRY_BASE_DELAY_MS, maxMs = RETRY_MAX_DELAY_MS): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
}

/** Options of {@link retry}. */
export interface RetryOptions<T> {
  /** Time budget from the first attempt, ms: no attempt starts after it; backoffs are cut to fit it. */
  timeoutMs: number;
  /** Whether a failed attempt is worth another one (default {@link isRetriable}). Auth failures never are. */
  isRetriable?: (err: unknown) => boolean;
  /** Whether a successful result still needs another attempt (e.g. per-partition errors in it); at the deadline the last result is returned. */
  retryResult?: (value: T) => boolean;
  /** Ends the loop at once (during an attempt too, if `run` listens to it): rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Backoff before the first retry, ms (default {@link RETRY_BASE_DELAY_MS}). */
  baseDelayMs?: number;
  /** Cap of the backoff, ms (default {@link RETRY_MAX_DELAY_MS}). */
  maxDelayMs?: number;
  /** Clock, epoch ms (default Date.now). */
  now?: () => number;
}

/**
 * Runs `run(attempt)` (attempt 0, 1, …) until it resolves with a result `retryResult` accepts, backing
 * off {@link backoffMs} between attempts. Rejects with the last error when it is not retriable, is an
 * authentication failure ({@link isAuthFailure}), or the deadline has passed; rejects with
 * `signal.reason` once the signal is aborted.
 */
export async function retry<T>(run: (attempt: number) => Promise<T>, options: RetryOptions<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const retriable = options.isRetriable ?? isRetriable;
  const deadline = now() + options.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    let value: T;
    try {
      value = await run(attempt);
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (isAuthFailure(err) || !retriable(err) || now() >= deadline) throw err;
      await pause(Math.min(backoffMs(attempt, options.baseDelayMs, options.maxDelayMs), deadline - now()), options.signal);
      continue;
    }
    if (!options.retryResult?.(value) || now() >= deadline) return value;
    await pause(Math.min(backoffMs(attempt, options.baseDelayMs, options.maxDelayMs), deadline - now()), options.signal);
  }
}

/** Waits `ms` (≤ 0: not at all); rejects with the signal's reason as soon as it is aborted. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
