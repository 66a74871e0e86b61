/**
 * The engine on `data.path = batches` (engine/replicate/batch-path.ts) against the real local clusters,
 * whatever KME_DATA_PATH says:
 * - byte-exact fidelity: null header values and timestamp 0 (the record path's known limits) arrive as
 *   they were produced, and the remote batches carry the source batches' bytes after the header;
 * - source compression kept (lz4 batches stay lz4 on the target);
 * - a compressed batch that starts before the first offset to mirror (log start moved inside it by
 *   DeleteRecords) is copied from that offset through the record path, then batches again: nothing
 *   before it, nothing missing, no duplicate;
 * - exactly-once on the batch path: that record-path copy and the forwarded batches are transactional batches
 *   of one identity, committed together, each record seen once by read_committed.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchClient, ISOLATION, KafkaAdmin, copyRecords, decodeRecords, encodeBatch, readBatches, type BatchHeader, type BatchRecord } from 'kafka-mirror-engine/testing';
import { startEngine } from '../testkit/engine-harness.ts';
import { useMirrorFixture } from './mirror-fixture.ts';
import { PRIMARY, STANDBY, kafkajsClient, remoteOf, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

const f = useMirrorFixture();
const source = new BatchClient({ bootstrap: PRIMARY, clientId: 'kme-batch-path-test' });
const target = new BatchClient({ bootstrap: STANDBY, clientId: 'kme-batch-path-test' });

beforeAll(async () => {
  await Promise.all([source.connect(), target.connect()]);
});
afterAll(async () => {
  await Promise.all([source.close(), target.close()]);
});

const RECORDS: BatchRecord[] = [
  { key: Buffer.from('k0'), value: Buffer.from('v0'), headers: [['h', Buffer.from('a')], ['h', Buffer.from('b')], ['n', null]], timestamp: 0 },
  { key: null, value: Buffer.from('no key'), headers: [], timestamp: 0 },
  { key: Buffer.from('k2'), value: null, headers: [['empty', Buffer.alloc(0)]], timestamp: 1_700_000_000_000 },
  { key: Buffer.from('k3'), value: Buffer.alloc(0), headers: [['n', null], ['n', null]], timestamp: 5 },
];

/** A one-partition source topic; retention.ms=-1 because records with timestamp 0 fall to time retention at once. */
async function createTopic(prefix: string, config: Record<string, string> = {}): Promise<string> {
  const topic = uniqueTopic(prefix);
  f.topics.push(topic);
  const admin = kafkajsClient(PRIMARY).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: Object.entries({ 'retention.ms': '-1', ...config }).map(([name, value]) => ({ name, value })) }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/** Every batch of partition 0 of `topic` (read_uncommitted), as copies. */
async function allBatches(client: BatchClient, topic: string): Promise<BatchHeader[]> {
  const [layout] = await client.metadata([topic]);
  const out: BatchHeader[] = [];
  for (let offset = 0; ; ) {
    const res = await client.fetch(layout!.partitions[0]!.leaderId, { maxWaitMs: 10, minBytes: 1, maxBytes: 1 << 20, isolationLevel: ISOLATION.READ_UNCOMMITTED, topics: [{ topicId: layout!.topicId, partitions: [{ partition: 0, fetchOffset: offset, currentLeaderEpoch: -1, partitionMaxBytes: 1 << 20 }] }] });
    const batches = readBatches(copyRecords(res.partitions[0]!.records)).batches.filter((b) => b.baseOffset + b.lastOffsetDelta >= offset);
    if (batches.length === 0) return out;
    out.push(...batches);
    offset = batches.at(-1)!.baseOffset + batches.at(-1)!.lastOffsetDelta + 1;
  }
}

async function produceRdkafka(topic: string, count: number, codec: string): Promise<void> {
  const p = new Kafka.Producer({ 'bootstrap.servers': PRIMARY, 'compression.codec': codec, 'linger.ms': 50, 'enable.idempotence': true, dr_cb: true } as never);
  await new Promise<void>((resolve, reject) => p.connect({}, (err) => (err ? reject(err) : resolve())));
  let reported = 0;
  p.on('delivery-report', () => reported++);
  p.setPollInterval(10);
  for (let i = 0; i < count; i++) p.produce(topic, 0, Buffer.from(`value-${i}-${'x'.repeat(200)}`), Buffer.from(`key-${i}`), Date.now());
  await new Promise<void>((resolve) => p.flush(10_000, () => resolve()));
  while (reported < count) await new Promise((r) => setTimeout(r, 10));
  await new Promise<void>((resolve) => p.disconnect(() => resolve()));
}

/** The values of partition 0 as librdkafka reads them (kafkajs has no lz4 codec). */
async function readValues(bootstrap: string, topic: string, count: number): Promise<string[]> {
  const consumer: KafkaConsumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': uniqueTopic('kme-batch-path-g'), 'enable.auto.commit': false } as never, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(200);
  consumer.assign([{ topic, partition: 0, offset: 0 }]);
  const got: Message[] = [];
  try {
    await waitFor(async () => {
      got.push(...(await new Promise<Message[]>((resolve, reject) => consumer.consume(1000, (err, m) => (err ? reject(err) : resolve(m))))));
      return got.length >= count || undefined;
    }, { timeoutMs: 30_000, message: `${count} records from ${topic}` });
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return got.map((m) => String(m.value));
}

const exact = (r: { key: Buffer | null; value: Buffer | null; headers: [string, Buffer | null][]; timestamp: number }) => ({
  key: r.key?.toString('hex') ?? null, value: r.value?.toString('hex') ?? null, timestamp: r.timestamp, headers: r.headers.map(([k, v]) => [k, v?.toString('hex') ?? null]),
});

describe('data.path = batches (engine)', () => {
  it('mirrors null header values and timestamp 0 byte for byte; two small uncompressed batches fetched together go out as one', async () => {
    const topic = await createTopic('kme-bp-exact');
    const [layout] = await source.metadata([topic]);
    for (const batch of [RECORDS, RECORDS.slice(1)]) {
      const [r] = await source.produce(layout!.partitions[0]!.leaderId, { acks: -1, timeoutMs: 30_000, topics: [{ topic, partitions: [{ partition: 0, batch: encodeBatch(batch) }] }] });
      expect(r?.errorCode).toBe(0);
    }
    const engine = await startEngine(topic, { 'data.path': 'batches' });
    f.engines.push(engine);
    await f.target.waitForHighWatermarks(remoteOf(topic), (hw) => hw.get(0) === 7, `${remoteOf(topic)} to hold 7 records`);
    const [src, dst] = await Promise.all([allBatches(source, topic), allBatches(target, remoteOf(topic))]);
    expect(dst.flatMap(decodeRecords).map(exact)).toEqual([...RECORDS, ...RECORDS.slice(1)].map(exact));
    // Both source batches came in one fetch answer: merged into one batch (one Produce), records unchanged.
    expect([src.length, dst.length, dst[0]!.recordCount, dst[0]!.attributes & 7]).toEqual([2, 1, 7, 0]);
    expect(engine.logs.find((l) => l.msg?.toString().includes('started') && l.dataPath === 'batches')).toBeDefined();
  });

  it('keeps the source compression (lz4) and copies a compressed batch that starts before the log start through the record path, then batches again', async () => {
    const topic = await createTopic('kme-bp-lz4');
    await produceRdkafka(topic, 300, 'lz4');
    const before = await allBatches(source, topic);
    expect(before.every((b) => (b.attributes & 7) === 3)).toBe(true);
    // Log start inside the first batch: the engine starts there (no progress yet), in the middle of a compressed batch.
    const first = before[0]!;
    expect(first.recordCount).toBeGreaterThan(2);
    const cut = first.baseOffset + 1;
    const admin = new KafkaAdmin({ 'bootstrap.servers': PRIMARY, 'client.id': 'kme-test-delete-records' });
    try {
      expect(await admin.deleteRecordsBefore({ topic, partition: 0 }, cut)).toBe(cut);
    } finally {
      admin.close();
    }
    const engine = await startEngine(topic, { 'data.path': 'batches' });
    f.engines.push(engine);
    await f.target.waitForHighWatermarks(remoteOf(topic), (hw) => hw.get(0) === 300 - cut, `${remoteOf(topic)} to hold ${300 - cut} records`);
    await produceRdkafka(topic, 50, 'lz4');
    await f.target.waitForHighWatermarks(remoteOf(topic), (hw) => hw.get(0) === 350 - cut, `${remoteOf(topic)} to hold ${350 - cut} records`);
    const values = (await readValues(STANDBY, remoteOf(topic), 350 - cut)).map((v) => v.split('-').slice(0, 2).join('-'));
    expect(values).toEqual([...Array.from({ length: 300 - cut }, (_, i) => `value-${i + cut}`), ...Array.from({ length: 50 }, (_, i) => `value-${i}`)]);
    const dst = await allBatches(target, remoteOf(topic));
    // The batches after the copied one are the source's lz4 batches, forwarded.
    expect(dst.slice(-1).every((b) => (b.attributes & 7) === 3)).toBe(true);
  });

  it('exactly-once: the records copied through the record path and the forwarded lz4 batches commit in the same transactions; read_committed sees each record once', async () => {
    const topic = await createTopic('kme-bp-eos');
    await produceRdkafka(topic, 300, 'lz4');
    const cut = (await allBatches(source, topic))[0]!.baseOffset + 1;
    const admin = new KafkaAdmin({ 'bootstrap.servers': PRIMARY, 'client.id': 'kme-test-delete-records' });
    try {
      expect(await admin.deleteRecordsBefore({ topic, partition: 0 }, cut)).toBe(cut);
    } finally {
      admin.close();
    }
    const engine = await startEngine(topic, { 'data.path': 'batches', 'exactly.once.source.support': 'enabled', 'offset-syncs.topic.location': 'target' });
    f.engines.push(engine);
    const expected = [...Array.from({ length: 300 - cut }, (_, i) => `value-${i + cut}`), ...Array.from({ length: 50 }, (_, i) => `value-${i}`)];
    await readValues(STANDBY, remoteOf(topic), 300 - cut); // read_committed (librdkafka's default)
    await produceRdkafka(topic, 50, 'lz4');
    const values = (await readValues(STANDBY, remoteOf(topic), 350 - cut)).map((v) => v.split('-').slice(0, 2).join('-'));
    expect(values).toEqual(expected);
    const dst = await allBatches(target, remoteOf(topic));
    const data = dst.filter((b) => (b.attributes & 0x20) === 0);
    // Every data batch is transactional: the record-copied (uncompressed) ones and the forwarded lz4 ones; commit markers end them.
    expect(data.every((b) => (b.attributes & 0x10) !== 0)).toBe(true);
    expect(data.some((b) => (b.attributes & 7) === 0) && data.some((b) => (b.attributes & 7) === 3)).toBe(true);
    expect(dst.some((b) => (b.attributes & 0x20) !== 0)).toBe(true);
    expect(engine.logs.filter((l) => l.event === 'transaction_aborted' || l.event === 'data_path_records')).toEqual([]);
  });
});
