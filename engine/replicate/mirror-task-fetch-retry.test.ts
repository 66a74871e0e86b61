import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../testkit/wait-for.ts';
import { mirrorTaskHarness, valuesOf, type MirrorTaskHarness } from './fakes/mirror-task-harness.ts';

/**
 * A batch fetched but not produced (the topic-ID fence's DescribeTopics times out while a source broker
 * restarts) must be fetched again: the consumer's own position is already past it, and the next batch would
 * otherwise be accepted above a hole (a later offset reads as a legitimate gap) — silent loss (DESIGN.md
 * invariant 1). Found by `npm run chaos` (broker restart of the primary).
 */
describe('MirrorTask: a fetched batch whose fence check failed is fetched again (fakes, no broker)', () => {
  let h: MirrorTaskHarness | undefined;
  afterEach(async () => {
    await h?.task.stop();
    h = undefined;
  });

  it('mirrors every record once, in order, when DescribeTopics fails right after a fetch', async () => {
    h = mirrorTaskHarness();
    const topic = h.kafka.source.createTopic('orders', 1, [100]);
    await h.task.start();
    await h.waitForRemote('orders', 0, 100);
    let failed = 0;
    h.kafka.onFetch = () => {
      if (failed++ === 0) h!.kafka.source.failDescribes = 1; // the fence check of this very batch times out
    };
    h.kafka.source.append('orders', 0, 200);
    const remote = await waitFor(() => (h!.kafka.target.values('primary.orders', 0).length >= 300 ? h!.kafka.target.values('primary.orders', 0) : undefined), { timeoutMs: 5000, intervalMs: 5, message: '300 records in primary.orders-0' });
    expect(failed).toBeGreaterThan(1);
    expect(remote).toEqual(valuesOf(topic.topicId, 0, 300));
  });
});
