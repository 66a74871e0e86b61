/**
 * Where partitions start with the source consumer's `auto.offset.reset` (MM2 `<alias>.consumer.auto.offset.reset`),
 * on the fakes: `latest` starts partitions without stored progress at their end when the task starts;
 * stored progress (with its truncation check), topic resets and partitions found later are unaffected.
 * With the flow's group (issue 15) a partition the group assigns after the start begins at its log end AT
 * THE START: what was written while it waited for the group is mirrored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgressRecord } from '../progress/progress-store.ts';
import { FakeKafka, ManualClock } from './fakes/fake-kafka.ts';
import { FakeGroup } from './fakes/fake-group.ts';
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

describe('auto.offset.reset = latest with the flow\'s group (partitions assigned after the start)', () => {
  let harnesses: MirrorTaskHarness[] = [];
  afterEach(async () => {
    for (const h of harnesses) await h.task.stop();
    harnesses = [];
  });

  /** Two members of one group over shared fakes and progress topic; member 0 gets `initial` (remote partitions of orders). */
  function twoMembers(initial: number[]) {
    const fakes = new FakeKafka();
    const progressTopic: ProgressRecord[] = [];
    const group = new FakeGroup((member) => (member === 0 ? initial.map((partition) => ({ topic: 'primary.orders', partition })) : []));
    const options = { fakes, progressTopic, group, clock: new ManualClock(), settings: { autoOffsetReset: 'latest' as const } };
    const a = mirrorTaskHarness(options);
    const b = mirrorTaskHarness(options);
    harnesses.push(a, b);
    return { fakes, progressTopic, group, a, b };
  }

  it('a partition assigned late starts at its log end of the task start: records written while it waited are mirrored', async () => {
    const { fakes, progressTopic, group, a, b } = twoMembers([0]);
    const t = fakes.source.createTopic('orders', 2, [5, 3]);
    await a.task.start();
    await b.task.start();
    expect(await a.waitForEvent('started_at_latest')).toMatchObject({ partitions: 1, skippedRecords: 5, skippedRecordsByTopic: { orders: 5 } });
    expect(b.events('started_at_latest')).toEqual([]); // owns nothing yet
    fakes.source.append('orders', 1, 2); // after both started, before the group assigns orders-1
    await group.members[1]!.assign([{ topic: 'primary.orders', partition: 1 }]);
    expect(b.events('started_at_latest')).toEqual([expect.objectContaining({ partitions: 1, skippedRecords: 3, skippedRecordsByTopic: { orders: 3 } })]);
    expect(progressTopic.filter((r) => r.partition === 1).at(-1)).toMatchObject({ topicId: t.topicId, nextOffset: 3 }); // stored at once
    expect(await b.waitForRemote('orders', 1, 2)).toEqual(valuesOf(t.topicId, 3, 2));
    fakes.source.append('orders', 0, 1);
    expect(await a.waitForRemote('orders', 0, 1)).toEqual(valuesOf(t.topicId, 5, 1));
  });

  it('a partition moved with stored progress resumes there: its new owner skips nothing', async () => {
    const { fakes, group, a, b } = twoMembers([0, 1]);
    const t = fakes.source.createTopic('orders', 2, [4, 4]);
    await a.task.start();
    await b.task.start();
    await a.waitForEvent('started_at_latest');
    fakes.source.append('orders', 1, 3);
    await a.waitForRemote('orders', 1, 3);
    await group.members[0]!.revoke([{ topic: 'primary.orders', partition: 1 }]);
    fakes.source.append('orders', 1, 2); // while nobody owns it
    await group.members[1]!.assign([{ topic: 'primary.orders', partition: 1 }]);
    expect(b.events('started_at_latest')).toEqual([]);
    expect(await b.waitForRemote('orders', 1, 5)).toEqual(valuesOf(t.topicId, 4, 5)); // 4..8: once each, in order
  });
});
