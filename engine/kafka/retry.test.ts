import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KAFKA_ERROR_CODES as K } from './error-codes.ts';
import { backoffMs, retry } from './retry.ts';

const err = (code: number, message = `code ${code}`) => Object.assign(new Error(message), { code });

describe('backoffMs', () => {
  it('doubles from 50 ms and is capped at 1000 ms', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => backoffMs(a))).toEqual([50, 100, 200, 400, 800, 1000, 1000, 1000]);
    expect(backoffMs(3, 10, 50)).toBe(50);
  });

  it('is never below the base nor above the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 500, max: 5000 }), (attempt, base, cap) => {
        const ms = backoffMs(attempt, base, cap);
        return ms >= Math.min(base, cap) && ms <= cap;
      }),
      { seed: 11, numRuns: 200 },
    );
  });
});

describe('retry', () => {
  it('retries retriable errors until success', async () => {
    const attempts: number[] = [];
    const value = await retry(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 2) throw err(K._TRANSPORT);
        return 'ok';
      },
      { timeoutMs: 10_000, baseDelayMs: 1 },
    );
    expect(value).toBe('ok');
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('rejects at once on an error that is not retriable', async () => {
    let calls = 0;
    await expect(retry(async () => { calls++; throw err(K.TOPIC_ALREADY_EXISTS); }, { timeoutMs: 10_000, baseDelayMs: 1 })).rejects.toMatchObject({ code: K.TOPIC_ALREADY_EXISTS });
    expect(calls).toBe(1);
  });

  it('never retries an authentication failure, even when the classifier would', async () => {
    let calls = 0;
    await expect(retry(async () => { calls++; throw err(K.SASL_AUTHENTICATION_FAILED); }, { timeoutMs: 10_000, isRetriable: () => true, baseDelayMs: 1 })).rejects.toMatchObject({ code: 58 });
    expect(calls).toBe(1);
  });

  it('gives up with the last error once the deadline passed (fake clock)', async () => {
    const clock = { ms: 0 };
    let calls = 0;
    const p = retry(
      async () => {
        calls++;
        clock.ms += 400; // each attempt takes 400 ms of the 1000 ms budget
        throw err(K.REQUEST_TIMED_OUT, `attempt ${calls}`);
      },
      { timeoutMs: 1000, now: () => clock.ms, baseDelayMs: 1 },
    );
    await expect(p).rejects.toThrow('attempt 3');
    expect(calls).toBe(3); // 400, 800 (< 1000: retry), 1200 (≥ 1000: give up)
  });

  it('uses the classifier given', async () => {
    let calls = 0;
    const value = await retry(
      async () => {
        if (++calls === 1) throw err(K._NOENT);
        return calls;
      },
      { timeoutMs: 10_000, isRetriable: (e) => (e as { code?: number }).code === K._NOENT, baseDelayMs: 1 },
    );
    expect(value).toBe(2);
  });

  it('retries a result retryResult rejects, and returns the last one at the deadline', async () => {
    const clock = { ms: 0 };
    const results = await retry(
      async (attempt) => {
        clock.ms += 300;
        return attempt;
      },
      { timeoutMs: 1000, retryResult: (v) => v < 10, now: () => clock.ms, baseDelayMs: 1 },
    );
    expect(results).toBe(3); // 300, 600, 900 retried; 1200 past the deadline: returned as is
    expect(await retry(async (a) => a, { timeoutMs: 1000, retryResult: (v) => v < 2, baseDelayMs: 1 })).toBe(2);
  });

  it('ends a backoff at once when the signal is aborted, rejecting with its reason', async () => {
    const controller = new AbortController();
    const reason = err(K._AUTHENTICATION, 'SASL authentication error');
    const t0 = Date.now();
    const p = retry(
      async (attempt) => {
        if (attempt === 0) queueMicrotask(() => controller.abort(reason));
        throw err(K._TRANSPORT);
      },
      { timeoutMs: 60_000, signal: controller.signal, baseDelayMs: 30_000, maxDelayMs: 30_000 },
    );
    await expect(p).rejects.toBe(reason);
    expect(Date.now() - t0).toBeLessThan(5000); // not the 30 s backoff
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(err(K._AUTHENTICATION));
    let calls = 0;
    await expect(retry(async () => calls++, { timeoutMs: 1000, signal: controller.signal })).rejects.toMatchObject({ code: K._AUTHENTICATION });
    expect(calls).toBe(0);
  });
});
