/**
 * The record-batch layer (engine/kafka/batch/, issue 16) on the real local clusters: a source topic's
 * batches — compressed by the broker with none, gzip, snappy, lz4 and zstd, holding what the record path
 * cannot mirror (null header values, timestamp 0, duplicate headers, null keys and values) — copied to a
 * target topic by Fetch v17 by topic ID and Produce of the fetched bytes, then compared: the batches'
 * bytes after the header are identical, header fields equal but the producer's, offsets equal, and the
 * records read back by librdkafka (an independent decoder) equal the source's and the produced input.
 * Also: a copy starting inside an uncompressed batch (rebuilt), inside a compressed one (record-copy
 * asked for), and read_committed over committed and aborted transactions.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH, BatchClient, copyPartition, copyRecords, crc32c, decodeRecords, encodeBatch, ISOLATION, readBatches, type BatchHeader, type BatchRecord, type CopyPartitionResult } from 'kafka-mirror-engine/testing';
import { kafkajsClient, PRIMARY, STANDBY, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { TransactionalProducer } from './transactional-producer.ts';

/** What the record path cannot mirror byte for byte: null header values and timestamp 0 (README limits), plus duplicates and nulls. */
const RECORDS: BatchRecord[] = [
  { key: Buffer.from('k0'), value: Buffer.from('v0'), headers: [['h', Buffer.from('a')], ['h', Buffer.from('b')], ['n', null]], timestamp: 0 },
  { key: null, value: Buffer.from('no key'), headers: [], timestamp: 0 },
  { key: Buffer.from('k2'), value: null, headers: [['empty', Buffer.alloc(0)]], timestamp: 1_700_000_000_000 },
  { key: Buffer.from('k3'), value: Buffer.alloc(0), headers: [['n', null], ['n', null]], timestamp: 5 },
];
/** Three produce requests: 4 + 4 + 2 records. */
const INPUT_BATCHES = [RECORDS, RECORDS.map((r) => ({ ...r, value: r.value && Buffer.from(`${r.value}-2`) })), RECORDS.slice(0, 2)];
const INPUT = INPUT_BATCHES.flat();

const source = new BatchClient({ bootstrap: PRIMARY, clientId: 'kme-batch-copy-test' });
const target = new BatchClient({ bootstrap: STANDBY, clientId: 'kme-batch-copy-test' });
const sourceAdmin = kafkajsClient(PRIMARY).admin();
const targetAdmin = kafkajsClient(STANDBY).admin();

beforeAll(async () => {
  await Promise.all([source.connect(), target.connect(), sourceAdmin.connect(), targetAdmin.connect()]);
});
afterAll(async () => {
  await Promise.all([source.close(), target.close(), sourceAdmin.disconnect(), targetAdmin.disconnect()]);
});

/** A one-partition topic; retention.ms=-1 because records with timestamp 0 fall to time retention at once. */
async function createTopic(admin: typeof sourceAdmin, prefix: string, config: Record<string, string> = {}): Promise<string> {
  const topic = uniqueTopic(prefix);
  const configEntries = Object.entries({ 'retention.ms': '-1', ...config }).map(([name, value]) => ({ name, value }));
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries }], waitForLeaders: true });
  return topic;
}

async function produceExact(topic: string, batches: BatchRecord[][]): Promise<void> {
  const [layout] = await source.metadata([topic]);
  for (const records of batches) {
    const [r] = await source.produce(layout!.partitions[0]!.leaderId, { acks: -1, timeoutMs: 30_000, topics: [{ topic, partitions: [{ partition: 0, batch: encodeBatch(records) }] }] });
    expect(r?.errorCode).toBe(0);
  }
}

/** Every batch of partition 0 of `topic` from offset 0 (read_uncommitted), as copies. */
async function allBatches(client: BatchClient, topic: string): Promise<BatchHeader[]> {
  const [layout] = await client.metadata([topic]);
  const p = layout!.partitions[0]!;
  const out: BatchHeader[] = [];
  for (let offset = 0; ; ) {
    const res = await client.fetch(p.leaderId, { maxWaitMs: 10, minBytes: 1, maxBytes: 1 << 20, isolationLevel: ISOLATION.READ_UNCOMMITTED, topics: [{ topicId: layout!.topicId, partitions: [{ partition: 0, fetchOffset: offset, currentLeaderEpoch: -1, partitionMaxBytes: 1 << 20 }] }] });
    const part = res.partitions[0]!;
    expect(part.errorCode).toBe(0);
    const batches = readBatches(copyRecords(part.records)).batches.filter((b) => b.baseOffset + b.lastOffsetDelta >= offset);
    if (batches.length === 0) return out;
    out.push(...batches);
    offset = batches[batches.length - 1]!.baseOffset + batches[batches.length - 1]!.lastOffsetDelta + 1;
  }
}

async function copyAll(sourceTopic: string, targetTopic: string, fromOffset = 0, extra: Partial<Parameters<typeof copyPartition>[0]> = {}): Promise<CopyPartitionResult> {
  const [[sourceLayout], [targetLayout]] = await Promise.all([source.metadata([sourceTopic]), target.metadata([targetTopic])]);
  const producer = await target.initProducerId();
  const hw = (await allBatches(source, sourceTopic)).reduce((m, b) => Math.max(m, b.baseOffset + b.lastOffsetDelta + 1), 0);
  return copyPartition({ source, target, sourceLayout: sourceLayout!, targetLayout: targetLayout!, partition: 0, fromOffset, toOffset: hw, producer, ...extra });
}

/** The records of partition 0 as librdkafka hands them out: offset, key, value, timestamp, headers. */
async function readWithLibrdkafka(bootstrap: string, topic: string, count: number): Promise<Message[]> {
  const consumer: KafkaConsumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': uniqueTopic('kme-batch-copy-g'), 'enable.auto.commit': false } as never, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(200);
  consumer.assign([{ topic, partition: 0, offset: 0 }]);
  const got: Message[] = [];
  try {
    await waitFor(
      async () => {
        const batch = await new Promise<Message[]>((resolve, reject) => consumer.consume(1000, (err, m) => (err ? reject(err) : resolve(m))));
        got.push(...batch);
        return got.length >= count;
      },
      { timeoutMs: 30_000, message: `${count} records from ${topic}` },
    );
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return got;
}

const comparable = (m: Message) => ({ offset: m.offset, key: m.key ?? null, value: m.value ?? null, timestamp: m.timestamp, headers: m.headers ?? [] });

describe('batch copy through engine/kafka/batch', () => {
  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('%s: batches arrive byte for byte; records, offsets, null header values and timestamp 0 intact', async (codec) => {
    const sourceTopic = await createTopic(sourceAdmin, `batch-copy-${codec}`, { 'compression.type': codec === 'none' ? 'uncompressed' : codec });
    const targetTopic = await createTopic(targetAdmin, `primary.batch-copy-${codec}`);
    await produceExact(sourceTopic, INPUT_BATCHES);

    const result = await copyAll(sourceTopic, targetTopic);
    expect(result).toMatchObject({ batches: 3, rebuiltBatches: 0, records: INPUT.length, recordCopies: [], nextOffset: INPUT.length });
    expect(result.pairs).toEqual([
      { upstreamOffset: 3, downstreamOffset: 3 },
      { upstreamOffset: 7, downstreamOffset: 7 },
      { upstreamOffset: 9, downstreamOffset: 9 },
    ]);

    const [from, to] = await Promise.all([allBatches(source, sourceTopic), allBatches(target, targetTopic)]);
    expect(to).toHaveLength(from.length);
    from.forEach((s, i) => {
      const t = to[i]!;
      expect(t.bytes.subarray(BATCH.HEADER_SIZE).equals(s.bytes.subarray(BATCH.HEADER_SIZE))).toBe(true);
      expect([t.baseOffset, t.attributes, t.lastOffsetDelta, t.baseTimestamp, t.maxTimestamp, t.recordCount]).toEqual([s.baseOffset, s.attributes, s.lastOffsetDelta, s.baseTimestamp, s.maxTimestamp, s.recordCount]);
      expect(t.producerId).not.toBe(s.producerId);
      expect(crc32c(t.bytes, BATCH.ATTRIBUTES)).toBe(t.crc);
    });
    if (codec === 'none') {
      const decoded = to.flatMap(decodeRecords);
      expect(decoded.map(({ offset: _, ...r }) => r)).toEqual(INPUT);
      expect(decoded.map((r) => r.offset)).toEqual(INPUT.map((_, i) => i));
    }

    const [srcRecords, dstRecords] = await Promise.all([readWithLibrdkafka(PRIMARY, sourceTopic, INPUT.length), readWithLibrdkafka(STANDBY, targetTopic, INPUT.length)]);
    expect(dstRecords.map(comparable)).toEqual(srcRecords.map(comparable));
    expect(dstRecords.map((m) => [m.offset, m.key ?? null, m.value ?? null, m.timestamp])).toEqual(INPUT.map((r, i) => [i, r.key, r.value === null ? null : r.value, r.timestamp]));
  });

  it('a copy that starts inside an uncompressed batch rebuilds that batch from the start offset on', async () => {
    const sourceTopic = await createTopic(sourceAdmin, 'batch-copy-straddle');
    const targetTopic = await createTopic(targetAdmin, 'primary.batch-copy-straddle');
    await produceExact(sourceTopic, INPUT_BATCHES);
    const result = await copyAll(sourceTopic, targetTopic, 2);
    expect(result).toMatchObject({ batches: 3, rebuiltBatches: 1, records: INPUT.length - 2, nextOffset: INPUT.length });
    expect(result.pairs[0]).toEqual({ upstreamOffset: 3, downstreamOffset: 1 });
    const decoded = (await allBatches(target, targetTopic)).flatMap(decodeRecords);
    expect(decoded.map(({ offset: _, ...r }) => r)).toEqual(INPUT.slice(2));
    expect(decoded.map((r) => r.offset)).toEqual(INPUT.slice(2).map((_, i) => i));
  });

  it('a copy that starts inside a compressed batch asks for a record-path copy of exactly the rest of that batch', async () => {
    const sourceTopic = await createTopic(sourceAdmin, 'batch-copy-straddle-lz4', { 'compression.type': 'lz4' });
    const targetTopic = await createTopic(targetAdmin, 'primary.batch-copy-straddle-lz4');
    await produceExact(sourceTopic, INPUT_BATCHES);
    const asked: [number, number, string[]][] = [];
    const result = await copyAll(sourceTopic, targetTopic, 2, { recordCopy: async (from, to, reasons) => void asked.push([from, to, reasons]) });
    expect(asked).toEqual([[2, 3, ['straddles-expected-offset']]]);
    expect(result).toMatchObject({ batches: 2, records: 6, recordCopies: [[2, 3]], nextOffset: INPUT.length });
    expect((await allBatches(target, targetTopic)).map((b) => b.recordCount)).toEqual([4, 2]);
  });

  it('read_committed: committed transactions arrive as idempotent batches, aborted ones and markers do not', async () => {
    const sourceTopic = await createTopic(sourceAdmin, 'batch-copy-tx');
    const targetTopic = await createTopic(targetAdmin, 'primary.batch-copy-tx');
    const tx = await new TransactionalProducer().connect();
    try {
      await tx.transaction(sourceTopic, ['c1', 'c2'], 'commit');
      await tx.transaction(sourceTopic, ['a1', 'a2', 'a3'], 'abort');
      await tx.transaction(sourceTopic, ['c3'], 'commit');
    } finally {
      await tx.disconnect();
    }
    const result = await copyAll(sourceTopic, targetTopic, 0, { readCommitted: true });
    expect(result).toMatchObject({ batches: 2, records: 3, nextOffset: 9 });
    const batches = await allBatches(target, targetTopic);
    expect(batches.map((b) => b.attributes & 0x30)).toEqual([0, 0]);
    expect(batches.flatMap(decodeRecords).map((r) => [r.offset, r.value!.toString()])).toEqual([
      [0, 'c1'],
      [1, 'c2'],
      [2, 'c3'],
    ]);
  });
});
