import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchClient, TopicLayout } from './batch-client.ts';
import { BatchProducer } from './batch-sink.ts';
import type { ProducePartitionResult, ProduceRequestBody } from './batch-protocol.ts';
import { encodeBatch } from './batch-encoder.ts';
import { batchBytesOf, isTransactionalBatch, readBatchHeader } from './record-batch.ts';
import type { TxnIdentity } from './batch-transactions.ts';
import { ClientTxnProtocol } from './txn-protocol.ts';

/** The BatchClient calls BatchProducer makes; Metadata answers only once `openMetadata` is called. */
class FakeClient {
  readonly produced: Buffer[] = [];
  readonly transactionalIds: (string | null | undefined)[] = [];
  openMetadata: () => void = () => undefined;
  private producerId = 100;
  private readonly metadataGate = new Promise<void>((r) => (this.openMetadata = r));
  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  async initProducerId(): Promise<{ producerId: number; producerEpoch: number }> {
    return { producerId: ++this.producerId, producerEpoch: 0 };
  }
  async metadata(topics: readonly string[]): Promise<TopicLayout[]> {
    await this.metadataGate;
    return topics.map((topic) => ({ topic, topicId: '00000000-0000-0000-0000-000000000001', partitions: [{ partition: 0, leaderId: 1, leaderEpoch: 0 }] }));
  }
  async connection(): Promise<object> {
    return {};
  }
  async produceOn(_connection: unknown, body: ProduceRequestBody): Promise<ProducePartitionResult[]> {
    const { topic, partitions } = body.topics[0]!;
    const batch = partitions[0]!.batch;
    this.produced.push(Buffer.isBuffer(batch) ? Buffer.from(batch) : Buffer.concat(batch.chunks));
    this.transactionalIds.push(body.transactionalId);
    return [{ topic, partition: 0, errorCode: 0, baseOffset: 0, logStartOffset: 0, errorMessage: null }];
  }
  dropConnection(): void {}
}

describe('BatchProducer', () => {
  it('signs a batch with the identity it was numbered under, even when a new identity was taken before the request was written', async () => {
    const client = new FakeClient();
    const sink = new BatchProducer(client as unknown as BatchClient);
    await sink.connect();
    const first = sink.identity;
    const batch = encodeBatch([{ key: null, value: Buffer.from('v'), headers: [], timestamp: 1 }], { baseOffset: 0 });
    const response = sink.send('primary.orders', 0, batchBytesOf(batch), { producerId: first.producerId, producerEpoch: first.producerEpoch, baseSequence: 7 });
    await sink.reinit(); // another partition's OUT_OF_ORDER_SEQUENCE_NUMBER, while this request waits for the leader
    expect(sink.identity).toMatchObject({ producerId: first.producerId + 1, generation: 2 });
    client.openMetadata();
    expect((await response).errorCode).toBe(0);
    const h = readBatchHeader(client.produced[0]!);
    expect([h.producerId, h.producerEpoch, h.baseSequence]).toEqual([first.producerId, first.producerEpoch, 7]);
  });

  describe('transactional (exactly-once)', () => {
    afterEach(() => vi.restoreAllMocks());

    /** A transactional BatchProducer whose coordinator answers InitProducerId with epochs 0, 1, … and records AddPartitionsToTxn. */
    function transactional() {
      let epoch = -1;
      const enlisted: TxnIdentity[] = [];
      vi.spyOn(ClientTxnProtocol.prototype, 'initProducerId').mockImplementation(async () => ({ errorCode: 0, producerId: 900, producerEpoch: ++epoch }));
      vi.spyOn(ClientTxnProtocol.prototype, 'addPartitions').mockImplementation(async (t) => (enlisted.push({ ...t }), 0));
      const client = new FakeClient();
      const sink = new BatchProducer(client as unknown as BatchClient, { transactionalId: 'tx-1', transactionTimeoutMs: 60_000 });
      return { client, sink, enlisted };
    }

    it('adds the partition to the transaction of the identity the batch is stamped with, and writes it as a transactional batch', async () => {
      const { client, sink, enlisted } = transactional();
      await sink.connect();
      const { producerId, producerEpoch } = sink.identity;
      const batch = encodeBatch([{ key: null, value: Buffer.from('v'), headers: [], timestamp: 1 }], { baseOffset: 0 });
      client.openMetadata();
      expect((await sink.send('primary.orders', 0, batchBytesOf(batch), { producerId, producerEpoch, baseSequence: 3 })).errorCode).toBe(0);
      expect(enlisted).toEqual([{ transactionalId: 'tx-1', producerId: 900, producerEpoch: 0 }]);
      const h = readBatchHeader(client.produced[0]!);
      expect([h.producerId, h.producerEpoch, h.baseSequence, isTransactionalBatch(h)]).toEqual([900, 0, 3, true]);
      expect(client.transactionalIds).toEqual(['tx-1']);
    });

    it('a batch numbered under an epoch replaced before its request was written is answered INVALID_PRODUCER_EPOCH, neither enlisted nor written under the new epoch', async () => {
      const { client, sink, enlisted } = transactional();
      await sink.connect();
      const { producerId, producerEpoch } = sink.identity;
      const batch = encodeBatch([{ key: null, value: Buffer.from('v'), headers: [], timestamp: 1 }], { baseOffset: 0 });
      const response = sink.send('primary.orders', 0, batchBytesOf(batch), { producerId, producerEpoch, baseSequence: 7 });
      await sink.reinit(true); // a new epoch while the request waits for the leader
      client.openMetadata();
      expect((await response).errorCode).toBe(47);
      expect(enlisted).toEqual([]);
      expect(client.produced).toEqual([]);
      expect(sink.transactions!.doomed).toBeUndefined(); // the new epoch's transaction holds nothing of it
    });
  });
});
