/**
 * The one read-back side of tests, scenarios and measurements: reads a cluster with kafkajs, a client
 * the engine never uses for its data path, so nothing is verified with the code under test. One record
 * shape ({@link ReadRecord}) for every reader: raw bytes, epoch-ms timestamp, headers as pairs.
 *
 * Offsets come from ListOffsets (`fetchTopicOffsets`: `low` = log start offset, `high` = high watermark);
 * whole-topic reads go up to the high watermarks seen at call time and finish on transaction markers,
 * aborted records (kafkajs reads read_committed) and compaction gaps too: kafkajs reports the last offset
 * of every fetched batch, also of batches whose records were all filtered out (END_BATCH_PROCESS,
 * kafkajs runner.js, after Kafka's Fetcher).
 */
import kafkajs, { type Admin, type Consumer, type IHeaders, type Kafka as KafkaClient, type KafkaMessage } from 'kafkajs';
import { kafkajsClient, uniqueTopic } from './test-clusters.ts';
import { waitFor } from './wait-for.ts';
import { KafkaAdmin } from '../engine/testing.ts';

// kafkajs is CommonJS; Node's ESM loader does not see all its named exports.
const { ConfigResourceTypes } = kafkajs;

/** One record as read back. */
export interface ReadRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Epoch ms (CreateTime as produced, or LogAppendTime). */
  timestamp: number;
  /**
   * Headers as `[name, value]` pairs, duplicates kept. kafkajs folds headers into an object, so the
   * pairs of one name stay in wire order but come grouped by name (first occurrence order); exact wire
   * order across names needs testkit/ordered-headers.ts.
   */
  headers: [string, Buffer | null][];
}

/** Log start offset and log end offset (high watermark) of one partition. */
export interface PartitionOffsets {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
}

/** A topic config as described by the broker; `configSource` 1 = set on the topic itself (DYNAMIC_TOPIC_CONFIG). */
export interface TopicConfigEntry {
  value: string | null;
  configSource: number | undefined;
  isDefault: boolean;
}

/** Admin reads and whole-topic reads on one cluster. Call {@link connect} first and {@link close} at the end. */
export class ClusterReader {
  readonly client: KafkaClient;
  readonly admin: Admin;

  /** `bootstrap`: comma-separated `host:port`. */
  constructor(readonly bootstrap: string) {
    this.client = kafkajsClient(bootstrap);
    this.admin = this.client.admin();
  }

  /** Connects the admin client; resolves with this reader. */
  async connect(): Promise<this> {
    await this.admin.connect();
    return this;
  }

  /** Disconnects the admin client. */
  async close(): Promise<void> {
    await this.admin.disconnect();
  }

  /** Whether the cluster lists `topic`. */
  async topicExists(topic: string): Promise<boolean> {
    return (await this.admin.listTopics()).includes(topic);
  }

  /** Deletes those of `topics` that exist (cleanup after a test); resolves once the brokers accepted the deletion. */
  async deleteTopicsIfPresent(topics: readonly string[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await this.admin.deleteTopics({ topics: present, timeout: 10_000 });
  }

  /** Log start and end offsets per partition, in partition order (empty when the topic does not exist). */
  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    if (!(await this.topicExists(topic))) return [];
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, logStartOffset: Number(o.low), logEndOffset: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** High watermark per partition (empty map when the topic does not exist). */
  async highWatermarks(topic: string): Promise<Map<number, number>> {
    return new Map((await this.partitionOffsets(topic)).map((o) => [o.partition, o.logEndOffset]));
  }

  /** Records a topic holds: the sum of (log end − log start) over its partitions (transaction markers included; 0 when missing). */
  async recordCount(topic: string): Promise<number> {
    return (await this.partitionOffsets(topic)).reduce((n, p) => n + p.logEndOffset - p.logStartOffset, 0);
  }

  /** Waits until `accept(high watermarks)` holds; the error names `what` and the last watermarks seen. */
  async waitForHighWatermarks(topic: string, accept: (hw: Map<number, number>) => boolean, what: string, timeoutMs = 60_000): Promise<Map<number, number>> {
    let seen = 'nothing';
    try {
      return await waitFor(
        async () => {
          const hw = await this.highWatermarks(topic);
          seen = JSON.stringify(Object.fromEntries(hw));
          return accept(hw) ? hw : undefined;
        },
        { timeoutMs, intervalMs: 50, message: what },
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

  /** Topic configs by name, with their source. */
  async topicConfigs(topic: string): Promise<Map<string, TopicConfigEntry>> {
    const described = await this.admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    const out = new Map<string, TopicConfigEntry>();
    for (const e of described.resources[0]?.configEntries ?? []) {
      out.set(e.configName, { value: e.configValue, configSource: (e as { configSource?: number }).configSource, isDefault: e.isDefault });
    }
    return out;
  }

  /**
   * Every record of `topic` from the log start to the high watermarks at call time, per partition in
   * offset order (every partition present, empty ones too; an empty map when the topic does not exist).
   * Reads with a fresh consumer group that commits nothing. Rejects after `timeoutMs` naming how far it got.
   */
  async readAll(topic: string, timeoutMs = 60_000): Promise<Map<number, ReadRecord[]>> {
    await this.waitForNoPendingTransactions(topic, timeoutMs);
    const offsets = await this.partitionOffsets(topic);
    const out = new Map<number, ReadRecord[]>(offsets.map((o) => [o.partition, []]));
    const end = new Map(offsets.map((o) => [o.partition, o.logEndOffset]));
    // Highest offset seen per partition that holds records (log end above log start).
    const position = new Map(offsets.filter((o) => o.logEndOffset > o.logStartOffset).map((o) => [o.partition, -1]));
    if (position.size === 0) return out;
    const unfinished = () => [...position].filter(([p, at]) => at < end.get(p)! - 1);
    const consumer = this.client.consumer({ groupId: uniqueTopic('kme-verify'), maxWaitTimeInMs: 100 });
    const advance = (partition: number, offset: number) => position.set(partition, Math.max(position.get(partition) ?? -1, offset));
    try {
      await consumer.connect();
      // Batches whose records were all filtered (transaction markers, aborted records) call no eachMessage.
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => advance(e.payload.partition, Number(e.payload.lastOffset)));
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          if (offset < (end.get(partition) ?? 0)) out.get(partition)!.push(toReadRecord(partition, message));
          advance(partition, offset);
        },
      });
      await waitFor(() => unfinished().length === 0, {
        timeoutMs,
        intervalMs: 20,
        message: `reading ${topic} to its high watermarks ${JSON.stringify(Object.fromEntries(end))} (unfinished [partition, position]: ${JSON.stringify(unfinished())})`,
      });
    } finally {
      await consumer.disconnect();
    }
    return out;
  }

  /**
   * Waits until no transaction is open in any partition of `topic` (last stable offset = high watermark,
   * ListOffsets read_committed vs read_uncommitted through librdkafka), so a read_committed read up to the
   * high watermark is complete: an exactly-once mirror's transaction left open by a killed instance holds
   * read_committed readers back until it is aborted (restart of the same slot, or `transaction.timeout.ms`).
   * Topics never written transactionally pass at once. Rejects after `timeoutMs`.
   */
  async waitForNoPendingTransactions(topic: string, timeoutMs = 60_000): Promise<void> {
    const partitions = (await this.partitionOffsets(topic)).map((o) => ({ topic, partition: o.partition }));
    if (partitions.length === 0) return;
    const admin = new KafkaAdmin({ 'bootstrap.servers': this.bootstrap, 'client.id': 'kme-test-lso' });
    try {
      let pending = '';
      await waitFor(async () => {
        const [hw, lso] = await Promise.all([admin.partitionOffsets(partitions), admin.partitionOffsets(partitions, true)]);
        pending = [...hw].filter(([k, o]) => lso.get(k)?.logEndOffset !== o.logEndOffset).map(([k, o]) => `${k}: ${lso.get(k)?.logEndOffset}/${o.logEndOffset}`).join(', ');
        return pending === '';
      }, { timeoutMs, intervalMs: 200, message: `no open transaction in ${topic} (last stable offset / high watermark: ${pending})` });
    } finally {
      admin.close();
    }
  }

  /** {@link readAll} as one array ordered by partition, then offset. */
  async readRecords(topic: string, timeoutMs = 60_000): Promise<ReadRecord[]> {
    return [...(await this.readAll(topic, timeoutMs)).entries()].sort(([a], [b]) => a - b).flatMap(([, records]) => records);
  }
}

/** Runs `fn` with a connected {@link ClusterReader} on `bootstrap`, closed afterwards. */
export async function withClusterReader<T>(bootstrap: string, fn: (reader: ClusterReader) => Promise<T>): Promise<T> {
  const reader = await new ClusterReader(bootstrap).connect();
  try {
    return await fn(reader);
  } finally {
    await reader.close();
  }
}

/** {@link ClusterReader.partitionOffsets} with a reader of its own. */
export function partitionOffsets(bootstrap: string, topic: string): Promise<PartitionOffsets[]> {
  return withClusterReader(bootstrap, (r) => r.partitionOffsets(topic));
}

/** {@link ClusterReader.recordCount} with a reader of its own. */
export function recordCount(bootstrap: string, topic: string): Promise<number> {
  return withClusterReader(bootstrap, (r) => r.recordCount(topic));
}

/** {@link ClusterReader.readRecords} with a reader of its own. */
export function readTopic(bootstrap: string, topic: string, timeoutMs = 60_000): Promise<ReadRecord[]> {
  return withClusterReader(bootstrap, (r) => r.readRecords(topic, timeoutMs));
}

/**
 * Follows a topic from its beginning with one consumer, collecting every record, so a test can wait on
 * its content repeatedly without a group join per look. Call {@link stop}.
 */
export class TopicTail {
  /** Every record received so far, in arrival order (offset order within a partition). */
  readonly records: ReadRecord[] = [];

  private constructor(private readonly consumer: Consumer) {}

  /** Starts following `topic` on `bootstrap`; resolves once the consumer runs. */
  static async start(bootstrap: string, topic: string): Promise<TopicTail> {
    const consumer = kafkajsClient(bootstrap).consumer({ groupId: uniqueTopic('kme-tail'), maxWaitTimeInMs: 100 });
    const tail = new TopicTail(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => void tail.records.push(toReadRecord(partition, message)) });
    return tail;
  }

  /** Stops following (disconnects the consumer). */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** kafkajs folds headers into an object (a repeated name becomes an array in wire order); unfold it into pairs. */
export function headerPairs(headers: IHeaders | undefined): [string, Buffer | null][] {
  const pairs: [string, Buffer | null][] = [];
  for (const [name, v] of Object.entries(headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) pairs.push([name, one === undefined || one === null ? null : Buffer.from(one)]);
  }
  return pairs;
}

/** UTF-8 text of a key or value (null stays null). */
export function textOf(bytes: Buffer | null): string | null {
  return bytes === null ? null : bytes.toString('utf8');
}

/** UTF-8 values of records, in order (a null value stays null); `undefined` (a partition not read) gives `[]`. */
export function valuesOf(records: readonly ReadRecord[] | undefined): (string | null)[] {
  return (records ?? []).map((r) => textOf(r.value));
}

/** UTF-8 values per partition, as a plain object (prints well in a failed `toEqual`). */
export function valuesByPartition(records: ReadonlyMap<number, readonly ReadRecord[]>): Record<number, (string | null)[]> {
  return Object.fromEntries([...records].map(([p, rs]) => [p, valuesOf(rs)]));
}

function toReadRecord(partition: number, message: KafkaMessage): ReadRecord {
  return {
    partition,
    offset: Number(message.offset),
    key: message.key ?? null,
    value: message.value ?? null,
    timestamp: Number(message.timestamp),
    headers: headerPairs(message.headers),
  };
}
