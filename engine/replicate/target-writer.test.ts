import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../kafka/source-consumer.ts';
import type { DeliveryHandler, TargetProducer } from '../kafka/target-producer.ts';
import { PartitionState } from '../partitions/partition-state.ts';
import { PartitionTable } from '../partitions/partition-table.ts';
import { TargetWriter } from './target-writer.ts';

const TOPIC = 'orders';
const REMOTE = 'primary.orders';
const TOPIC_ID = 'id-orders';

/** A writer over a scripted producer: produce() records what was handed over, the test delivers the reports itself. */
async function scriptedWriter(partitions: number) {
  const table = new PartitionTable();
  table.setKnownTopic(TOPIC, { name: TOPIC, topicId: TOPIC_ID, partitionCount: partitions });
  for (let p = 0; p < partitions; p++) table.add(new PartitionState({ topic: TOPIC, partition: p }, TOPIC_ID, 0, 0));
  const mirrored: [partition: number, upstream: number, downstream: number][] = [];
  const writer = new TargetWriter({
    flow: 'primary->standby',
    remoteTopic: (t) => `primary.${t}`,
    isHeartbeatsTopic: () => false,
    table,
    telemetry: { recordMirrored: () => undefined, recordHeartbeatLatency: () => undefined, recordLost: () => undefined },
    listener: { onMirrored: (s, upstream, downstream) => void mirrored.push([s.partition, upstream, downstream]) },
    clock: () => 0,
    onResetRecovered: () => undefined,
  });
  let deliver: DeliveryHandler = () => undefined;
  const producer: TargetProducer = {
    produce: () => true,
    awaitPartitions: async () => undefined,
    recordLimits: async () => ({ remoteMaxMessageBytes: 1000, producerMaxMessageBytes: 1000 }),
    awaitReports: async () => true,
    disconnect: async () => undefined,
  };
  await writer.connect(async (options) => {
    deliver = options.onDelivery;
    return producer;
  });
  return { writer, table, mirrored, deliver: (...args: Parameters<DeliveryHandler>) => deliver(...args) };
}

const record = (partition: number, offset: number): SourceRecord => ({ topic: TOPIC, partition, offset, key: null, value: Buffer.from(`${partition}:${offset}`) });

/**
 * One run: `counts[p]` records per partition produced in one interleaved batch; partition p's first
 * `acked[p]` records succeed, the rest fail. The failing partition `rejected` (if any) fails with
 * MESSAGE_TOO_LARGE (10) first, the others with ERR__PURGE_QUEUE (-152). Reports of successes come in order
 * per partition; failed reports anywhere (purged records are reported before earlier successes), except that
 * the rejected partition's rejection comes after its successes (one broker connection answers in order).
 */
const runs = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.nat()), { minLength: 1, maxLength: 4 })
  .chain((parts) => {
    const counts = parts.map(([n]) => n);
    const acked = parts.map(([n, a]) => (n === 0 ? 0 : a % (n + 1)));
    const failing = counts.flatMap((n, p) => (acked[p]! < n ? [p] : []));
    return fc.record({
      counts: fc.constant(counts),
      acked: fc.constant(acked),
      rejected: failing.length === 0 ? fc.constant(undefined) : fc.constantFrom(...failing),
      order: fc.array(fc.nat(), { minLength: 400, maxLength: 400 }),
    });
  });

describe('TargetWriter delivery matching after a failure (property, seed 7)', () => {
  it('acknowledges exactly the successful records of every partition, whatever order failed and successful reports arrive in', async () => {
    await fc.assert(
      fc.asyncProperty(runs, async ({ counts, acked, rejected, order }) => {
        const { writer, table, mirrored, deliver } = await scriptedWriter(counts.length);
        // Produce: partitions interleaved as `order` says, offsets increasing per partition.
        const next = counts.map(() => 0);
        const batch: SourceRecord[] = [];
        for (let i = 0; batch.length < counts.reduce((a, b) => a + b, 0); i++) {
          const open = counts.flatMap((n, p) => (next[p]! < n ? [p] : []));
          const p = open[order[i % order.length]! % open.length]!;
          batch.push(record(p, next[p]!++));
        }
        await writer.produceBatch(batch, new Map([[TOPIC, TOPIC_ID]]));

        // Reports: per partition, successes in order; failures as described above.
        type Report = { p: number; ok: boolean; code: number; seq: number };
        const pending: Report[][] = counts.map((n, p) => [
          ...Array.from({ length: acked[p]! }, (_, i) => ({ p, ok: true, code: 0, seq: i })),
          ...Array.from({ length: n - acked[p]! }, (_, i) => ({ p, ok: false, code: p === rejected && i === 0 ? 10 : -152, seq: acked[p]! + i })),
        ]);
        const downstream = counts.map(() => 0);
        for (let i = 0; pending.some((q) => q.length > 0); i++) {
          const open = pending.flatMap((q, p) => (q.length > 0 ? [p] : []));
          const p = open[order[i % order.length]! % open.length]!;
          const q = pending[p]!;
          // A failure (other than the rejection, which waits for the successes) may jump ahead of successes.
          const jump = q.findIndex((r) => !r.ok && r.code !== 10);
          const pick = jump >= 0 && order[(i + 1) % order.length]! % 2 === 0 ? jump : 0;
          const [r] = q.splice(pick, 1);
          if (r!.ok) deliver(null, REMOTE, p, downstream[p]!++);
          else deliver({ code: r!.code, message: r!.code === 10 ? 'Broker: Message size too large' : 'Local: Purged in queue' }, REMOTE, p, -1);
        }

        for (let p = 0; p < counts.length; p++) {
          const s = table.get(`${TOPIC}-${p}`)!;
          expect([s.ackedNextOffset, s.inFlight]).toEqual([acked[p], 0]);
          expect(mirrored.filter(([mp]) => mp === p)).toEqual(Array.from({ length: acked[p]! }, (_, i) => [p, i, i]));
        }
        const anyFailed = counts.some((n, p) => acked[p]! < n);
        expect(writer.failure !== undefined).toBe(anyFailed);
        if (rejected !== undefined) expect(writer.failure?.rejection).toMatchObject({ offset: acked[rejected], rejectedBy: 'broker', errorCode: 10, alone: false });
        expect(await writer.settle(10)).toBe(true);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('TargetWriter delivery reports out of produce order', () => {
  it('fails the producer instead of pairing an upstream offset with another record\'s downstream offset', async () => {
    const { writer, table, mirrored, deliver } = await scriptedWriter(1);
    await writer.produceBatch([0, 1, 2, 3].map((o) => record(0, o)), new Map([[TOPIC, TOPIC_ID]]));
    deliver(null, REMOTE, 0, 10);
    deliver(null, REMOTE, 0, 12); // records 2 and 3 reported before 1 (two threads served the reports)
    deliver(null, REMOTE, 0, 11);
    expect(mirrored).toEqual([[0, 0, 10], [0, 1, 12]]);
    expect(table.get(`${TOPIC}-0`)!.ackedNextOffset).toBe(2);
    expect(writer.failure?.deliveryError().message).toBe('delivery report for primary.orders-0: delivery report at offset 11 after one at 12: reports out of produce order');
  });
});
