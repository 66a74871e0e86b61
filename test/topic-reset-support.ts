/**
 * Independent verification side of the topic-reset tests and of scenarios/measure-reset-recovery.ts:
 * kafkajs for producing, deleting/recreating topics and reading remote topics back, and the raw
 * rdkafka-style AdminClient for topic IDs (kafkajs speaks Metadata v6, which has no topic IDs). Nothing
 * here goes through the engine's own clients or its base64 conversion.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { TopicDescription as RdTopicDescription } from '@confluentinc/kafka-javascript';
import type { Admin, Producer } from 'kafkajs';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic, waitFor } from './helpers.ts';
import type { LogLine } from './engine-harness.ts';

/** Remote topic name under the default replication policy of a `primary->standby` flow. */
export function remoteOf(topic: string): string {
  return `primary.${topic}`;
}

/** `[prefix-0, prefix-1, …]`: distinguishable record values, one per upstream offset. */
export function values(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

/** The kafkajs side of a test: admin + producer on the source, admin on the target. Call {@link close}. */
export class ResetVerifier {
  private readonly primary = kafkajsClient(PRIMARY);
  private readonly standby = kafkajsClient(STANDBY);
  private sourceAdmin!: Admin;
  private targetAdmin!: Admin;
  private producer!: Producer;

  async connect(): Promise<this> {
    this.sourceAdmin = this.primary.admin();
    this.targetAdmin = this.standby.admin();
    this.producer = this.primary.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([this.sourceAdmin.connect(), this.targetAdmin.connect(), this.producer.connect()]);
    return this;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.sourceAdmin.disconnect(), this.targetAdmin.disconnect()]);
  }

  /** Creates a source topic, retrying while a deletion of the same name is still being completed. */
  async createTopic(topic: string, numPartitions = 1): Promise<void> {
    await waitFor(
      async () => {
        await this.sourceAdmin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
        return (await this.sourceAdmin.listTopics()).includes(topic);
      },
      { timeoutMs: 30_000, intervalMs: 20, message: `source topic ${topic} to be created` },
    );
  }

  /** Deletes a source topic and waits until the cluster no longer lists it. */
  async deleteTopic(topic: string): Promise<void> {
    await this.sourceAdmin.deleteTopics({ topics: [topic], timeout: 10_000 });
    await this.renewProducer();
    await waitFor(async () => !(await this.sourceAdmin.listTopics()).includes(topic), {
      timeoutMs: 30_000,
      intervalMs: 10,
      message: `source topic ${topic} to be gone`,
    });
  }

  /**
   * A kafkajs producer keeps refreshing metadata for every topic it ever produced to and fails all
   * sends once one of them is deleted (UNKNOWN_TOPIC_OR_PARTITION): start over after a deletion.
   */
  private async renewProducer(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    this.producer = this.primary.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
  }

  /** Deletes topics on both clusters if they exist (cleanup; never throws). */
  async deleteQuietly(sourceTopics: string[], remoteTopics: string[]): Promise<void> {
    const drop = async (admin: Admin, topics: string[]) => {
      const existing = new Set(await admin.listTopics());
      const present = topics.filter((t) => existing.has(t));
      if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 10_000 });
    };
    await Promise.allSettled([drop(this.sourceAdmin, sourceTopics), drop(this.targetAdmin, remoteTopics)]);
    await this.renewProducer().catch(() => undefined);
  }

  /** Produces `vals` to one partition, in order, acknowledged by the broker. */
  async produce(topic: string, vals: readonly string[], partition = 0): Promise<void> {
    for (let i = 0; i < vals.length; i += 500) {
      await this.producer.send({ topic, acks: -1, messages: vals.slice(i, i + 500).map((value) => ({ value, partition })) });
    }
  }

  /** High watermark per partition of a topic on the target. */
  async remoteHighWatermarks(remote: string): Promise<Map<number, number>> {
    const offsets = await this.targetAdmin.fetchTopicOffsets(remote);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  }

  /** Partition count of a topic on the target (0 when missing). */
  async remotePartitionCount(remote: string): Promise<number> {
    const md = await this.targetAdmin.fetchTopicMetadata({ topics: [remote] });
    return md.topics[0]?.partitions.length ?? 0;
  }

  /** Waits until every listed partition of the remote topic holds at least the given number of records. */
  async waitForRemote(remote: string, atLeast: Record<number, number>, timeoutMs = 60_000): Promise<void> {
    let seen = 'nothing';
    try {
      await waitFor(
        async () => {
          const hw = await this.remoteHighWatermarks(remote);
          seen = JSON.stringify(Object.fromEntries(hw));
          return Object.entries(atLeast).every(([p, n]) => (hw.get(Number(p)) ?? 0) >= n);
        },
        { timeoutMs, intervalMs: 50, message: `${remote} to reach ${JSON.stringify(atLeast)}` },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; high watermarks seen: ${seen}`, { cause: err });
    }
  }

  /**
   * Reads the whole remote topic (every partition up to its current high watermark) with a fresh
   * kafkajs consumer group. Returns the values per partition in offset order.
   */
  async readRemote(remote: string): Promise<Map<number, string[]>> {
    const hw = await this.remoteHighWatermarks(remote);
    const out = new Map<number, string[]>([...hw.keys()].map((p) => [p, []]));
    const pending = new Set([...hw.entries()].filter(([, n]) => n > 0).map(([p]) => p));
    if (pending.size === 0) return out;
    const consumer = this.standby.consumer({ groupId: uniqueTopic('kme-verify'), maxWaitTimeInMs: 200 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: remote, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (Number(message.offset) >= hw.get(partition)!) return;
          out.get(partition)!.push(message.value?.toString('utf8') ?? '<null>');
          if (Number(message.offset) === hw.get(partition)! - 1) pending.delete(partition);
        },
      });
      await waitFor(() => pending.size === 0, { timeoutMs: 60_000, message: `reading ${remote} to its high watermarks` });
    } finally {
      await consumer.disconnect();
    }
    return out;
  }
}

/**
 * The topic ID of a source topic in Kafka's printed form (base64url of the 16 bytes, no padding, as
 * kafka-topics.sh prints it), read with the raw rdkafka-style AdminClient and converted here from the
 * two 64-bit halves (not the engine's conversion). Undefined when the topic does not exist.
 */
export async function sourceTopicId(topic: string): Promise<string | undefined> {
  const admin = Kafka.AdminClient.create({ 'bootstrap.servers': PRIMARY, 'client.id': 'kme-test-topic-id' } as never);
  try {
    const [d] = await new Promise<RdTopicDescription[]>((resolve, reject) =>
      admin.describeTopics([topic], { timeout: 10_000 }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    if (!d || d.error) return undefined;
    const bytes = Buffer.alloc(16);
    bytes.writeBigInt64BE(BigInt(d.topicId.mostSignificantBits), 0);
    bytes.writeBigInt64BE(BigInt(d.topicId.leastSignificantBits), 8);
    return bytes.toString('base64url');
  } finally {
    admin.disconnect();
  }
}

/** Log lines of one event for one topic (and partition, when given), in emission order. */
export function eventLines(logs: readonly LogLine[], event: string, topic: string, partition?: number): LogLine[] {
  return logs.filter((l) => l.event === event && l.topic === topic && (partition === undefined || l.partition === partition));
}

/** What one delete + recreate cycle ({@link runDeleteRecreateCycle}) observed. */
export interface ResetCycleResult {
  topic: string;
  oldTopicId: string;
  newTopicId: string;
  /** Remote partition 0 values after the engine stopped, in offset order. */
  remoteValues: string[];
  /** The engine's log lines. */
  logs: LogLine[];
  /** `recoveryMs` of the engine's `topic_reset_recovered` line (detection → first new record acknowledged). */
  recoveryMs: number;
  /** Recreation requested (CreateTopics sent) → the engine's `topic_reset_detected` line (its pino `time`). */
  detectionMs: number;
  /** Observed from outside: recreated topic's first record acknowledged by the source → all M new records on the remote. */
  endToEndMs: number;
}

/**
 * Case 1 of the topic-reset tests (also measured by scenarios/measure-reset-recovery.ts): an engine
 * mirrors `n` records of a fresh one-partition topic; the topic is deleted, recreated under the same
 * name and `m` new records are produced; returns once all of them are on the remote topic and the
 * engine logged its recovery, with the engine stopped.
 */
export async function runDeleteRecreateCycle(
  verifier: ResetVerifier,
  startEngine: (regex: string, extra?: Record<string, string | number>) => Promise<{ logs: LogLine[]; stop(): Promise<void>; waitForLog(p: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine> }>,
  options: { n: number; m: number; prefix?: string; extra?: Record<string, string | number> },
): Promise<ResetCycleResult> {
  const { n, m } = options;
  const topic = uniqueTopic(options.prefix ?? 'reset-basic');
  const remote = remoteOf(topic);
  await verifier.createTopic(topic, 1);
  const oldTopicId = (await sourceTopicId(topic))!;
  const engine = await startEngine(topic, options.extra);
  try {
    await verifier.produce(topic, values('old', n));
    await verifier.waitForRemote(remote, { 0: n });
    await verifier.deleteTopic(topic);
    const recreatedAt = Date.now();
    await verifier.createTopic(topic, 1);
    const newTopicId = (await sourceTopicId(topic))!;
    await verifier.produce(topic, values('new', 1));
    const t0 = Date.now();
    await verifier.produce(topic, values('new', m).slice(1));
    await verifier.waitForRemote(remote, { 0: n + m });
    const endToEndMs = Date.now() - t0;
    const recovered = await engine.waitForLog((l) => l.event === 'topic_reset_recovered' && l.topic === topic);
    const detected = await engine.waitForLog((l) => l.event === 'topic_reset_detected' && l.topic === topic);
    await engine.stop();
    const remoteValues = (await verifier.readRemote(remote)).get(0) ?? [];
    const detectedAt = typeof detected.time === 'number' ? detected.time : Date.parse(String(detected.time)); // pino epoch ms or ISO
    const detectionMs = detectedAt - recreatedAt;
    return { topic, oldTopicId, newTopicId, remoteValues, logs: engine.logs, recoveryMs: Number(recovered.recoveryMs), detectionMs, endToEndMs };
  } finally {
    await engine.stop();
    await verifier.deleteQuietly([topic], [remote]);
  }
}
