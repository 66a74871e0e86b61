/**
 * Writes the record-batch fixtures of engine/kafka/batch/ (unit tests read them; no network there):
 * raw Fetch `records` bytes of batches built by real Kafka — librdkafka producing with each compression
 * codec, the broker recompressing exact records (null header values, timestamp 0) into zstd, a
 * transactional producer's committed and aborted transactions with their markers, the log cleaner's
 * compacted batches, and a LogAppendTime topic.
 *
 *   PRIMARY_PORT=10292 STANDBY_PORT=10293 npx tsx test/generate-batch-fixtures.ts   (clusters up: npm run kafka:up)
 *
 * Not a test: run it by hand when the fixture set changes; the output is committed.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchClient, encodeBatch, ISOLATION, readBatches, type BatchRecord, type FetchPartitionResult } from 'kafka-mirror-engine/testing';
import { kafkajsClient, PRIMARY, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { TransactionalProducer } from './transactional-producer.ts';

const OUT = join(import.meta.dirname, '..', 'engine', 'kafka', 'batch', 'fixtures');

/** The records every exact-data fixture carries: null key/value/header value, duplicate headers, timestamp 0. */
export const EXACT_RECORDS: BatchRecord[] = [
  { key: Buffer.from('k0'), value: Buffer.from('v0'), headers: [['h', Buffer.from('a')], ['h', Buffer.from('b')], ['n', null]], timestamp: 0 },
  { key: null, value: Buffer.from('no key'), headers: [], timestamp: 1 },
  { key: Buffer.from('k2'), value: null, headers: [['empty', Buffer.alloc(0)]], timestamp: 1_700_000_000_000 },
  { key: Buffer.from('k3'), value: Buffer.alloc(0), headers: [['n', null], ['n', null]], timestamp: 5 },
];

const admin = kafkajsClient(PRIMARY).admin();
const client = new BatchClient({ bootstrap: PRIMARY, clientId: 'kme-fixtures' });

/** A one-partition topic; `retention.ms=-1` because records with old timestamps (0, 2023) fall to time retention at once. */
async function createTopic(config: Record<string, string>): Promise<string> {
  const topic = uniqueTopic('fx');
  config = { 'retention.ms': '-1', ...config };
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: Object.entries(config).map(([name, value]) => ({ name, value })) }], waitForLeaders: true });
  return topic;
}

async function fetchRaw(topic: string, isolationLevel: number): Promise<FetchPartitionResult> {
  const [layout] = await client.metadata([topic]);
  const p = layout!.partitions[0]!;
  const res = await client.fetch(p.leaderId, { maxWaitMs: 100, minBytes: 1, maxBytes: 1 << 20, isolationLevel, topics: [{ topicId: layout!.topicId, partitions: [{ partition: 0, fetchOffset: 0, currentLeaderEpoch: -1, partitionMaxBytes: 1 << 20 }] }] });
  return res.partitions[0]!;
}

async function produceExact(topic: string, batches: BatchRecord[][]): Promise<void> {
  const [layout] = await client.metadata([topic]);
  for (const records of batches) {
    const [r] = await client.produce(layout!.partitions[0]!.leaderId, { acks: -1, timeoutMs: 30_000, topics: [{ topic, partitions: [{ partition: 0, batch: encodeBatch(records) }] }] });
    if (r?.errorCode !== 0) throw new Error(`produce to ${topic}: error ${r?.errorCode} ${r?.errorMessage}`);
  }
}

async function produceRdkafka(topic: string, codec: string, values: string[]): Promise<void> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': PRIMARY, 'compression.codec': codec, 'linger.ms': 50, 'enable.idempotence': true, dr_cb: true } as never);
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  let delivered = 0;
  producer.on('delivery-report', () => delivered++);
  producer.setPollInterval(10);
  values.forEach((v, i) => producer.produce(topic, 0, Buffer.from(v.repeat(20)), Buffer.from(`key-${i}`), 1_700_000_000_000 + i, null, [{ h: Buffer.from(`hv-${i}`) }]));
  await new Promise<void>((resolve, reject) => producer.flush(30_000, (err: LibrdKafkaError | null | undefined) => (err ? reject(err) : resolve())));
  await waitFor(() => delivered === values.length, { timeoutMs: 30_000, message: `${values.length} delivery reports` });
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
}

function save(name: string, description: string, p: FetchPartitionResult, extra: Record<string, unknown> = {}): void {
  const list = readBatches(p.records);
  writeFileSync(
    join(OUT, `${name}.json`),
    `${JSON.stringify({ description, highWatermark: p.highWatermark, lastStableOffset: p.lastStableOffset, logStartOffset: p.logStartOffset, abortedTransactions: p.abortedTransactions, batches: list.batches.length, records: p.records.toString('base64'), ...extra }, null, 2)}\n`,
  );
  console.log(`${name}: ${list.batches.length} batches, ${p.records.length} bytes, error ${p.errorCode}, high watermark ${p.highWatermark}`);
}

async function main(): Promise<void> {
  await admin.connect();
  await client.connect();
  const values = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    const topic = await createTopic({});
    await produceRdkafka(topic, codec, values.slice(0, 3));
    await produceRdkafka(topic, codec, values.slice(3));
    save(`rdkafka-${codec}`, `librdkafka (idempotent, compression.codec=${codec}), two produce calls of 3 records each: key-i, value repeated 20 times, header h=hv-i, timestamps 1700000000000+i`, await fetchRaw(topic, ISOLATION.READ_UNCOMMITTED));
  }

  const zstdTopic = await createTopic({ 'compression.type': 'zstd' });
  await produceExact(zstdTopic, [EXACT_RECORDS, EXACT_RECORDS.slice(0, 2)]);
  save('broker-zstd-exact', 'EXACT_RECORDS then its first two, produced uncompressed, recompressed by the broker (topic compression.type=zstd)', await fetchRaw(zstdTopic, ISOLATION.READ_UNCOMMITTED));

  const txTopic = await createTopic({});
  const tx = await new TransactionalProducer().connect();
  await tx.transaction(txTopic, ['c1', 'c2'], 'commit');
  await tx.transaction(txTopic, ['a1', 'a2'], 'abort');
  await tx.transaction(txTopic, ['c3'], 'commit');
  await tx.disconnect();
  save('transactions', 'one transactional producer: commit [c1,c2], abort [a1,a2], commit [c3], each followed by its marker; fetched read_committed', await fetchRaw(txTopic, ISOLATION.READ_COMMITTED));

  const compacted = await createTopic({ 'cleanup.policy': 'compact', 'segment.ms': '100', 'min.cleanable.dirty.ratio': '0.001', 'min.compaction.lag.ms': '0', 'delete.retention.ms': '0' });
  const keyed = (k: string, v: string, ts: number): BatchRecord => ({ key: Buffer.from(k), value: Buffer.from(v), headers: [], timestamp: ts });
  await produceExact(compacted, [[keyed('a', 'a1', 1), keyed('b', 'b1', 2), keyed('a', 'a2', 3), keyed('c', 'c1', 4)], [keyed('b', 'b2', 5), keyed('d', 'd1', 6)]]);
  // the active segment is never cleaned: roll it with later records until the cleaner has rewritten the first batch
  let p: FetchPartitionResult | undefined;
  await waitFor(
    async () => {
      await produceExact(compacted, [[keyed("z", `z${Date.now()}`, Date.now())]]);
      p = await fetchRaw(compacted, ISOLATION.READ_UNCOMMITTED);
      const first = readBatches(p.records).batches[0];
      return first !== undefined && first.lastOffsetDelta + 1 !== first.recordCount;
    },
    { timeoutMs: 120_000, intervalMs: 2_000, message: 'the log cleaner to compact the first batch' },
  );
  save('compacted', 'cleanup.policy=compact: [a=a1, b=b1, a=a2, c=c1] [b=b2, d=d1] then z=… records until the cleaner ran: the first batches have offset gaps', p!);

  const appendTime = await createTopic({ 'message.timestamp.type': 'LogAppendTime' });
  await produceExact(appendTime, [EXACT_RECORDS]);
  save('log-append-time', 'EXACT_RECORDS produced uncompressed into a topic with message.timestamp.type=LogAppendTime', await fetchRaw(appendTime, ISOLATION.READ_UNCOMMITTED));
}

main()
  .then(async () => {
    await client.close();
    await admin.disconnect();
  })
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
