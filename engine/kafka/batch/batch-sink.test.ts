import { describe, expect, it } from 'vitest';
import type { BatchClient, TopicLayout } from './batch-client.ts';
import { BatchProducer } from './batch-sink.ts';
import type { ProducePartitionResult, ProduceRequestBody } from './batch-protocol.ts';
import { encodeBatch } from './batch-encoder.ts';
import { batchBytesOf, readBatchHeader } from './record-batch.ts';

/** The BatchClient calls BatchProducer makes; Metadata answers only once `openMetadata` is called. */
class FakeClient {
  readonly produced: Buffer[] = [];
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
});
