/**
 * A small in-memory fake of the ports a mirror task talks to (engine/kafka/admin-ports.ts,
 * source-consumer.ts, target-producer.ts, the progress store), for unit tests without a broker.
 *
 * What it models, because the task's safety rules depend on it:
 * - Topics have incarnations: {@link FakeSourceCluster.recreateTopic} gives a new topic ID (KIP-516).
 * - The consumer fetches by topic NAME at its position, like librdkafka: after a recreate it reads the
 *   new incarnation's log at the old position (the reason for the topic-ID fence).
 * - A position outside [log start, log end] fetches nothing; `outOfRange: 'error'` also rejects the
 *   consume call once with -140 (ERR__AUTO_OFFSET_RESET), `'silent'` (default) models the dropped error.
 * - The producer sends what was produced in one turn of the event loop as one request per remote
 *   partition (split at `batchBytes`, as librdkafka's `batch.size`), appends accepted requests to the
 *   remote partition and reports deliveries asynchronously in produce order. It knows the partition
 *   counts of the remote topics that existed when it was created (librdkafka's metadata at connect)
 *   until `awaitPartitions` refreshes them: a partition beyond them throws ERR__UNKNOWN_PARTITION.
 * - Size limits as librdkafka with the gap-less guarantee: a record above `producerMaxMessageBytes`
 *   throws MESSAGE_TOO_LARGE at produce; a request with a record above the remote topic's
 *   `max.message.bytes` is rejected whole (MESSAGE_TOO_LARGE reports), the producer turns fatal,
 *   requests of other partitions still queued are purged (reported ERR__PURGE_QUEUE, before
 *   the rejection), those of the rejected partition are never reported, and produce throws ERR__FATAL.
 * Record values are `<topicId>:<offset>` of the source record, so assertions can tell incarnations apart.
 */
import { pino } from 'pino';
import type { Logger } from '../../core/logger.ts';
import type { PartitionOffsets, TopicDescription, TopicPartition } from '../../kafka/kafka-admin.ts';
import type { SourceAdminPort, TargetAdminPort } from '../../kafka/admin-ports.ts';
import type { FetchPosition, SourceConsumer, SourceConsumerOptions, SourceRecord } from '../../kafka/source-consumer.ts';
import type { TargetProducer, TargetProducerOptions } from '../../kafka/target-producer.ts';
import type { MirrorTaskClients } from '../../kafka/mirror-task-clients.ts';
import type { ProgressRecord } from '../../progress/progress-store.ts';
import { ERR__AUTO_OFFSET_RESET } from '../../kafka/source-consumer.ts';

/** One partition's log: records from `logStartOffset` to `logEndOffset` − 1. */
export interface FakeLog {
  logStartOffset: number;
  /** Records by offset (entries below the log start are deleted). */
  records: SourceRecord[];
}

/** One topic incarnation. */
export interface FakeTopic {
  name: string;
  topicId: string;
  partitions: FakeLog[];
}

let nextTopicId = 1;

/** The source cluster: topics by name, each the current incarnation. */
export class FakeSourceCluster {
  readonly topics = new Map<string, FakeTopic>();
  /** Calls of listTopics (discovery runs). */
  listTopicsCalls = 0;

  /** Creates a topic with a fresh topic ID; `records[p]` records are appended to partition p. */
  createTopic(name: string, partitions: number, records: number[] = []): FakeTopic {
    const topic: FakeTopic = { name, topicId: `id-${name}-${nextTopicId++}`, partitions: Array.from({ length: partitions }, () => ({ logStartOffset: 0, records: [] })) };
    this.topics.set(name, topic);
    records.forEach((n, p) => this.append(name, p, n));
    return topic;
  }

  /** Deletes and recreates a topic (topic reset): new topic ID, empty logs, then `records[p]` records. */
  recreateTopic(name: string, partitions: number, records: number[] = []): FakeTopic {
    this.topics.delete(name);
    return this.createTopic(name, partitions, records);
  }

  /**
   * Appends `count` records to a partition of the current incarnation; with `bytes`, each value is padded with `#` to that size;
   * `headers` replaces the default `[{ h: 'v' }]`.
   */
  append(name: string, partition: number, count: number, bytes?: number, headers: SourceRecord['headers'] = [{ h: 'v' }]): void {
    const t = this.topic(name);
    const log = t.partitions[partition]!;
    for (let i = 0; i < count; i++) {
      const offset = log.records.length;
      const value = `${t.topicId}:${offset}`;
      const padded = bytes === undefined ? value : value.padEnd(bytes, '#');
      log.records.push({ topic: name, partition, offset, key: `k${offset}`, value: Buffer.from(padded), timestamp: 1_000 + offset, headers });
    }
  }

  /** DeleteRecords: moves the log start offset to `offset` (retention alike). */
  deleteRecordsBefore(name: string, partition: number, offset: number): void {
    this.topic(name).partitions[partition]!.logStartOffset = offset;
  }

  /** Cuts the log end back to `endOffset` under the same topic ID (an unclean leader election). */
  truncateEnd(name: string, partition: number, endOffset: number): void {
    this.topic(name).partitions[partition]!.records.length = endOffset;
  }

  /** The next this many DescribeTopics calls fail with a timeout (a broker restarting). */
  failDescribes = 0;

  /** The current incarnation of a topic; throws when missing. */
  topic(name: string): FakeTopic {
    const t = this.topics.get(name);
    if (!t) throw Object.assign(new Error(`unknown topic ${name}`), { code: 3 });
    return t;
  }

  /** The source admin port. */
  admin(): SourceAdminPort {
    return {
      listTopics: async () => {
        this.listTopicsCalls++;
        return [...this.topics.keys()];
      },
      describeTopics: async (names) => {
        if (this.failDescribes > 0) {
          this.failDescribes--;
          throw Object.assign(new Error('Local: Timed out'), { code: -185 });
        }
        return new Map(names.map((n) => [n, this.describe(n)]));
      },
      partitionOffsets: async (partitions: readonly TopicPartition[]) => {
        const result = new Map<string, PartitionOffsets>();
        for (const tp of partitions) {
          const log = this.topic(tp.topic).partitions[tp.partition];
          if (!log) throw Object.assign(new Error(`unknown partition ${tp.topic}-${tp.partition}`), { code: 3 });
          result.set(`${tp.topic}-${tp.partition}`, { logStartOffset: log.logStartOffset, logEndOffset: log.records.length });
        }
        return result;
      },
      close: () => undefined,
    };
  }

  private describe(name: string): TopicDescription | undefined {
    const t = this.topics.get(name);
    return t && { name, topicId: t.topicId, partitionCount: t.partitions.length };
  }
}

/** The target cluster: remote topics as arrays of record values (strings) per partition. */
export class FakeTargetCluster {
  readonly topics = new Map<string, string[][]>();
  /** `createPartitions` calls as `topic:count`. */
  readonly grown: string[] = [];
  /** `max.message.bytes` per remote topic (default: Kafka's 1 048 588). */
  readonly maxMessageBytes = new Map<string, number>();
  /** Headers of the records written, per remote topic and partition, in the order of {@link values}. */
  readonly headers = new Map<string, NonNullable<SourceRecord['headers']>[][]>();

  /** Headers of the records written to a remote partition, in order. */
  headersOf(topic: string, partition: number): NonNullable<SourceRecord['headers']>[] {
    return this.headers.get(topic)?.[partition] ?? [];
  }

  /** Values written to a remote partition, in order. */
  values(topic: string, partition: number): string[] {
    return this.topics.get(topic)?.[partition] ?? [];
  }

  /** The target admin port. */
  admin(): TargetAdminPort {
    return {
      describeTopics: async (names) => new Map(names.map((n) => [n, this.topics.has(n) ? { name: n, topicId: `remote-${n}`, partitionCount: this.topics.get(n)!.length } : undefined])),
      createTopic: async (name, partitions) => {
        if (this.topics.has(name)) return false;
        this.topics.set(name, Array.from({ length: partitions }, () => []));
        return true;
      },
      createPartitions: async (name, total) => {
        const t = this.topics.get(name)!;
        this.grown.push(`${name}:${total}`);
        while (t.length < total) t.push([]);
        return true;
      },
      close: () => undefined,
    };
  }
}

/** Options of {@link FakeKafka}. */
export interface FakeKafkaOptions {
  /** What a consume call does at a position outside the log (default 'silent'). */
  outOfRange?: 'silent' | 'error';
  /** The producer's `message.max.bytes` (default librdkafka's 1 000 000). */
  producerMaxMessageBytes?: number;
  /** The producer's `batch.size` (default the engine's 1 MiB): a request closes before a record that would exceed it. */
  batchBytes?: number;
}

/** Kafka's default topic `max.message.bytes`. */
const KAFKA_MAX_MESSAGE_BYTES = 1_048_588;

/** One record in a fake produce request. */
type Sent = { topic: string; partition: number; value: string; bytes: number; headers: NonNullable<SourceRecord['headers']> };

/** Source, target and the consumers and producers the task creates. */
export class FakeKafka {
  readonly source = new FakeSourceCluster();
  readonly target = new FakeTargetCluster();
  /** Options each consumer was created with, in order. */
  readonly consumerOptions: SourceConsumerOptions[] = [];
  /** Consume calls so far (all consumers): a loop-iteration counter for tests. */
  consumeCalls = 0;
  /** Called with each non-empty batch before the consume call returns it (e.g. to recreate a topic between fetch and produce). */
  onFetch: ((batch: readonly SourceRecord[]) => void) | undefined;
  private readonly options: FakeKafkaOptions;

  constructor(options: FakeKafkaOptions = {}) {
    this.options = options;
  }

  /** The ports of one mirror task. */
  clients(): MirrorTaskClients {
    return {
      sourceAdmin: this.source.admin(),
      targetAdmin: this.target.admin(),
      createSourceConsumer: async (options) => {
        this.consumerOptions.push(options);
        return this.consumer();
      },
      createTargetProducer: async (options) => this.producer(options),
    };
  }

  private consumer(): SourceConsumer {
    let positions: FetchPosition[] = [];
    let reported = false;
    return {
      assign: (p) => {
        positions = p.map((x) => ({ ...x }));
        reported = false;
      },
      consume: async (max) => {
        this.consumeCalls++;
        const batch: SourceRecord[] = [];
        let outOfRange = false;
        positions = positions.map((pos) => {
          const log = this.source.topics.get(pos.topic)?.partitions[pos.partition];
          if (!log) return pos;
          if (pos.offset < log.logStartOffset || pos.offset > log.records.length) {
            outOfRange = true;
            return pos;
          }
          let offset = pos.offset;
          while (offset < log.records.length && batch.length < max) batch.push(log.records[offset++]!);
          return { ...pos, offset };
        });
        if (outOfRange && this.options.outOfRange === 'error' && !reported) {
          reported = true;
          throw Object.assign(new Error('Broker: Offset out of range'), { code: ERR__AUTO_OFFSET_RESET });
        }
        if (batch.length === 0) {
          await new Promise((r) => setTimeout(r, 2));
          return [];
        }
        this.onFetch?.(batch);
        return batch;
      },
      disconnect: async () => undefined,
    };
  }

  /** Producers created so far (the task replaces a failed one). */
  producersCreated = 0;

  private producer(options: TargetProducerOptions): TargetProducer {
    this.producersCreated++;
    const target = this.target;
    const producerMax = this.options.producerMaxMessageBytes ?? 1_000_000;
    const batchBytes = this.options.batchBytes ?? 1024 * 1024;
    const known = new Map([...target.topics].map(([t, parts]) => [t, parts.length])); // metadata at connect
    let queued: Sent[] = [];
    let pending = 0;
    let fatal = false;
    const report = (sent: readonly Sent[], err: { code: number; message: string } | null) => {
      for (const r of sent) {
        pending--;
        const log = target.topics.get(r.topic)![r.partition]!;
        if (!err) {
          log.push(r.value);
          let byPartition = target.headers.get(r.topic);
          if (!byPartition) target.headers.set(r.topic, (byPartition = []));
          (byPartition[r.partition] ??= []).push(r.headers);
        }
        options.onDelivery(err, r.topic, r.partition, err ? -1 : log.length - 1);
      }
    };
    const send = () => {
      const requests = splitRequests(queued.splice(0), batchBytes);
      const rejectedAt = requests.findIndex((req) => req.some((r) => r.bytes > (target.maxMessageBytes.get(r.topic) ?? KAFKA_MAX_MESSAGE_BYTES)));
      if (fatal || rejectedAt < 0) return fatal ? undefined : requests.forEach((req) => report(req, null));
      requests.slice(0, rejectedAt).forEach((req) => report(req, null));
      const rejected = requests[rejectedAt]!;
      fatal = true;
      const later = requests.slice(rejectedAt + 1);
      const other = (req: Sent[]) => req[0]!.topic !== rejected[0]!.topic || req[0]!.partition !== rejected[0]!.partition;
      later.filter(other).forEach((req) => report(req, { code: -152, message: 'Local: Purged in queue' }));
      report(rejected, { code: 10, message: 'Broker: Message size too large' });
      // Later requests of the rejected partition were put back for a retry and are never reported.
    };
    return {
      produce: (topic, record) => {
        if (fatal) throw Object.assign(new Error('Local: Fatal error'), { code: -150 });
        const partitions = known.get(topic) ?? target.topics.get(topic)?.length; // an unknown topic: librdkafka asks for its metadata
        if (partitions === undefined || record.partition >= partitions) throw Object.assign(new Error(`Local: Unknown partition ${topic}-${record.partition}`), { code: -190 });
        const value = String(record.value);
        const bytes = (record.value?.length ?? 0) + String(record.key ?? '').length;
        if (bytes > producerMax) throw Object.assign(new Error('Broker: Message size too large'), { code: 10 });
        pending++;
        if (queued.push({ topic, partition: record.partition, value, bytes, headers: record.headers ?? [] }) === 1) setImmediate(send);
        return true;
      },
      awaitPartitions: async (wanted) => {
        for (const topic of wanted.keys()) known.set(topic, target.topics.get(topic)?.length ?? 0);
      },
      recordLimits: async (topic) => ({ remoteMaxMessageBytes: target.maxMessageBytes.get(topic) ?? KAFKA_MAX_MESSAGE_BYTES, producerMaxMessageBytes: producerMax }),
      awaitReports: async (timeoutMs, pendingReports) => {
        const deadline = Date.now() + timeoutMs;
        while (pending > 0 || pendingReports() > 0) {
          if (Date.now() > deadline) return false;
          await new Promise((r) => setImmediate(r));
        }
        return true;
      },
      disconnect: async () => {
        queued = [];
      },
    };
  }
}

/** Records of one send turn as requests: per remote partition in first-seen order, each closed before a record that would exceed `batchBytes` (librdkafka's `batch.size`, applied after the first record). */
function splitRequests(sent: readonly Sent[], batchBytes: number): Sent[][] {
  const byPartition = new Map<string, Sent[][]>();
  for (const r of sent) {
    const key = `${r.topic}-${r.partition}`;
    const requests = byPartition.get(key) ?? [];
    const last = requests.at(-1);
    if (last && last.reduce((n, x) => n + x.bytes, 0) + r.bytes <= batchBytes) last.push(r);
    else requests.push([r]);
    byPartition.set(key, requests);
  }
  return [...byPartition.values()].flat();
}

/**
 * An in-memory progress store (ProgressStore semantics: one record per incarnation, latest last); every
 * write is kept in `writes`. Stores of several tasks can share one `topic` (the progress topic): each
 * write is appended to it, and {@link reload} reads a partition's records back from it, as
 * ProgressStore.reload reads what another instance wrote.
 */
export class FakeProgressStore {
  readonly writes: ProgressRecord[] = [];
  /** The shared progress topic, in write order. */
  readonly topic: ProgressRecord[];
  private readonly byPartition = new Map<string, ProgressRecord[]>();

  constructor(topic: ProgressRecord[] = []) {
    this.topic = topic;
  }

  async reload(partitions: readonly { topic: string; partition: number }[]): Promise<number> {
    let read = 0;
    for (const tp of partitions) {
      this.byPartition.delete(`${tp.topic}-${tp.partition}`);
      for (const r of this.topic) {
        if (r.topic !== tp.topic || r.partition !== tp.partition) continue;
        this.remember(r);
        read++;
      }
    }
    return read;
  }

  /** Seeds a stored record, as if read back at start. */
  seed(record: Omit<ProgressRecord, 'sourceCluster' | 'updatedAt' | 'remoteTopic' | 'gaps'> & Partial<ProgressRecord>): void {
    this.remember({ sourceCluster: 'primary', updatedAt: '', remoteTopic: `primary.${record.topic}`, gaps: [], ...record });
  }

  get(topic: string, partition: number, topicId: string): ProgressRecord | undefined {
    return this.incarnations(topic, partition).find((r) => r.topicId === topicId);
  }

  incarnations(topic: string, partition: number): readonly ProgressRecord[] {
    return this.byPartition.get(`${topic}-${partition}`) ?? [];
  }

  async write(record: Omit<ProgressRecord, 'sourceCluster' | 'updatedAt'> & { updatedAt?: string }): Promise<void> {
    const full: ProgressRecord = { ...record, sourceCluster: 'primary', updatedAt: record.updatedAt ?? '' };
    this.writes.push(full);
    this.topic.push(full);
    this.remember(full);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  private remember(record: ProgressRecord): void {
    const key = `${record.topic}-${record.partition}`;
    const list = (this.byPartition.get(key) ?? []).filter((r) => r.topicId !== record.topicId);
    list.push(record);
    this.byPartition.set(key, list);
  }
}

/** Telemetry that remembers what it was told (MirrorTelemetry). */
export class FakeTelemetry {
  mirrored = 0;
  lost = 0;
  recordMirrored(): void {
    this.mirrored++;
  }
  recordHeartbeatLatency(): void {}
  recordLost(count: number): void {
    this.lost += count;
  }
}

/** A manually advanced clock (epoch ms). */
export class ManualClock {
  nowMs = 1_750_000_000_000;
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/** One captured pino JSON line. */
export type CapturedLine = Record<string, unknown> & { level: string; msg: string };

/** A debug-level logger (with `critical`) whose JSON lines are parsed into `lines`. */
export function capturingLogger(lines: CapturedLine[]): Logger {
  const stream = { write: (chunk: string) => void lines.push(JSON.parse(chunk) as CapturedLine) };
  return pino({ level: 'debug', customLevels: { critical: 55 }, formatters: { level: (label) => ({ level: label }) } }, stream) as unknown as Logger;
}
