import { afterEach, describe, expect, it } from 'vitest';
import { DivergenceError, TruncationError } from '../core/errors.ts';
import { waitFor } from '../../testkit/wait-for.ts';
import { mirrorTaskHarness, valuesOf, type MirrorTaskHarness } from './fakes/mirror-task-harness.ts';

/** Truncation and divergence with fakes of the client ports (testkit/fake-kafka.ts): PartitionChecks' stall check and start check. */
describe('MirrorTask truncation and divergence (fakes, no broker)', () => {
  let h: MirrorTaskHarness | undefined;
  afterEach(async () => {
    await h?.task.stop();
    h = undefined;
  });

  /** Mirrors `orders-0` records 0..9, then appends 10..19 and deletes everything below 15 before the consumer gets to them. */
  async function truncateWhileRunning(harness: MirrorTaskHarness): Promise<string> {
    const a = harness.kafka.source.createTopic('orders', 1, [10]);
    await harness.task.start();
    await harness.waitForRemote('orders', 0, 10);
    harness.kafka.source.append('orders', 0, 10);
    harness.kafka.source.deleteRecordsBefore('orders', 0, 15);
    return a.topicId;
  }

  it('fails at start when the stored progress is below the log start: critical line with the exact gap, gap in progress, TruncationError', async () => {
    h = mirrorTaskHarness();
    const a = h.kafka.source.createTopic('orders', 1, [20]);
    h.kafka.source.deleteRecordsBefore('orders', 0, 10);
    h.store.seed({ topic: 'orders', partition: 0, topicId: a.topicId, nextOffset: 5 });
    await h.task.start();
    const outcome = await h.task.done;

    const detectedAt = new Date(h.clock.nowMs).toISOString();
    expect(outcome.status).toBe('failed');
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(TruncationError);
    expect(error).toMatchObject({ code: 'TRUNCATION_DETECTED', flow: 'primary->standby', topic: 'orders', partition: 0, expectedOffset: 5, logStartOffset: 10, gap: 5, detectedAt });
    expect(h.events('log_truncation_detected')).toEqual([
      expect.objectContaining({
        level: 'critical',
        flow: 'primary->standby',
        topic: 'orders',
        partition: 0,
        topicId: a.topicId,
        expectedOffset: 5,
        logStartOffset: 10,
        gap: 5,
        policy: 'fail',
        detectedAt,
        msg: 'CRITICAL: Log truncation detected for orders-0. Expected offset 5, but got 10. Gap of 5 messages detected',
      }),
    ]);
    expect(h.store.get('orders', 0, a.topicId)).toMatchObject({ nextOffset: 5, gaps: [{ expectedOffset: 5, logStartOffset: 10, gap: 5, detectedAt }] });
    expect(h.telemetry.lost).toBe(5);
    expect(h.kafka.target.values('primary.orders', 0)).toEqual([]);
  });

  it('finds a truncation while running with the stall check once the partition made no progress for truncation.check.interval.ms', async () => {
    h = mirrorTaskHarness();
    const harness = h;
    await truncateWhileRunning(harness);
    // The consumer stalls without an error (librdkafka may drop -140): nothing happens until the check is due.
    const calls = harness.kafka.consumeCalls;
    await waitFor(() => harness.kafka.consumeCalls > calls + 10, { timeoutMs: 5000, intervalMs: 5 });
    expect(harness.events('log_truncation_detected')).toEqual([]);

    harness.clock.advance(harness.settings.truncationCheckIntervalMs);
    const outcome = await harness.task.done;
    expect((outcome as { error: unknown }).error).toMatchObject({ code: 'TRUNCATION_DETECTED', expectedOffset: 10, logStartOffset: 15, gap: 5 });
    expect(harness.events('log_truncation_detected')).toEqual([expect.objectContaining({ level: 'critical', expectedOffset: 10, logStartOffset: 15, gap: 5, policy: 'fail' })]);
    expect(harness.store.writes.at(-1)).toMatchObject({ topic: 'orders', partition: 0, nextOffset: 10, gaps: [{ expectedOffset: 10, logStartOffset: 15, gap: 5 }] });
    expect(harness.kafka.target.values('primary.orders', 0)).toHaveLength(10);
    expect(harness.task.snapshot()[0]!.status).toBe('FAILED');
  });

  it('checks every partition at once when the consumer reports out of range (-140), without waiting for the stall interval', async () => {
    h = mirrorTaskHarness({ kafka: { outOfRange: 'error' } });
    await truncateWhileRunning(h);
    const outcome = await h.task.done;
    expect((outcome as { error: unknown }).error).toMatchObject({ code: 'TRUNCATION_DETECTED', expectedOffset: 10, logStartOffset: 15, gap: 5 });
    expect(h.lines.some((l) => l.msg === 'offset out of range reported by the consumer; checking partitions against the broker')).toBe(true);
  });

  it('with truncation.policy=continue records the gap in progress and resumes at the log start', async () => {
    h = mirrorTaskHarness({ settings: { truncationPolicy: 'continue' } });
    const topicId = await truncateWhileRunning(h);
    h.clock.advance(h.settings.truncationCheckIntervalMs);

    const skipped = await h.waitForEvent('truncation_gap_skipped');
    const detectedAt = new Date(h.clock.nowMs).toISOString();
    expect(skipped).toMatchObject({ level: 'warn', topic: 'orders', partition: 0, expectedOffset: 10, logStartOffset: 15, gap: 5, msg: 'Resuming orders-0 at log start offset 15 (truncation.policy=continue)' });
    expect(h.events('log_truncation_detected')).toEqual([expect.objectContaining({ level: 'critical', expectedOffset: 10, logStartOffset: 15, gap: 5, policy: 'continue' })]);
    expect(h.store.writes.find((w) => w.nextOffset === 15)).toMatchObject({
      topicId,
      gaps: [{ expectedOffset: 10, logStartOffset: 15, gap: 5, detectedAt, acknowledgedAt: detectedAt, acknowledgedBy: 'continue-policy' }],
    });
    expect(await h.waitForRemote('orders', 0, 15)).toEqual([...valuesOf(topicId, 0, 10), ...valuesOf(topicId, 15, 5)]);
    expect(h.telemetry.lost).toBe(5);
    await h.task.stop();
    expect(await h.task.done).toEqual({ status: 'stopped' });
    expect(h.store.get('orders', 0, topicId)).toMatchObject({ nextOffset: 20 });
  });

  it('fails with a DivergenceError when the log end drops below the expected offset under the same topic ID', async () => {
    h = mirrorTaskHarness();
    const a = h.kafka.source.createTopic('orders', 1, [10]);
    await h.task.start();
    await h.waitForRemote('orders', 0, 10);
    h.kafka.source.truncateEnd('orders', 0, 6); // unclean leader election: same topic, shorter log
    h.clock.advance(h.settings.truncationCheckIntervalMs);

    const outcome = await h.task.done;
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(DivergenceError);
    expect(error).toMatchObject({ code: 'LOG_DIVERGENCE', topic: 'orders', partition: 0, expectedOffset: 10, logEndOffset: 6 });
    expect(h.events('log_divergence_detected')).toEqual([
      expect.objectContaining({
        level: 'error',
        topic: 'orders',
        partition: 0,
        topicId: a.topicId,
        expectedOffset: 10,
        logEndOffset: 6,
        msg: 'Log divergence detected for orders-0: log end offset 6 is below the next expected offset 10 (same topic ID)',
      }),
    ]);
    expect(h.events('topic_reset_detected')).toEqual([]);
    expect(h.events('log_truncation_detected')).toEqual([]);
  });
});
