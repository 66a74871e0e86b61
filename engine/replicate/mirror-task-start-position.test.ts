/**
 * Where partitions start with the source consumer's `auto.offset.reset` (MM2 `<alias>.consumer.auto.offset.reset`),
 * on the fakes: `latest` starts partitions without stored progress at their end when the task starts;
 * stored progress (with its truncation check), topic resets and partitions found later are unaffected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mirrorTaskHarness, valuesOf, type MirrorTaskHarness } from './fakes/mirror-task-harness.ts';

describe('start position of partitions without stored progress (auto.offset.reset)', () => {
  let h: MirrorTaskHarness | undefined;
  afterEach(async () => {
    await h?.task.stop();
    h = undefined;
  });

  it('latest: records written before the start are not mirrored, every later one is, and the start is stored at once', async () => {
    h = mirrorTaskHarness({ settings: { autoOffsetReset: 'latest' } });
    const t = h.kafka.source.createTopic('orders', 2, [5, 3]);
    await h.task.start();
    const line = await h.waitForEvent('started_at_latest');
    expect(line).toMatchObject({ partitions: 2, topics: ['orders'], skippedRecords: 8, skippedRecordsByTopic: { orders: 8 } });
    expect(h.store.get('orders', 0, t.topicId)?.nextOffset).toBe(5); // a restart resumes here, not at the then end
    h.kafka.source.append('orders', 0, 2);
    h.kafka.source.append('orders', 1, 1);
    expect(await h.waitForRemote('orders', 0, 2)).toEqual(valuesOf(t.topicId, 5, 2));
    expect(await h.waitForRemote('orders', 1, 1)).toEqual(valuesOf(t.topicId, 3, 1));
  });

  it('earliest (default) mirrors from the log start, without the line', async () => {
    h = mirrorTaskHarness();
    const t = h.kafka.source.createTopic('orders', 1, [4]);
    await h.task.start();
    expect(await h.waitForRemote('orders', 0, 4)).toEqual(valuesOf(t.topicId, 0, 4));
    expect(h.events('started_at_latest')).toEqual([]);
  });

  it('latest: stored progress wins, and is still checked for truncation', async () => {
    h = mirrorTaskHarness({ settings: { autoOffsetReset: 'latest', truncationPolicy: 'fail' } });
    const t = h.kafka.source.createTopic('orders', 2, [6, 6]);
    h.store.seed({ topic: 'orders', partition: 0, topicId: t.topicId, nextOffset: 2 });
    h.store.seed({ topic: 'orders', partition: 1, topicId: t.topicId, nextOffset: 1 });
    h.kafka.source.deleteRecordsBefore('orders', 1, 3); // records 1..2 deleted before they were mirrored
    await h.task.start();
    const truncation = await h.waitForEvent('log_truncation_detected');
    expect(truncation).toMatchObject({ topic: 'orders', partition: 1, expectedOffset: 1, logStartOffset: 3 });
    expect(h.events('started_at_latest')).toEqual([]);
  });

  it('latest: a topic reset while the engine was down is mirrored from the new incarnation start', async () => {
    h = mirrorTaskHarness({ settings: { autoOffsetReset: 'latest' } });
    const old = h.kafka.source.createTopic('orders', 1, [3]);
    h.store.seed({ topic: 'orders', partition: 0, topicId: old.topicId, nextOffset: 3 });
    const now = h.kafka.source.recreateTopic('orders', 1, [2]);
    await h.task.start();
    expect(await h.waitForRemote('orders', 0, 2)).toEqual(valuesOf(now.topicId, 0, 2));
    expect(h.events('started_at_latest')).toEqual([]);
  });

  it('latest: a topic created after the start is mirrored from its beginning (its records are all after the start)', async () => {
    h = mirrorTaskHarness({ settings: { autoOffsetReset: 'latest' } });
    h.kafka.source.createTopic('orders', 1, [2]);
    await h.task.start();
    const late = h.kafka.source.createTopic('late', 1, [3]);
    h.clock.advance(h.settings.refreshTopicsIntervalMs);
    expect(await h.waitForRemote('late', 0, 3)).toEqual(valuesOf(late.topicId, 0, 3));
    expect(h.events('started_at_latest')).toHaveLength(1);
  });
});
