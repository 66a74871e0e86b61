/**
 * Independent verification side of the topic-reset tests (test/topic-reset.int.test.ts) and of
 * scenarios/measure-reset-recovery.ts: kafkajs produces, deletes and recreates topics and reads the
 * remote topics back through {@link ClusterReader}; topic IDs come from testkit/topic-id.ts. Nothing
 * here goes through the engine's own clients or its base64 conversion.
 */
import type { Producer } from 'kafkajs';
import { ClusterReader, valuesOf, type ReadRecord } from './cluster-reader.ts';
import { lineTimeMs, type EngineLogLine } from './engine-log.ts';
import { PRIMARY, STANDBY, kafkajsClient, remoteOf, uniqueTopic } from './test-clusters.ts';
import { sourceTopicId } from './topic-id.ts';
import { waitFor } from './wait-for.ts';

/** `[prefix-0, prefix-1, …]`: distinguishable record values, one per upstream offset. */
export function values(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

/** Readers on both clusters and a kafkajs producer on the source. Call {@link connect}, then {@link close}. */
export class ResetVerifier {
  readonly source = new ClusterReader(PRIMARY);
  readonly target = new ClusterReader(STANDBY);
  private readonly primary = kafkajsClient(PRIMARY);
  private producer: Producer = this.primary.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });

  /** Connects the readers and the producer; resolves with this verifier. */
  async connect(): Promise<this> {
    await Promise.all([this.source.connect(), this.target.connect(), this.producer.connect()]);
    return this;
  }

  /** Disconnects everything. Never throws. */
  async close(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.source.close(), this.target.close()]);
  }

  /** Creates a source topic, retrying while a deletion of the same name is still being completed. */
  async createTopic(topic: string, numPartitions = 1): Promise<void> {
    await waitFor(
      async () => {
        await this.source.admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
        return (await this.source.admin.listTopics()).includes(topic);
      },
      { timeoutMs: 30_000, intervalMs: 20, message: `source topic ${topic} to be created` },
    );
  }

  /** Deletes a source topic and waits until the cluster no longer lists it. */
  async deleteTopic(topic: string): Promise<void> {
    await this.source.admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    await this.renewProducer();
    await waitFor(async () => !(await this.source.admin.listTopics()).includes(topic), {
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
    await Promise.allSettled([this.source.deleteTopicsIfPresent(sourceTopics), this.target.deleteTopicsIfPresent(remoteTopics)]);
    await this.renewProducer().catch(() => undefined);
  }

  /** Produces `vals` to one partition, in order, acknowledged by the broker. */
  async produce(topic: string, vals: readonly string[], partition = 0): Promise<void> {
    for (let i = 0; i < vals.length; i += 500) {
      await this.producer.send({ topic, acks: -1, messages: vals.slice(i, i + 500).map((value) => ({ value, partition })) });
    }
  }

  /** High watermark per partition of a topic on the target. */
  remoteHighWatermarks(remote: string): Promise<Map<number, number>> {
    return this.target.highWatermarks(remote);
  }

  /** Partition count of a topic on the target (0 when missing). */
  remotePartitionCount(remote: string): Promise<number> {
    return this.target.partitionCount(remote);
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

  /** Every record of the remote topic, per partition in offset order, up to the high watermarks at call time. */
  readRemote(remote: string): Promise<Map<number, ReadRecord[]>> {
    return this.target.readAll(remote);
  }
}

/** Log lines of one event for one topic (and partition, when given), in emission order. */
export function eventLines(logs: readonly EngineLogLine[], event: string, topic: string, partition?: number): EngineLogLine[] {
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
  logs: EngineLogLine[];
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
  startEngine: (regex: string, extra?: Record<string, string | number>) => Promise<{ logs: EngineLogLine[]; stop(): Promise<void>; waitForLog(p: (l: EngineLogLine) => boolean, timeoutMs?: number): Promise<EngineLogLine> }>,
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
    const remoteValues = valuesOf((await verifier.readRemote(remote)).get(0)).map((v) => v ?? '<null>');
    const detectionMs = lineTimeMs(detected) - recreatedAt;
    return { topic, oldTopicId, newTopicId, remoteValues, logs: engine.logs, recoveryMs: Number(recovered.recoveryMs), detectionMs, endToEndMs };
  } finally {
    await engine.stop();
    await verifier.deleteQuietly([topic], [remote]);
  }
}
