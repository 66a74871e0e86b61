import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MirrorListener } from './mirror-task.ts';
import { mirrorTaskHarness, type MirrorTaskHarness } from './fakes/mirror-task-harness.ts';
import { waitFor } from '../../testkit/wait-for.ts';

/**
 * progress.flush.max.records (issue 15): a partition's progress is written once N of its records were
 * acknowledged since its last write, without waiting for progress.flush.interval.ms — the manual clock
 * never advances here, so every write after the first loop iteration is a record-count write.
 */
describe('MirrorTask progress by record count (fakes, no broker)', () => {
  let h: MirrorTaskHarness | undefined;
  afterEach(async () => {
    await h?.task.stop();
    h = undefined;
  });

  const written = (harness: MirrorTaskHarness, partition = 0) => harness.store.writes.filter((w) => w.topic === 'orders' && w.partition === partition).map((w) => w.nextOffset);
  const acked = (harness: MirrorTaskHarness, partition = 0) => harness.task.partitionStates.get(`orders-${partition}`)?.ackedNextOffset ?? -1;
  const allAcked = (harness: MirrorTaskHarness, count: number, partition = 0) =>
    waitFor(() => acked(harness, partition) >= count, { timeoutMs: 5000, intervalMs: 5, message: `${count} records of orders-${partition} acknowledged` });

  it('writes every N acknowledged records per partition, and never lets more than N − 1 wait for the timer', async () => {
    h = mirrorTaskHarness({ settings: { progressFlushMaxRecords: 100 } });
    h.kafka.source.createTopic('orders', 2, [1000, 450]);
    await h.task.start();
    await allAcked(h, 1000, 0);
    await allAcked(h, 450, 1);
    for (const [partition, count] of [[0, 1000], [1, 450]] as const) {
      const positions = written(h, partition);
      expect(positions).toEqual([...positions].sort((a, b) => a - b)); // never backwards
      positions.slice(1).forEach((p, i) => expect(p - positions[i]!).toBeLessThanOrEqual(100));
      expect(count - positions.at(-1)!).toBeLessThan(100);
      expect(positions.length).toBeLessThanOrEqual(Math.ceil(count / 100) + 2); // one write per N records, not per record
    }
  });

  it('0 turns the record count off: only the timer (progress.flush.interval.ms) writes', async () => {
    h = mirrorTaskHarness({ settings: { progressFlushMaxRecords: 0 } });
    h.kafka.source.createTopic('orders', 1, [1000]);
    await h.task.start();
    await allAcked(h, 1000);
    expect(Math.max(-1, ...written(h))).toBeLessThan(1000);
    h.clock.advance(h.settings.progressFlushIntervalMs);
    const harness = h;
    await waitFor(() => written(harness).includes(1000), { timeoutMs: 5000, intervalMs: 5, message: 'the timed write of 1000' });
  });

  it('never passes an offset sync not yet written; while one is pending it tries again every N/10 records, not per record', async () => {
    let gate: number | undefined = 250;
    let gateCalls = 0;
    const listener: MirrorListener = {
      onMirrored: () => undefined,
      persistableNextOffset: () => (gateCalls++, gate),
    };
    h = mirrorTaskHarness({ settings: { progressFlushMaxRecords: 100 }, listener });
    h.kafka.source.createTopic('orders', 1, [1000]);
    await h.task.start();
    await allAcked(h, 1000);
    expect(Math.max(...written(h))).toBe(250);
    expect(gateCalls).toBeGreaterThan(50); // it kept trying …
    expect(gateCalls).toBeLessThan(120); // … about once per 10 records (1000 acknowledged), not 1000 times

    gate = undefined; // the sync was written: the next attempt, at most N/10 records later, writes the acknowledged position
    h.kafka.source.append('orders', 0, 10);
    await allAcked(h, 1010);
    const harness = h;
    await waitFor(() => Math.max(...written(harness)) > 1000, { timeoutMs: 5000, intervalMs: 5, message: 'a write past the former gate' });
  });

  it('property (seed 15): any N and record count — writes only move forward, by at most N, and the last one is less than N behind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 2000 }), async (n, count) => {
        const harness = mirrorTaskHarness({ settings: { progressFlushMaxRecords: n } });
        try {
          harness.kafka.source.createTopic('orders', 1, [count]);
          await harness.task.start();
          await allAcked(harness, count);
          const positions = written(harness);
          positions.slice(1).forEach((p, i) => expect(p - positions[i]!).toBeGreaterThan(0));
          positions.slice(1).forEach((p, i) => expect(p - positions[i]!).toBeLessThanOrEqual(n));
          expect(count - Math.max(0, ...positions)).toBeLessThan(n);
        } finally {
          await harness.task.stop();
        }
      }),
      { seed: 15, numRuns: 15 },
    );
  });
});
