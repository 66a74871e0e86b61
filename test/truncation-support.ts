/**
 * Verification side of the truncation tests (test/truncation.int.test.ts) and of
 * scenarios/measure-detection.ts: kafkajs (an independent client) creates topics, produces, reads log
 * start / end offsets (`fetchTopicOffsets`: `low` = log start offset, `high` = high watermark) and reads
 * remote topics back; the rdkafka-style Producer writes transactions (kafkajs has no Kafka 4 friendly
 * transactional path we trust here). Deletions go through the engine's own KafkaAdmin.deleteRecordsBefore,
 * which is the action under test's input, not something verified with it.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { LibrdKafkaError, Producer as RdProducer } from '@confluentinc/kafka-javascript';
import type { Admin, Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { KafkaAdmin } from '../engine/kafka/kafka-admin.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic, waitFor } from './helpers.ts';

/** Remote topic name under the default replication policy of a `primary->standby` flow. */
export function remoteOf(topic: string): string {
  return `primary.${topic}`;
}

/** `[prefix-from, …, prefix-(from+count-1)]`: one distinguishable value per record. */
export function seq(prefix: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${from + i}`);
}

/** One record read back from a topic. */
export interface ReadBack {
  offset: number;
  key: string | null;
  value: string | null;
}

/** kafkajs admins on both clusters, a kafkajs producer on the source, the engine's admin for DeleteRecords. Call {@link close}. */
export class TruncationVerifier {
  private readonly primary = kafkajsClient(PRIMARY);
  private readonly standby = kafkajsClient(STANDBY);
  private sourceAdmin!: Admin;
  private targetAdmin!: Admin;
  private producer!: Producer;
  private readonly deleter = new KafkaAdmin({ 'bootstrap.servers': PRIMARY, 'client.id': 'kme-test-delete-records' });
  private readonly created: string[] = [];

  async connect(): Promise<this> {
    this.sourceAdmin = this.primary.admin();
    this.targetAdmin = this.standby.admin();
    this.producer = this.primary.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([this.sourceAdmin.connect(), this.targetAdmin.connect(), this.producer.connect()]);
    return this;
  }

  /** Deletes every topic this verifier created (source and remote) and disconnects. Never throws. */
  async close(): Promise<void> {
    const drop = async (admin: Admin, topics: string[]) => {
      const existing = new Set(await admin.listTopics());
      const present = topics.filter((t) => existing.has(t));
      if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 10_000 });
    };
    await Promise.allSettled([drop(this.sourceAdmin, this.created), drop(this.targetAdmin, this.created.map(remoteOf))]);
    this.deleter.close();
    await Promise.allSettled([this.producer.disconnect(), this.sourceAdmin.disconnect(), this.targetAdmin.disconnect()]);
  }

  /** Creates a one-partition source topic named `<prefix>-<8 hex>` with topic-level `configs`; returns its name. */
  async createTopic(prefix: string, configs: Record<string, string> = {}): Promise<string> {
    return this.createNamedTopic(uniqueTopic(prefix), configs);
  }

  /** Creates a one-partition source topic with exactly this name (deleted again by {@link close}); returns it. */
  async createNamedTopic(topic: string, configs: Record<string, string> = {}): Promise<string> {
    this.created.push(topic);
    await this.sourceAdmin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
      waitForLeaders: true,
    });
    return topic;
  }

  /** Produces `values` (optionally keyed) to partition 0 in order, acknowledged by the broker; returns the offset of each. */
  async produce(topic: string, values: readonly string[], keys?: readonly string[]): Promise<number[]> {
    const offsets: number[] = [];
    for (let i = 0; i < values.length; i += 500) {
      const chunk = values.slice(i, i + 500).map((value, j) => ({ value, key: keys?.[i + j] ?? null, partition: 0 }));
      const [meta] = await this.producer.send({ topic, acks: -1, messages: chunk });
      const base = Number(meta!.baseOffset);
      offsets.push(...chunk.map((_, j) => base + j));
    }
    return offsets;
  }

  /** Log start offset (`low`) and high watermark (`high`) of source partition 0, read with kafkajs. */
  async sourceOffsets(topic: string): Promise<{ logStartOffset: number; logEndOffset: number }> {
    const [p] = await this.sourceAdmin.fetchTopicOffsets(topic);
    return { logStartOffset: Number(p!.low), logEndOffset: Number(p!.high) };
  }

  /** DeleteRecords: moves the log start offset of partition 0 to `offset`; returns the new low watermark. */
  deleteRecordsBefore(topic: string, offset: number): Promise<number> {
    return this.deleter.deleteRecordsBefore({ topic, partition: 0 }, offset);
  }

  /** High watermark of remote partition 0 (0 when the remote topic does not exist yet). */
  async remoteEnd(topic: string): Promise<number> {
    const remote = remoteOf(topic);
    if (!(await this.targetAdmin.listTopics()).includes(remote)) return 0;
    const [p] = await this.targetAdmin.fetchTopicOffsets(remote);
    return Number(p?.high ?? 0);
  }

  /** Waits until remote partition 0 holds at least `count` records. */
  async waitForRemote(topic: string, count: number, timeoutMs = 60_000): Promise<void> {
    let seen = -1;
    await waitFor(async () => (seen = await this.remoteEnd(topic)) >= count, {
      timeoutMs,
      intervalMs: 50,
      message: `${remoteOf(topic)} to hold ${count} records (last seen ${seen})`,
    });
  }

  /** Every record of the remote topic's partition 0, in offset order. */
  readRemote(topic: string): Promise<ReadBack[]> {
    return readPartition(this.standby, this.targetAdmin, remoteOf(topic));
  }

  /** Every record of source partition 0 still in the log, in offset order (offset gaps show compaction). */
  readSource(topic: string): Promise<ReadBack[]> {
    return readPartition(this.primary, this.sourceAdmin, topic);
  }
}

/** Values of read-back records. */
export function valuesOf(records: readonly ReadBack[]): (string | null)[] {
  return records.map((r) => r.value);
}

/**
 * Reads partition 0 of `topic` from its log start to its current high watermark with a fresh kafkajs
 * consumer group (read_committed: kafkajs' default). Offsets above the last record (transaction
 * markers) are covered by the watermark check.
 */
async function readPartition(client: ReturnType<typeof kafkajsClient>, admin: Admin, topic: string): Promise<ReadBack[]> {
  const [p] = await admin.fetchTopicOffsets(topic);
  const end = Number(p!.high);
  const records: ReadBack[] = [];
  if (end <= Number(p!.low)) return records;
  const consumer = client.consumer({ groupId: `kme-verify-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
  let position = -1;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    // END_BATCH_PROCESS also fires for batches holding only control or aborted records (no eachMessage call).
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => (position = Math.max(position, Number(e.payload.lastOffset))));
    await consumer.run({
      eachMessage: async ({ message: m }) => {
        const offset = Number(m.offset);
        if (offset < end) records.push({ offset, key: m.key?.toString('utf8') ?? null, value: m.value?.toString('utf8') ?? null });
        position = Math.max(position, offset);
      },
    });
    await waitFor(() => position >= end - 1, { timeoutMs: 60_000, intervalMs: 20, message: `reading ${topic} up to offset ${end}` });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/**
 * A transactional producer (rdkafka-style API: initTransactions / beginTransaction / commitTransaction /
 * abortTransaction) on the source cluster.
 */
export class TransactionalProducer {
  private readonly producer: RdProducer;

  constructor() {
    this.producer = new Kafka.Producer({
      'bootstrap.servers': PRIMARY,
      'client.id': 'kme-test-transactional',
      'transactional.id': `kme-test-tx-${randomBytes(4).toString('hex')}`,
      dr_cb: false,
    } as never);
  }

  async connect(): Promise<this> {
    await callback<void>((cb) => this.producer.connect({ timeout: 30_000 }, (err) => cb(err as LibrdKafkaError | null)));
    await callback<void>((cb) => this.producer.initTransactions(30_000, cb));
    return this;
  }

  /** Produces `values` to partition 0 inside one transaction, then commits or aborts it. */
  async transaction(topic: string, values: readonly string[], outcome: 'commit' | 'abort'): Promise<void> {
    await callback<void>((cb) => this.producer.beginTransaction(cb));
    for (const v of values) this.producer.produce(topic, 0, Buffer.from(v), null, Date.now());
    if (outcome === 'commit') await callback<void>((cb) => this.producer.commitTransaction(30_000, cb));
    else {
      // Make sure the aborted records are really in the log before the abort marker (not just dropped locally).
      await callback<void>((cb) => this.producer.flush(30_000, cb));
      await callback<void>((cb) => this.producer.abortTransaction(30_000, cb));
    }
  }

  async disconnect(): Promise<void> {
    await new Promise<void>((resolve) => this.producer.disconnect(() => resolve()));
  }
}

function callback<T>(run: (cb: (err: LibrdKafkaError | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
}
