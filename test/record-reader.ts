/**
 * The verification side of the mirroring and crash-restart tests: reads topics back with clients the
 * engine does not use for that purpose — kafkajs (records, offsets, configs, the progress topic) and,
 * only where kafkajs folds information away, a raw rdkafka-style KafkaConsumer (header order and
 * duplicate header keys, ../shared/KAFKA-FACTS.md). Nothing here decodes with engine code.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import kafkajs, { type Admin, type Consumer, type IHeaders, type Kafka as KafkaJs } from 'kafkajs';
import { kafkajsClient, uniqueTopic, waitFor } from './helpers.ts';

// kafkajs is CommonJS; Node's ESM loader cannot see all its named exports.
const { ConfigResourceTypes } = kafkajs;

/** The progress topic of `primary` flows under the default replication policy. */
export const PROGRESS_TOPIC = 'mm2-progress.primary.internal';

/** One record as kafkajs decodes it (headers folded into an object: repeated keys become arrays). */
export interface ReadRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Epoch ms. */
  timestamp: number;
  headers: IHeaders;
}

/** The latest progress record of one partition incarnation, decoded from its JSON here (not by the engine). */
export interface ProgressEntry {
  sourceCluster: string;
  topic: string;
  partition: number;
  topicId: string;
  nextOffset: number;
  remoteTopic: string;
  /** Offset of the progress record in the progress topic. */
  offset: number;
}

/** Admin-level reads and whole-topic reads on one cluster through kafkajs. Call {@link close}. */
export class ClusterReader {
  readonly client: KafkaJs;
  readonly admin: Admin;

  constructor(bootstrap: string) {
    this.client = kafkajsClient(bootstrap);
    this.admin = this.client.admin();
  }

  async connect(): Promise<this> {
    await this.admin.connect();
    return this;
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }

  /** High watermark per partition (empty map when the topic does not exist). */
  async highWatermarks(topic: string): Promise<Map<number, number>> {
    if (!(await this.admin.listTopics()).includes(topic)) return new Map();
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  }

  /** Waits until `accept(high watermarks)` holds; the error names the last watermarks seen. */
  async waitForHighWatermarks(topic: string, accept: (hw: Map<number, number>) => boolean, what: string, timeoutMs = 60_000): Promise<Map<number, number>> {
    let seen = 'nothing';
    try {
      return await waitFor(
        async () => {
          const hw = await this.highWatermarks(topic);
          seen = JSON.stringify(Object.fromEntries(hw));
          return accept(hw) ? hw : undefined;
        },
        { timeoutMs, intervalMs: 100, message: what },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; high watermarks of ${topic}: ${seen}`, { cause: err });
    }
  }

  /** Partition count of a topic (0 when missing). */
  async partitionCount(topic: string): Promise<number> {
    const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]?.partitions.length ?? 0;
  }

  /** Topic configs with their source: `configSource` 1 = set on the topic itself (DYNAMIC_TOPIC_CONFIG). */
  async topicConfigs(topic: string): Promise<Map<string, { value: string | null; configSource: number | undefined; isDefault: boolean }>> {
    const described = await this.admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    const out = new Map<string, { value: string | null; configSource: number | undefined; isDefault: boolean }>();
    for (const e of described.resources[0]?.configEntries ?? []) {
      out.set(e.configName, { value: e.configValue, configSource: (e as { configSource?: number }).configSource, isDefault: e.isDefault });
    }
    return out;
  }

  /**
   * Every record of `topic` from the log start to the high watermarks at call time, per partition in
   * offset order, read with a fresh kafkajs consumer group (no commits).
   */
  async readAll(topic: string, timeoutMs = 60_000): Promise<Map<number, ReadRecord[]>> {
    const offsets = (await this.admin.listTopics()).includes(topic) ? await this.admin.fetchTopicOffsets(topic) : [];
    const hw = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    const out = new Map<number, ReadRecord[]>([...hw.keys()].map((p) => [p, []]));
    // Partitions holding records (high watermark above log start).
    const pending = new Set(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => o.partition));
    if (pending.size === 0) return out;
    const consumer = this.client.consumer({ groupId: uniqueTopic('kme-verify'), maxWaitTimeInMs: 100 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          if (offset >= hw.get(partition)!) return;
          out.get(partition)!.push({
            partition,
            offset,
            key: message.key,
            value: message.value,
            timestamp: Number(message.timestamp),
            headers: message.headers ?? {},
          });
          if (offset === hw.get(partition)! - 1) pending.delete(partition);
        },
      });
      await waitFor(() => pending.size === 0, { timeoutMs, message: `reading ${topic} to its high watermarks ${JSON.stringify(Object.fromEntries(hw))}` });
    } finally {
      await consumer.disconnect();
    }
    return out;
  }
}

/**
 * Follows a topic from its beginning with one kafkajs consumer, collecting every record, so a test
 * can wait on its content repeatedly without a group join per look. Call {@link stop}.
 */
export class TopicTail {
  readonly records: ReadRecord[] = [];
  private readonly consumer: Consumer;

  private constructor(consumer: Consumer) {
    this.consumer = consumer;
  }

  static async start(bootstrap: string, topic: string): Promise<TopicTail> {
    const consumer = kafkajsClient(bootstrap).consumer({ groupId: uniqueTopic('kme-tail'), maxWaitTimeInMs: 100 });
    const tail = new TopicTail(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        tail.records.push({
          partition,
          offset: Number(message.offset),
          key: message.key,
          value: message.value,
          timestamp: Number(message.timestamp),
          headers: message.headers ?? {},
        });
      },
    });
    return tail;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/**
 * Latest progress entry per (partition, topic ID) of source `topic`, from raw progress-topic records
 * (key/value JSON as documented in engine/progress/progress-store.ts). Tombstones and other topics are skipped.
 */
export function latestProgress(records: readonly ReadRecord[], topic: string, sourceCluster = 'primary'): ProgressEntry[] {
  const latest = new Map<string, ProgressEntry>();
  for (const r of records) {
    if (!r.key || !r.value) continue;
    const k = JSON.parse(r.key.toString('utf8')) as { sourceCluster: string; topic: string; partition: number; topicId: string };
    if (k.topic !== topic || k.sourceCluster !== sourceCluster) continue;
    const v = JSON.parse(r.value.toString('utf8')) as { nextOffset: number; remoteTopic: string };
    const prev = latest.get(`${k.partition}/${k.topicId}`);
    if (prev && prev.offset > r.offset) continue;
    latest.set(`${k.partition}/${k.topicId}`, { ...k, nextOffset: v.nextOffset, remoteTopic: v.remoteTopic, offset: r.offset });
  }
  return [...latest.values()].sort((a, b) => a.partition - b.partition);
}

/**
 * Reads `count` records of one partition from offset 0 with a raw rdkafka-style KafkaConsumer, whose
 * headers arrive as an ordered array of one-key objects (order and duplicate keys intact).
 */
export async function readWithOrderedHeaders(bootstrap: string, topic: string, partition: number, count: number, timeoutMs = 30_000): Promise<Message[]> {
  const consumer: KafkaConsumer = new Kafka.KafkaConsumer(
    {
      'bootstrap.servers': bootstrap,
      'group.id': uniqueTopic('kme-verify-headers'),
      'enable.auto.commit': false,
      'auto.offset.reset': 'earliest',
      'isolation.level': 'read_uncommitted',
    } as never,
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  const out: Message[] = [];
  try {
    consumer.setDefaultConsumeTimeout(200);
    consumer.assign([{ topic, partition, offset: 0 }]);
    await waitFor(
      async () => {
        const batch = await new Promise<Message[]>((resolve, reject) => consumer.consume(count, (err, msgs) => (err ? reject(err) : resolve(msgs))));
        out.push(...batch);
        return out.length >= count;
      },
      { timeoutMs, intervalMs: 1, message: `${count} records of ${topic}-${partition} through the rdkafka-style consumer` },
    );
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out.slice(0, count);
}
