import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, RecordRejectedError } from '../core/errors.ts';
import { parseMirrorConfig } from '../config/config.ts';
import { waitFor } from '../../testkit/wait-for.ts';
import type { MirrorTaskSettings } from './mirror-task.ts';
import type { FakeKafkaOptions } from './fakes/fake-kafka.ts';
import { mirrorTaskHarness, valuesOf, type MirrorTaskHarness } from './fakes/mirror-task-harness.ts';

/**
 * A record the target rejects (DESIGN.md invariant 7, issue 12 item 1) with the fakes of the client ports:
 * the fake producer models librdkafka's size checks and its gap-less guarantee (engine/replicate/fakes/fake-kafka.ts).
 * Record values are `<topicId>:<offset>`; large ones are padded with `#`.
 */
describe('MirrorTask: a record the target rejects (fakes, no broker)', () => {
  let h: MirrorTaskHarness | undefined;
  afterEach(async () => {
    await h?.task.stop();
    h = undefined;
  });

  const REMOTE = 'primary.orders';
  const unpadded = (values: readonly string[]) => values.map((v) => v.replace(/#+$/, ''));

  /**
   * `orders` with 3 partitions: 0 and 2 get 5 small records; partition 1 gets 2 small ones, `large`
   * records of 2000 bytes, then 2 small ones. The remote topic takes 1000 bytes per message.
   */
  async function scenario(settings: Partial<MirrorTaskSettings>, kafka: FakeKafkaOptions, large = 1): Promise<{ harness: MirrorTaskHarness; topicId: string }> {
    const harness = mirrorTaskHarness({ settings, kafka });
    const t = harness.kafka.source.createTopic('orders', 3, [5, 2, 5]);
    harness.kafka.source.append('orders', 1, large, 2000);
    harness.kafka.source.append('orders', 1, 2);
    harness.kafka.target.topics.set(REMOTE, [[], [], []]);
    harness.kafka.target.maxMessageBytes.set(REMOTE, 1000);
    await harness.task.start();
    return { harness, topicId: t.topicId };
  }

  /** Every partition's stored progress equals what its remote partition holds: progress stayed exact for every partition. */
  function expectExactProgress(harness: MirrorTaskHarness, topicId: string): void {
    for (const p of [0, 1, 2]) expect(harness.store.get('orders', p, topicId)?.nextOffset, `progress of orders-${p}`).toBe(harness.kafka.target.values(REMOTE, p).length);
  }

  it('policy fail, rejected by the broker: the remote partition keeps exactly the records before it, RecordRejectedError names the record and both limits, progress exact everywhere', async () => {
    const { harness, topicId } = await scenario({}, { producerMaxMessageBytes: 10_000, batchBytes: 1000 });
    h = harness;
    const outcome = await harness.task.done;

    expect(harness.kafka.target.values(REMOTE, 1)).toEqual(valuesOf(topicId, 0, 2)); // a prefix: nothing after the rejected record
    expect(outcome.status).toBe('failed');
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(RecordRejectedError);
    expect(error).toMatchObject({
      code: 'RECORD_REJECTED', flow: 'primary->standby', topic: 'orders', partition: 1, offset: 2, bytes: 2002, remoteTopic: REMOTE,
      rejectedBy: 'broker', errorCode: 10, error: 'Broker: Message size too large', remoteMaxMessageBytes: 1000, producerMaxMessageBytes: 10_000,
    });
    const message = (error as Error).message;
    expect(message).toContain('record orders-1@2 (2002 bytes of key and value) for primary.orders-1: Broker: Message size too large');
    expect(message).toContain('remote topic primary.orders max.message.bytes = 1000, target producer message.max.bytes = 10000');
    expect(message).toContain('Raise max.message.bytes on primary.orders and standby.producer.max.request.size');
    expect(harness.events('record_rejected')).toEqual([expect.objectContaining({ level: 'error', topic: 'orders', partition: 1, offset: 2, bytes: 2002, policy: 'fail' })]);
    // Partition 0 was written before the rejection, partition 2 purged after it: progress says exactly that.
    expect(harness.kafka.target.values(REMOTE, 0)).toEqual(valuesOf(topicId, 0, 5));
    expectExactProgress(harness, topicId);
    expect(harness.store.get('orders', 1, topicId)?.gaps).toEqual([]);
  });

  it('policy fail, refused by the producer (its message.max.bytes): the same prefix, rejectedBy producer', async () => {
    const { harness, topicId } = await scenario({}, { producerMaxMessageBytes: 1000 });
    h = harness;
    const outcome = await harness.task.done;

    expect(harness.kafka.target.values(REMOTE, 1)).toEqual(valuesOf(topicId, 0, 2));
    expect((outcome as { error: unknown }).error).toMatchObject({ code: 'RECORD_REJECTED', partition: 1, offset: 2, rejectedBy: 'producer', producerMaxMessageBytes: 1000 });
    expect((outcome as { error: Error }).error.message).toContain('The target producer refused record orders-1@2');
    expectExactProgress(harness, topicId);
  });

  it('policy skip, rejected by the broker: each large record is sent alone, rejected again, skipped as a gap; everything else arrives in order', async () => {
    const { harness, topicId } = await scenario({ recordRejectedPolicy: 'skip' }, { producerMaxMessageBytes: 10_000, batchBytes: 1000 }, 2);
    h = harness;
    const remote1 = await harness.waitForRemote('orders', 1, 4);
    await harness.task.stop();

    expect(unpadded(remote1)).toEqual([...valuesOf(topicId, 0, 2), ...valuesOf(topicId, 4, 2)]);
    expect(harness.kafka.target.values(REMOTE, 0)).toEqual(valuesOf(topicId, 0, 5));
    expect(harness.kafka.target.values(REMOTE, 2)).toEqual(valuesOf(topicId, 0, 5));
    expect(harness.events('record_rejected_isolating').map((l) => l.offset)).toEqual([2, 3]);
    expect(harness.events('record_rejected_skipped')).toEqual([
      expect.objectContaining({ level: 'error', topic: 'orders', partition: 1, offset: 2, bytes: 2002, policy: 'skip', errorCode: 10, remoteMaxMessageBytes: 1000 }),
      expect.objectContaining({ level: 'error', topic: 'orders', partition: 1, offset: 3, bytes: 2002, policy: 'skip' }),
    ]);
    const gap = (offset: number) => ({ expectedOffset: offset, logStartOffset: offset + 1, gap: 1, reason: 'record-rejected', acknowledgedBy: 'record-rejected-policy', bytes: 2002, error: 'Broker: Message size too large' });
    expect(harness.store.get('orders', 1, topicId)).toMatchObject({ nextOffset: 6, gaps: [expect.objectContaining(gap(2)), expect.objectContaining(gap(3))] });
    expect(harness.task.failed).toBeUndefined();
    expect(harness.kafka.producersCreated).toBe(5); // replaced after each fatal rejection
  });

  it('policy skip never skips a record the target would take: a rejected batch of several records is resent record by record', async () => {
    // batch.size above the remote limit: the large record shares its request with good ones.
    const { harness, topicId } = await scenario({ recordRejectedPolicy: 'skip' }, { producerMaxMessageBytes: 10_000, batchBytes: 100_000 });
    h = harness;
    const remote1 = await harness.waitForRemote('orders', 1, 4);
    await harness.task.stop();

    expect(unpadded(remote1)).toEqual([...valuesOf(topicId, 0, 2), ...valuesOf(topicId, 3, 2)]);
    expect(harness.events('record_rejected_skipped').map((l) => l.offset)).toEqual([2]);
    expect(harness.store.get('orders', 1, topicId)?.gaps.map((g) => g.expectedOffset)).toEqual([2]);
    for (const p of [0, 2]) expect(harness.kafka.target.values(REMOTE, p)).toEqual(valuesOf(topicId, 0, 5));
  });

  it('policy skip, refused by the producer: skipped at once (checked alone), the producer is kept', async () => {
    const { harness, topicId } = await scenario({ recordRejectedPolicy: 'skip' }, { producerMaxMessageBytes: 1000 });
    h = harness;
    const remote1 = await harness.waitForRemote('orders', 1, 4);
    await harness.task.stop();

    expect(remote1).toEqual([...valuesOf(topicId, 0, 2), ...valuesOf(topicId, 3, 2)]);
    expect(harness.events('record_rejected_isolating')).toEqual([]);
    expect(harness.events('record_rejected_skipped')).toEqual([expect.objectContaining({ offset: 2, rejectedBy: 'producer', producerMaxMessageBytes: 1000 })]);
    expect(harness.kafka.producersCreated).toBe(1);
    expect(harness.store.get('orders', 1, topicId)).toMatchObject({ nextOffset: 5, gaps: [expect.objectContaining({ expectedOffset: 2, logStartOffset: 3, reason: 'record-rejected' })] });
  });
});

describe('MirrorTask: a remote topic with fewer partitions than its source (fakes)', () => {
  it('grows it at start and waits until the producer knows the new partitions before mirroring to them', async () => {
    const h = mirrorTaskHarness();
    const t = h.kafka.source.createTopic('orders', 3, [2, 2, 2]);
    h.kafka.target.topics.set(REMOTE_OF_ORDERS, [[]]); // pre-existing, 1 partition: the producer's metadata says 1
    try {
      await h.task.start();
      const all = () => [0, 1, 2].every((p) => h.kafka.target.values(REMOTE_OF_ORDERS, p).length >= 2);
      await waitFor(() => h.task.failed ?? all(), { timeoutMs: 4000, intervalMs: 5, message: 'every record mirrored, or the task failed' });
      expect(h.task.failed?.message).toBeUndefined(); // before the fix: "Local: Unknown partition primary.orders-1"
      for (const p of [0, 1, 2]) expect(h.kafka.target.values(REMOTE_OF_ORDERS, p)).toEqual(valuesOf(t.topicId, 0, 2));
      expect(h.kafka.target.grown).toEqual([`${REMOTE_OF_ORDERS}:3`]);
      expect(h.lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    } finally {
      await h.task.stop();
    }
  });
});

const REMOTE_OF_ORDERS = 'primary.orders';

describe('record.rejected.policy (config key, ours)', () => {
  const base = ['clusters = primary, standby', 'primary.bootstrap.servers = 127.0.0.1:1', 'standby.bootstrap.servers = 127.0.0.1:2', 'primary->standby.enabled = true'];
  const policy = (...lines: string[]) => parseMirrorConfig([...base, ...lines].join('\n'), { env: {} }).config.flows[0]!.recordRejectedPolicy;

  it('defaults to fail; skip at the top level or per flow (trimmed, any case)', () => {
    expect(policy()).toBe('fail');
    expect(policy('record.rejected.policy = skip')).toBe('skip');
    expect(policy('record.rejected.policy = skip', 'primary->standby.record.rejected.policy = FAIL ')).toBe('fail');
  });

  it('rejects anything else naming the key, the value and the choices', () => {
    expect(() => policy('primary->standby.record.rejected.policy = continue')).toThrow(ConfigError);
    expect(() => policy('primary->standby.record.rejected.policy = continue')).toThrow("Invalid config: 'primary->standby.record.rejected.policy' = 'continue' (expected one of fail, skip)");
  });
});
