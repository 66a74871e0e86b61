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
import { AdminConnection, type AdminRequest, type ClientConfig } from './admin-connection.ts';
import { KAFKA_ERROR_CODES as K } from './error-codes.ts';
import { kafkaErrorCode } from './error-classifier.ts';
import { retry } from './retry.ts';
import type { ClusterLabel } from './cluster-label.ts';

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

/**
 * Kafka errors of a partition whose leadership the broker asked does not know yet (a topic created a
 * moment ago, a leader change), or whose leader epoch in the client's metadata is older than the broker's.
 */
const LEADERSHIP_SETTLING: ReadonlySet<number> = new Set([K.LEADER_NOT_AVAILABLE, K.NOT_LEADER_OR_FOLLOWER, K.UNKNOWN_LEADER_EPOCH, K.FENCED_LEADER_EPOCH]);

/**
 * Admin operations against one cluster. Errors are MirrorError (KAFKA_ERROR; AUTH_FAILED at once on an
 * authentication failure) with the librdkafka error as `cause`. Requests are retried while retriable for
 * up to the admin timeout ({@link AdminConnection}).
 */
export class KafkaAdmin {
  private readonly connection: AdminConnection;
  /** Whether {@link close} closes the connection (false for a view over a shared one). */
  private readonly ownsConnection: boolean;
  /** This view's admin timeout when it differs from its shared connection's, ms. */
  private readonly ownTimeoutMs: number | undefined;

  /**
   * Either a librdkafka global config (must include `bootstrap.servers`): the admin creates its own
   * client, with `options.timeoutMs` as admin timeout (default 10 000 ms), and closes it in {@link close};
   * or a shared {@link AdminConnection} (its owner closes it; {@link close} does nothing then).
   */
  constructor(config: ClientConfig | AdminConnection, options: { timeoutMs?: number; label?: ClusterLabel } = {}) {
    this.ownsConnection = !(config instanceof AdminConnection);
    this.connection = config instanceof AdminConnection ? config : new AdminConnection(config, { timeoutMs: options.timeoutMs, label: options.label });
    // A view over a shared connection may have a shorter budget of its own (e.g. the mirror task's periodic checks).
    this.ownTimeoutMs = config instanceof AdminConnection ? options.timeoutMs : undefined;
  }

  private get client(): IAdminClient {
    return this.connection.client;
  }

  /** The admin timeout, ms: librdkafka timeout of each request and time budget of its retries. */
  get timeoutMs(): number {
    return this.ownTimeoutMs ?? this.connection.timeoutMs;
  }

  /** Names of all topics, internal ones included. */
  listTopics(): Promise<string[]> {
    return this.call('listTopics', (cb, timeout) => this.client.listTopics({ timeout }, cb));
  }

  /**
   * Describes topics; a topic that does not exist maps to `undefined` (it is not an error).
   * Returns a Map keyed by topic name.
   */
  async describeTopics(names: readonly string[]): Promise<Map<string, TopicDescription | undefined>> {
    const result = new Map<string, TopicDescription | undefined>();
    if (names.length === 0) return result;
    const described = await this.call<RdTopicDescription[]>('describeTopics', (cb, timeout) =>
      this.client.describeTopics([...names], { timeout }, cb),
    );
    for (const d of described) {
      if (d.error) {
        if (d.error.code === K.UNKNOWN_TOPIC_OR_PARTITION) {
          result.set(d.name, undefined);
          continue;
        }
        throw this.connection.wrap(`describeTopics(${d.name})`, d.error);
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
   * Throws when any partition's topic does not exist (librdkafka fails the whole call). librdkafka's
   * "No leaders found" (_NOENT) is asked once more after a metadata refresh; a partition's FENCED_LEADER_EPOCH
   * is retried after one, within the admin timeout.
   */
  async partitionOffsets(partitions: readonly TopicPartition[], readCommitted = false): Promise<Map<string, PartitionOffsets>> {
    const result = new Map<string, PartitionOffsets>();
    if (partitions.length === 0) return result;
    const isolationLevel = readCommitted ? Kafka.IsolationLevel.READ_COMMITTED : Kafka.IsolationLevel.READ_UNCOMMITTED;
    const query = (spec: unknown) =>
      this.call<{ topic: string; partition: number; offset: number; error?: LibrdKafkaError }[]>('listOffsets', (cb, timeout) =>
        this.client.listOffsets(
          partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: spec as never })),
          { timeout, isolationLevel },
          cb,
        ),
      );
    // Per-partition errors arrive in the results, not as a call error, so call() does not retry them.
    // A topic created a moment ago answers NOT_LEADER_OR_FOLLOWER or UNKNOWN_LEADER_EPOCH until its leader
    // is known everywhere (the progress topic on a fresh target cluster): retry exactly those. Not UNKNOWN_TOPIC_OR_PARTITION:
    // a deleted topic must surface at once (topic-reset detection).
    // librdkafka answers the whole call with _NOENT "No leaders found" while its metadata cache holds the
    // partitions leaderless, e.g. after the only broker restarted: it re-queries only topics it does not know
    // (rd_kafka_partition_leader_query), so one client stayed stuck 40 s+ in a chaos run until its process was
    // stopped. A full Metadata request (listTopics, rd_kafka_metadata) updates the cache entries it has: refresh
    // and ask once more. Only once: a topic that does not exist answers _NOENT too and must fail fast (a topic
    // deleted a moment ago answers UNKNOWN_TOPIC_OR_PARTITION as long as the cache still knows it).
    // FENCED_LEADER_EPOCH for a partition: librdkafka sent the leader epoch of its cache, older than the broker's
    // (every restart of a broker, or a broker fenced under load and re-registered, bumps its partitions' epochs),
    // and keeps sending it until a full Metadata request: refresh the same way, and retryResult asks again. A
    // benchmark run on an overloaded machine saw a task's adoption fail this way every 0.7 s for 5 minutes.
    const both = () => Promise.all([query(Kafka.OffsetSpec.EARLIEST), query(Kafka.OffsetSpec.LATEST)]);
    const bothAfterRefresh = async () => {
      let answers: Awaited<ReturnType<typeof both>>;
      try {
        answers = await both();
      } catch (err) {
        if (kafkaErrorCode(err) !== K._NOENT) throw err;
        await this.listTopics().catch(() => undefined);
        answers = await both();
      }
      if ([...answers[0], ...answers[1]].some((x) => x.error?.code === K.FENCED_LEADER_EPOCH)) await this.listTopics().catch(() => undefined);
      return answers;
    };
    const [earliest, latest] = await retry(bothAfterRefresh, {
      timeoutMs: this.timeoutMs,
      isRetriable: () => false, // call() has retried call-level errors already
      retryResult: ([e, l]) => [...e, ...l].some((x) => x.error !== undefined && LEADERSHIP_SETTLING.has(x.error.code)),
    });
    for (const e of earliest) {
      const l = latest.find((x) => x.topic === e.topic && x.partition === e.partition);
      const err = e.error ?? l?.error;
      if (err) throw this.connection.wrap(`listOffsets(${e.topic}-${e.partition})`, err);
      if (!l) throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `listOffsets(${e.topic}-${e.partition}) failed: no result`);
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
      await this.call('createTopic', (cb, timeout) =>
        this.client.createTopic({ topic: name, num_partitions: partitions, replication_factor: replicationFactor, config: configs }, timeout, cb),
      );
      return true;
    } catch (err) {
      if (err instanceof MirrorError && kafkaErrorCode(err) === K.TOPIC_ALREADY_EXISTS) return false;
      throw err;
    }
  }

  /**
   * Grows a topic to `totalPartitions` partitions. Resolves `false` when another client grew it first
   * (INVALID_PARTITIONS and the topic already has at least that many: the tasks of a flow race here).
   */
  async createPartitions(name: string, totalPartitions: number): Promise<boolean> {
    try {
      await this.call('createPartitions', (cb, timeout) => this.client.createPartitions(name, totalPartitions, timeout, cb));
      return true;
    } catch (err) {
      if (!(err instanceof MirrorError) || kafkaErrorCode(err) !== K.INVALID_PARTITIONS) throw err;
      const now = (await this.describeTopics([name])).get(name);
      if (now && now.partitionCount >= totalPartitions) return false;
      throw err;
    }
  }

  /** Deletes a topic; resolves `false` when it did not exist. */
  async deleteTopic(name: string): Promise<boolean> {
    try {
      await this.call('deleteTopic', (cb, timeout) => this.client.deleteTopic(name, timeout, cb));
      return true;
    } catch (err) {
      if (err instanceof MirrorError && kafkaErrorCode(err) === K.UNKNOWN_TOPIC_OR_PARTITION) return false;
      throw err;
    }
  }

  /** Deletes records below `offset` (DeleteRecords), moving the log start offset. Used by tests and scenarios. */
  async deleteRecordsBefore(tp: TopicPartition, offset: number): Promise<number> {
    const [r] = await this.call<{ lowWatermark: number; error?: LibrdKafkaError }[]>('deleteRecords', (cb, timeout) =>
      this.client.deleteRecords([{ topic: tp.topic, partition: tp.partition, offset }], { timeout, operationTimeout: timeout }, cb),
    );
    if (r?.error) throw this.connection.wrap('deleteRecords', r.error);
    return Number(r?.lowWatermark);
  }

  /** Closes the client when this admin created it (a view over a shared connection leaves it to its owner). Idempotent. */
  close(): void {
    if (this.ownsConnection) this.connection.close();
  }

  /** Runs one admin request through the connection (retries, admin timeout, fast exit on auth failure). */
  private call<T = void>(what: string, run: AdminRequest<T>): Promise<T> {
    return this.connection.call(what, run, this.timeoutMs);
  }
}

/** Kafka prints topic IDs base64url without padding; librdkafka gives standard base64. */
function toBase64Url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
