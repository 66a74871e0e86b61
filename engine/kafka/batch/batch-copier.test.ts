import { describe, expect, it } from 'vitest';
import { copyPartition, type CopyPartitionOptions } from './batch-copier.ts';
import type { TopicLayout } from './batch-client.ts';
import type { FetchRequestBody, FetchResult, ProducePartitionResult, ProduceRequestBody } from './batch-protocol.ts';
import { loadFixture, type BatchFixture } from './fixtures/load-fixture.ts';
import { readBatches, readBatchHeader, type BatchHeader } from './record-batch.ts';

const sourceLayout: TopicLayout = { topic: 'commit-log', topicId: 'src-id', partitions: [{ partition: 0, leaderId: 1, leaderEpoch: 3 }] };
const targetLayout: TopicLayout = { topic: 'primary.commit-log', topicId: 'dst-id', partitions: [{ partition: 0, leaderId: 7, leaderEpoch: 0 }] };

/** A source that answers every fetch with the fixture's batches from the fetch offset on (as a broker does: whole batches, the one containing the offset first). */
function fakeSource(f: BatchFixture): Pick<CopyPartitionOptions['source'], 'fetch'> & { fetches: FetchRequestBody[] } {
  const batches = readBatches(f.records).batches;
  const fetches: FetchRequestBody[] = [];
  return {
    fetches,
    async fetch(_nodeId: number, body: FetchRequestBody): Promise<FetchResult> {
      fetches.push(body);
      const offset = body.topics[0]!.partitions[0]!.fetchOffset;
      const from = batches.filter((b) => b.baseOffset + b.lastOffsetDelta >= offset);
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        partitions: [{ topicId: 'src-id', partition: 0, errorCode: 0, highWatermark: f.highWatermark, lastStableOffset: f.lastStableOffset, logStartOffset: 0, abortedTransactions: f.abortedTransactions, records: Buffer.concat(from.map((b) => b.bytes)) }],
      };
    },
  };
}

/** A target that appends every produced batch at its log end, or answers `errorFor(n)` for the n-th produce. */
function fakeTarget(options: { baseOffsetShift?: number; errorCode?: (n: number) => number } = {}) {
  const produced: BatchHeader[] = [];
  let logEnd = 0;
  return {
    produced,
    async produce(nodeId: number, body: ProduceRequestBody): Promise<ProducePartitionResult[]> {
      expect(nodeId).toBe(7);
      const { partition, batch } = body.topics[0]!.partitions[0]!;
      const h = readBatchHeader(Buffer.isBuffer(batch) ? Buffer.from(batch) : Buffer.concat(batch.chunks));
      const errorCode = options.errorCode?.(produced.length) ?? 0;
      if (errorCode !== 0) return [{ topic: body.topics[0]!.topic, partition, errorCode, baseOffset: -1, logStartOffset: 0, errorMessage: 'nope' }];
      produced.push(h);
      const baseOffset = logEnd + (produced.length === 2 ? (options.baseOffsetShift ?? 0) : 0);
      logEnd = baseOffset + h.recordCount;
      return [{ topic: body.topics[0]!.topic, partition, errorCode: 0, baseOffset, logStartOffset: 0, errorMessage: null }];
    },
  };
}

const producer = { producerId: 42, producerEpoch: 1 };

describe('copyPartition (fakes)', () => {
  it('produces every batch once, in order, re-signed with consecutive sequences, and returns exact offset pairs', async () => {
    const f = loadFixture('rdkafka-lz4');
    const target = fakeTarget();
    const result = await copyPartition({ source: fakeSource(f), target, sourceLayout, targetLayout, partition: 0, fromOffset: 0, toOffset: f.highWatermark, producer });
    expect(target.produced.map((h) => [h.producerId, h.producerEpoch, h.baseSequence, h.baseOffset])).toEqual([
      [42, 1, 0, 0],
      [42, 1, 3, 0],
    ]);
    expect(result).toMatchObject({ batches: 2, rebuiltBatches: 0, records: 6, nextOffset: 6, recordCopies: [] });
    expect(result.pairs).toEqual([
      { upstreamOffset: 2, downstreamOffset: 2 },
      { upstreamOffset: 5, downstreamOffset: 5 },
    ]);
  });

  it('fetches by topic ID with the known leader epoch, from the expected offset', async () => {
    const f = loadFixture('rdkafka-none');
    const source = fakeSource(f);
    await copyPartition({ source, target: fakeTarget(), sourceLayout, targetLayout, partition: 0, fromOffset: 3, toOffset: f.highWatermark, producer });
    expect(source.fetches[0]!.topics).toEqual([{ topicId: 'src-id', partitions: [expect.objectContaining({ partition: 0, fetchOffset: 3, currentLeaderEpoch: 3 })] }]);
  });

  it('read_committed: skips aborted batches and markers, and stops at the last stable offset', async () => {
    const f = loadFixture('transactions');
    const target = fakeTarget();
    const result = await copyPartition({ source: fakeSource(f), target, sourceLayout, targetLayout, partition: 0, fromOffset: 0, toOffset: f.highWatermark, producer, readCommitted: true });
    expect(target.produced.map((h) => [h.recordCount, h.attributes & 0x30])).toEqual([
      [2, 0],
      [1, 0],
    ]);
    expect(result).toMatchObject({ records: 3, nextOffset: 8 });
  });

  it('drains the produces in flight before a record-path copy, and hands it the exact range', async () => {
    const f = loadFixture('rdkafka-zstd');
    const target = fakeTarget();
    const calls: string[] = [];
    const result = await copyPartition({
      source: fakeSource(f),
      target,
      sourceLayout,
      targetLayout,
      partition: 0,
      fromOffset: 1,
      toOffset: f.highWatermark,
      producer,
      recordCopy: async (from, to) => void calls.push(`${from}-${to} after ${target.produced.length} produced`),
    });
    expect(calls).toEqual(['1-2 after 0 produced']);
    expect(result).toMatchObject({ batches: 1, recordCopies: [[1, 2]], nextOffset: 6 });
  });

  it('without a record-path copier, a compressed straddling batch stops the copy with the reason', async () => {
    const f = loadFixture('rdkafka-gzip');
    await expect(copyPartition({ source: fakeSource(f), target: fakeTarget(), sourceLayout, targetLayout, partition: 0, fromOffset: 1, toOffset: 6, producer })).rejects.toThrow(/needs a record-path copy \(straddles-expected-offset\)/);
  });

  it('fails loudly when the target assigns offsets out of sequence (a hole or an overlap on the target)', async () => {
    const f = loadFixture('rdkafka-none');
    await expect(copyPartition({ source: fakeSource(f), target: fakeTarget({ baseOffsetShift: 1 }), sourceLayout, targetLayout, partition: 0, fromOffset: 0, toOffset: 6, producer })).rejects.toMatchObject({
      code: 'DELIVERY_FAILED',
      message: expect.stringContaining('acknowledged at 4, expected 3'),
    });
  });

  it('fails with the Kafka error code of a rejected batch', async () => {
    const f = loadFixture('rdkafka-none');
    await expect(copyPartition({ source: fakeSource(f), target: fakeTarget({ errorCode: (n) => (n === 1 ? 87 : 0) }), sourceLayout, targetLayout, partition: 0, fromOffset: 0, toOffset: 6, producer })).rejects.toThrow(/Kafka error code 87: nope/);
  });
});
