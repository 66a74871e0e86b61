import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodicPass } from './periodic-pass.ts';

beforeEach(() => void vi.useFakeTimers({ now: 0 }));
afterEach(() => void vi.useRealTimers());

describe('PeriodicPass', () => {
  it('runs at once, then every interval from the start of the previous pass, never two at once', async () => {
    const starts: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const passes = new PeriodicPass(1000, async () => {
      starts.push(Date.now());
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, starts.length === 2 ? 1500 : 300)); // the second pass overruns the interval
      inFlight--;
    });
    passes.start();
    passes.start(); // no second schedule
    await vi.advanceTimersByTimeAsync(4100);
    // An overrunning pass is followed at once (a 0 ms timer fires after 1 ms).
    expect(starts).toHaveLength(4);
    [0, 1000, 2500, 3500].forEach((expected, i) => expect(starts[i]! - expected).toBeGreaterThanOrEqual(0));
    [0, 1000, 2500, 3500].forEach((expected, i) => expect(starts[i]! - expected).toBeLessThanOrEqual(1));
    expect(maxInFlight).toBe(1);
    await passes.stop();
  });

  it('stop() ends scheduling; with a grace it waits at most that long for a stuck pass', async () => {
    let runs = 0;
    const passes = new PeriodicPass(100, () => (runs++, new Promise<void>(() => undefined)));
    passes.start();
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    const stopping = passes.stop(2000).then(() => (stopped = true));
    expect(passes.stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(1999);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(stopped).toBe(true);
    expect(runs).toBe(1);
  });
});
