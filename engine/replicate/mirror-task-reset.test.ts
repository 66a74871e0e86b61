import { afterEach, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../kafka/source-consumer.ts';
import { mirrorTaskHarness, valuesOf, type MirrorTaskHarness } from './fakes/mirror-task-harness.ts';

/** Topic resets with fakes of the client ports (testkit/fake-kafka.ts): the topic-ID fence and the reset paths of PartitionChecks. */
describe('MirrorTask topic resets (fakes, no broker)', () => {
  let h: MirrorTaskHarness | undefined;
  afterEach(async () => {
    await h?.task.stop();
    h = undefined;
  });

  it('drops what was fetched from the old incarnation when the topic is recreated between fetch and produce, then mirrors the new one from its beginning', async () => {
    h = mirrorTaskHarness();
    const a = h.kafka.source.createTopic('orders', 1, [5]);
    await h.task.start();
    expect(await h.waitForRemote('orders', 0, 5)).toEqual(valuesOf(a.topicId, 0, 5));

    // The next fetch returns A's records 5..7; the topic is recreated (B, 3 records) before the fence's describe.
    let fetched: string[] = [];
    const source = h.kafka.source;
    h.kafka.onFetch = (batch: readonly SourceRecord[]) => {
      if (!batch.some((r) => r.topic === 'orders')) return;
      h!.kafka.onFetch = undefined;
      fetched = batch.map((r) => String(r.value));
      source.recreateTopic('orders', 1, [3]);
    };
    source.append('orders', 0, 3);
    const recovered = await h.waitForEvent('topic_reset_recovered');
    const b = source.topic('orders');
    expect(fetched).toEqual(valuesOf(a.topicId, 5, 3));
    await h.waitForRemote('orders', 0, 8);
    await h.task.stop();

    // A's fetched records never reach the target; B follows A's last mirrored record from B's offset 0.
    expect(h.kafka.target.values('primary.orders', 0)).toEqual([...valuesOf(a.topicId, 0, 5), ...valuesOf(b.topicId, 0, 3)]);
    expect(h.events('topic_reset_detected')).toEqual([
      expect.objectContaining({ level: 'warn', topic: 'orders', partition: 0, oldTopicId: a.topicId, newTopicId: b.topicId, lastMirroredOffset: 4, msg: `Topic reset detected for orders-0 (topic ID ${a.topicId} -> ${b.topicId})` }),
    ]);
    expect(h.events('topic_reset_handling')).toEqual([
      expect.objectContaining({ level: 'info', partition: 0, startOffset: 0, msg: 'Handling topic reset for orders-0. Seeking to beginning offset 0' }),
    ]);
    expect(recovered).toMatchObject({ level: 'info', partition: 0, newTopicId: b.topicId, msg: expect.stringMatching(/^Successfully recovered from topic reset for orders-0 in \d+ ms$/) });
    // Progress: the new incarnation is recorded at its start, then at the acknowledged end (final flush at stop).
    expect(h.store.writes.filter((w) => w.topicId === b.topicId).map((w) => w.nextOffset)).toEqual([0, 3]);
    expect(await h.task.done).toEqual({ status: 'stopped' });
  });

  it('handles a reset to more partitions: partition 0 restarts at the new log start, partition 1 is added and the remote topic grows', async () => {
    h = mirrorTaskHarness();
    const a = h.kafka.source.createTopic('orders', 1, [5]);
    await h.task.start();
    await h.waitForRemote('orders', 0, 5);
    const b = h.kafka.source.recreateTopic('orders', 2, [2, 3]);
    h.clock.advance(h.settings.topicResetCheckIntervalMs); // the periodic topic-ID check finds it

    await h.waitForEvent('topic_reset_recovered');
    expect(await h.waitForRemote('orders', 1, 3)).toEqual(valuesOf(b.topicId, 0, 3));
    expect(await h.waitForRemote('orders', 0, 7)).toEqual([...valuesOf(a.topicId, 0, 5), ...valuesOf(b.topicId, 0, 2)]);
    expect(h.kafka.target.grown).toEqual(['primary.orders:2']);
    expect(h.events('topic_reset_detected')).toEqual([expect.objectContaining({ partition: 0, oldTopicId: a.topicId, newTopicId: b.topicId, lastMirroredOffset: 4 })]);
    expect(h.events('topic_reset_handling')).toEqual([expect.objectContaining({ partition: 0, startOffset: 0 })]);
    expect(h.lines.find((l) => l.msg === 'Mirroring new partition orders-1')).toMatchObject({ level: 'info', topic: 'orders', partition: 1, startOffset: 0 });
    expect(h.task.snapshot().map((s) => [s.partition, s.topicId, s.status])).toEqual([
      [0, b.topicId, 'MIRRORING'],
      [1, b.topicId, 'MIRRORING'],
    ]);
  });

  it('handles a reset to fewer partitions: the missing partition is REMOVED with a warn line and keeps its remote records', async () => {
    h = mirrorTaskHarness();
    const a = h.kafka.source.createTopic('orders', 2, [3, 4]);
    await h.task.start();
    await h.waitForRemote('orders', 0, 3);
    await h.waitForRemote('orders', 1, 4);
    const b = h.kafka.source.recreateTopic('orders', 1, [2]);
    h.clock.advance(h.settings.topicResetCheckIntervalMs);

    const removed = await h.waitForEvent('partition_removed');
    expect(removed).toMatchObject({
      level: 'warn',
      topic: 'orders',
      partition: 1,
      newTopicId: b.topicId,
      msg: 'Partition orders-1 does not exist in the recreated topic (1 partitions); its remote partition keeps the old records',
    });
    expect(await h.waitForRemote('orders', 0, 5)).toEqual([...valuesOf(a.topicId, 0, 3), ...valuesOf(b.topicId, 0, 2)]);
    expect(h.kafka.target.values('primary.orders', 1)).toEqual(valuesOf(a.topicId, 0, 4));
    expect(h.events('topic_reset_detected').map((l) => l.partition)).toEqual([0, 1]);
    expect(h.events('topic_reset_handling').map((l) => l.partition)).toEqual([0]);
    expect(h.task.snapshot().map((s) => [s.partition, s.status])).toEqual([
      [0, 'MIRRORING'],
      [1, 'REMOVED'],
    ]);
    expect(h.store.writes.some((w) => w.partition === 1 && w.topicId === b.topicId)).toBe(false);
  });

  it('detects a reset that happened while the engine was down from the progress of an older incarnation', async () => {
    h = mirrorTaskHarness();
    h.store.seed({ topic: 'orders', partition: 0, topicId: 'id-gone', nextOffset: 7 });
    const b = h.kafka.source.createTopic('orders', 1, [2]);
    await h.task.start();

    expect(h.events('topic_reset_detected')).toEqual([expect.objectContaining({ partition: 0, oldTopicId: 'id-gone', newTopicId: b.topicId, lastMirroredOffset: 6 })]);
    expect(h.events('topic_reset_handling')).toEqual([expect.objectContaining({ partition: 0, startOffset: 0 })]);
    expect(h.store.writes[0]).toMatchObject({ topic: 'orders', partition: 0, topicId: b.topicId, nextOffset: 0, remoteTopic: 'primary.orders' });
    expect(await h.waitForRemote('orders', 0, 2)).toEqual(valuesOf(b.topicId, 0, 2));
    await h.waitForEvent('topic_reset_recovered');
  });

  it('lets partitions wait while the topic is missing and resumes them when it comes back with the same topic ID', async () => {
    h = mirrorTaskHarness();
    const a = h.kafka.source.createTopic('orders', 1, [2]);
    await h.task.start();
    await h.waitForRemote('orders', 0, 2);
    h.kafka.source.topics.delete('orders');
    h.clock.advance(h.settings.topicResetCheckIntervalMs);
    expect(await h.waitForEvent('topic_missing')).toMatchObject({ level: 'warn', topic: 'orders', lastTopicId: a.topicId });
    expect(h.task.snapshot()[0]!.status).toBe('WAITING_FOR_TOPIC');

    h.kafka.source.topics.set('orders', a); // a describe that failed transiently: same incarnation
    h.kafka.source.append('orders', 0, 1);
    h.clock.advance(h.settings.truncationCheckIntervalMs); // missing topics are re-described on this interval
    expect(await h.waitForRemote('orders', 0, 3)).toEqual(valuesOf(a.topicId, 0, 3));
    expect(h.events('topic_reset_detected')).toEqual([]);
  });
});
