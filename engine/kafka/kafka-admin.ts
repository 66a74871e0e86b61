/**
 * Promise wrapper over the rdkafka-style `AdminClient` of @confluentinc/kafka-javascript: the
 * cluster questions the engine asks (topics, topic IDs, log start / end offsets) and the changes it
 * makes (create topics and partitions). One instance per cluster; calls never write to the console.
 *
 * Offsets are JS numbers: exact up to 2^53, far beyond any offset a partition reaches in practice;
 * librdkafka already hands them to JS as numbers.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { IAdminClient, LibrdKafkaError, TopicDescription as RdTopicDescription } from '@confluentinc/kafka-javascript';
import { MirrorError, ERROR_CODES } from '../core/errors.ts';
import { clientError, isAuthError } from './kafka-clients.ts';

/** What the engine needs to know about one topic. `topicId` is Kafka's base64url Uuid (KIP-516), as kafka-topics.sh prints it. */
export interface TopicDescription {
  name: string;
  topicId: string;
  partitionCount: number;
}

/** A topic partition. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Log start offset (first offset still in the log) and log end offset (high watermark, or LSO under read_committed). */
export interface PartitionOffsets {
  logStartOffset: number;
  logEndOffset: number;
}

/** `topic-partition`, the key the engine uses for per-partition maps and in log messages (e.g. `commit-log-0`). */
export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** librdkafka error code for an unknown topic or partition (Kafka error 3). */
const UNKNOWN_TOPIC_OR_PARTITION = 3;
/**
 * Kafka errors of a partition whose leadership the broker asked does not know yet (a topic created a
 * moment ago, a leader change): LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH.
 */
const LEADERSHIP_SETTLING = new Set([5, 6, 75]);
/** librdkafka error code for an existing topic on create (Kafka error 36). */
const TOPIC_ALREADY_EXISTS = 36;
/** Kafka error 37: e.g. CreatePartitions to a count the topic already has. */
const INVALID_PARTITIONS = 37;

/** Admin operations against one cluster. Errors are MirrorError(KAFKA_ERROR) with the librdkafka error as `cause`. */
export class KafkaAdmin {
  private readonly client: IAdminClient;
  private readonly timeoutMs: number;
  private authError: LibrdKafkaError | undefined;
  /** Rejecters of calls in flight, so an authentication failure ends them at once. */
  private readonly pending = new Set<(err: LibrdKafkaError) => void>();

  /** `config` is a librdkafka global config (must include `bootstrap.servers`). */
  constructor(config: Record<string, string | number | boolean>, options: { timeoutMs?: number } = {}) {
    // librdkafka reports a failed SASL handshake as an error event; requests themselves only see
    // transport failures (-195) and would be retried until the timeout. Remember it and fail fast.
    this.client = Kafka.AdminClient.create(config as never, {
      'event.error': (err: LibrdKafkaError) => {
        if (!isAuthError(err)) return;
        this.authError = err;
        for (const reject of this.pending) reject(err);
      },
    });
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Names of all topics, internal ones included. */
  listTopics(): Promise<string[]> {
    return this.call('listTopics', (cb) => this.client.listTopics({ timeout: this.timeoutMs }, cb));
  }

  /**
   * Describes topics; a topic that does not exist maps to `undefined` (it is not an error).
   * Returns a Map keyed by topic name.
   */
  async describeTopics(names: readonly string[]): Promise<Map<string, TopicDescription | undefined>> {
    const result = new Map<string, TopicDescription | undefined>();
    if (names.length === 0) return result;
    const described = await this.call<RdTopicDescription[]>('describeTopics', (cb) =>
      this.client.describeTopics([...names], { timeout: this.timeoutMs }, cb),
    );
    for (const d of described) {
      if (d.error) {
        if (d.error.code === UNKNOWN_TOPIC_OR_PARTITION) {
          result.set(d.name, undefined);
          continue;
        }
        throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `describeTopics(${d.name}) failed: ${d.error.message}`, { cause: d.error });
      }
      result.set(d.name, {
        name: d.name,
        topicId: toBase64Url((d.topicId as unknown as { base64: string }).base64),
        partitionCount: d.partitions.length,
      });
    }
    return result;
  }

  /**
   * Log start and log end offsets of existing partitions (ListOffsets EARLIEST / LATEST).
   * `readCommitted` asks for the last stable offset as the end. Keys are {@link tpKey}.
   * Throws when any partition's topic does not exist (librdkafka fails the whole call).
   */
  async partitionOffsets(partitions: readonly TopicPartition[], readCommitted = false): Promise<Map<string, PartitionOffsets>> {
    const result = new Map<string, PartitionOffsets>();
    if (partitions.length === 0) return result;
    const isolationLevel = readCommitted ? Kafka.IsolationLevel.READ_COMMITTED : Kafka.IsolationLevel.READ_UNCOMMITTED;
    const query = (spec: unknown) =>
      this.call<{ topic: string; partition: number; offset: number; error?: LibrdKafkaError }[]>('listOffsets', (cb) =>
        this.client.listOffsets(
          partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: spec as never })),
          { timeout: this.timeoutMs, isolationLevel },
          cb,
        ),
      );
    // Per-partition errors arrive in the results, not as a call error, so call() does not retry them.
    // A topic created a moment ago answers NOT_LEADER_OR_FOLLOWER or UNKNOWN_LEADER_EPOCH until its leader
    // is known everywhere (the progress topic on a fresh target cluster): retry exactly those. Not UNKNOWN_TOPIC_OR_PARTITION:
    // a deleted topic must surface at once (topic-reset detection).
    const deadline = Date.now() + this.timeoutMs;
    let earliest: Awaited<ReturnType<typeof query>>;
    let latest: Awaited<ReturnType<typeof query>>;
    for (let attempt = 0; ; attempt++) {
      [earliest, latest] = await Promise.all([query(Kafka.OffsetSpec.EARLIEST), query(Kafka.OffsetSpec.LATEST)]);
      const retriable = [...earliest, ...latest].some((x) => x.error !== undefined && LEADERSHIP_SETTLING.has(x.error.code));
      if (!retriable || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    }
    for (const e of earliest) {
      const l = latest.find((x) => x.topic === e.topic && x.partition === e.partition);
      const err = e.error ?? l?.error;
      if (err || !l) {
        throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `listOffsets(${e.topic}-${e.partition}) failed: ${err?.message ?? 'no result'}`, { cause: err });
      }
      result.set(tpKey(e), { logStartOffset: Number(e.offset), logEndOffset: Number(l.offset) });
    }
    return result;
  }

  /**
   * Creates a topic. `replicationFactor` -1 means the broker default. Resolves `false` when it already exists.
   * `configs` are topic-level configs (e.g. `retention.ms`).
   */
  async createTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string> = {}): Promise<boolean> {
    try {
      await this.call('createTopic', (cb) =>
        this.client.createTopic({ topic: name, num_partitions: partitions, replication_factor: replicationFactor, config: configs }, this.timeoutMs, cb),
      );
      return true;
    } catch (err) {
      if (err instanceof MirrorError && (err.cause as LibrdKafkaError | undefined)?.code === TOPIC_ALREADY_EXISTS) return false;
      throw err;
    }
  }

  /**
   * Grows a topic to `totalPartitions` partitions. Resolves `false` when another client grew it first
   * (INVALID_PARTITIONS and the topic already has at least that many: the tasks of a flow race here).
   */
  async createPartitions(name: string, totalPartitions: number): Promise<boolean> {
    try {
      await this.call('createPartitions', (cb) => this.client.createPartitions(name, totalPartitions, this.timeoutMs, cb));
      return true;
    } catch (err) {
      if (!(err instanceof MirrorError) || (err.cause as LibrdKafkaError | undefined)?.code !== INVALID_PARTITIONS) throw err;
      const now = (await this.describeTopics([name])).get(name);
      if (now && now.partitionCount >= totalPartitions) return false;
      throw err;
    }
  }

  /** Deletes a topic; resolves `false` when it did not exist. */
  async deleteTopic(name: string): Promise<boolean> {
    try {
      await this.call('deleteTopic', (cb) => this.client.deleteTopic(name, this.timeoutMs, cb));
      return true;
    } catch (err) {
      if (err instanceof MirrorError && (err.cause as LibrdKafkaError | undefined)?.code === UNKNOWN_TOPIC_OR_PARTITION) return false;
      throw err;
    }
  }

  /** Deletes records below `offset` (DeleteRecords), moving the log start offset. Used by tests and scenarios. */
  async deleteRecordsBefore(tp: TopicPartition, offset: number): Promise<number> {
    const [r] = await this.call<{ lowWatermark: number; error?: LibrdKafkaError }[]>('deleteRecords', (cb) =>
      this.client.deleteRecords([{ topic: tp.topic, partition: tp.partition, offset }], { timeout: this.timeoutMs, operationTimeout: this.timeoutMs }, cb),
    );
    if (r?.error) throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `deleteRecords failed: ${r.error.message}`, { cause: r.error });
    return Number(r?.lowWatermark);
  }

  /** Closes the connection. Idempotent. */
  close(): void {
    try {
      this.client.disconnect();
    } catch {
      /* already closed */
    }
  }

  /** Runs one admin call, retrying retriable errors with backoff for up to the admin timeout. */
  private async call<T = void>(what: string, run: (cb: (err: LibrdKafkaError | null | undefined, value: T) => void) => void): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await new Promise<T>((resolve, reject) => {
          if (this.authError) return reject(this.authError);
          this.pending.add(reject);
          run((err, value) => {
            this.pending.delete(reject);
            if (err) reject(err);
            else resolve(value);
          });
        });
      } catch (err) {
        const e = err as LibrdKafkaError;
        if (this.authError) throw clientError(what, this.authError);
        if (isRetriable(e) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
          continue;
        }
        throw clientError(what, e);
      }
    }
  }
}

/**
 * Whether an admin error is worth retrying: leadership or metadata still moving (typical right after
 * a topic is created or a broker restarts), or a transient network/timeout condition.
 */
export function isRetriable(err: { code?: number; retriable?: boolean } | undefined): boolean {
  switch (err?.code) {
    case 5: // LEADER_NOT_AVAILABLE: election in progress
    case 6: // NOT_LEADER_OR_FOLLOWER: metadata not yet propagated to the broker asked
    case 7: // REQUEST_TIMED_OUT
    case 41: // NOT_CONTROLLER: controller moved
    case 15: // COORDINATOR_NOT_AVAILABLE
    case -185: // librdkafka _TIMED_OUT
    case -195: // librdkafka _TRANSPORT: connection dropped
    case -187: // librdkafka _ALL_BROKERS_DOWN: broker restarting
      return true;
    default:
      return err?.retriable === true;
  }
}

/** Kafka prints topic IDs base64url without padding; librdkafka gives standard base64. */
function toBase64Url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
