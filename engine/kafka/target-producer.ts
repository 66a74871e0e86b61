/**
 * The target side of the record path behind a small port: the idempotent rdkafka-style `Producer` of
 * @confluentinc/kafka-javascript, seen by the mirror task as produce a record (with the local
 * queue-full signal), delivery reports, waiting for topics' partitions in the
 * producer's metadata, the size limits a record must fit, flush-and-await-reports and disconnect.
 * Unit tests substitute a fake {@link TargetProducer}.
 *
 * No hole on the target (DESIGN.md invariant 7): the producer runs with `enable.gapless.guarantee=true`
 * (librdkafka 2.15 CONFIGURATION.md; rd_kafka_handle_Produce_error). Without it, a batch the broker
 * rejects for good (e.g. MESSAGE_TOO_LARGE) makes the idempotent producer bump its epoch and renumber the
 * records after it, which are then written: `pre-0, pre-1, post-0, post-1` with the rejected record
 * missing. With it, that rejection raises a fatal error (ERR__GAPLESS_GUARANTEE, reported as
 * ERR__FATAL): nothing more is sent by this producer; records still queued are purged
 * (ERR__PURGE_QUEUE reports), records in requests already sent get their real outcome, and records
 * put back for a retry may never be reported at all; produce() then throws ERR__FATAL. As the producer
 * never times records out (`message.timeout.ms=0`), every failed delivery report therefore means the
 * producer is done. (The binding's error events carry no code — callbacks.cc passes the text only — so
 * the fatal state is known from the reports, not from an event.)
 */
import type { LibrdKafkaError, Metadata, Producer } from '@confluentinc/kafka-javascript';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { awaitDeliveryReports, connectProducer, disconnect, targetProducerConfig, type ClusterClientSettings } from './kafka-clients.ts';
import { emptySafeHeaders, nonNullEmpty } from './record-fidelity.ts';
import type { ClientErrorLike, SourceRecord } from './source-consumer.ts';
import { KAFKA_ERROR_CODES } from './error-codes.ts';
import { TopicConfigAdmin } from './topic-configs.ts';
import { RdTargetTransactions, initTransactions, transactionalProducerConfig, type InternalDelivery, type TargetTransactions, type TransactionalSettings } from './target-transactions.ts';

/** librdkafka ERR__QUEUE_FULL (-184): the local producer queue is full (`queue.buffering.max.*`). */
export const ERR__QUEUE_FULL = KAFKA_ERROR_CODES._QUEUE_FULL;

/** librdkafka ERR__FATAL (-150): the producer raised a fatal error and is unusable (thrown by produce() afterwards). */
export const ERR__FATAL = KAFKA_ERROR_CODES._FATAL;

/** librdkafka's default `message.max.bytes` (CONFIGURATION.md, 2.15): 1 000 000 bytes. */
export const DEFAULT_PRODUCER_MAX_MESSAGE_BYTES = 1_000_000;

/** The size limits a record sent to a remote topic must fit, in bytes. */
export interface RecordLimits {
  /** The remote topic's `max.message.bytes` (whole batch, after compression); undefined when it could not be read. */
  remoteMaxMessageBytes: number | undefined;
  /** The producer's `message.max.bytes` (Java: `max.request.size`); larger records are refused before sending. */
  producerMaxMessageBytes: number;
}

/**
 * One delivery report: `err` set when the target rejected the record; otherwise the record landed in
 * `partition` of `topic` at `offset` (downstream offset). Called on the main thread, in produce order
 * per partition (idempotent producer); must be synchronous and cheap.
 */
export type DeliveryHandler = (err: ClientErrorLike | null | undefined, topic: string, partition: number, offset: number) => void;

/** The producer port of a mirror task. */
export interface TargetProducer {
  /**
   * Hands `record` to the producer for the same partition of `topic`: key, value, headers (order and
   * duplicates) and timestamp byte for byte (record-fidelity.ts). Returns false when the local queue
   * is full (retry later; nothing was queued); throws any other client error.
   */
  produce(topic: string, record: SourceRecord): boolean;
  /**
   * Waits until the producer's metadata shows at least `wanted.get(topic)` partitions of every topic of
   * `wanted` (topic → partition count), so a record for a partition added a moment ago is not rejected.
   * Throws MirrorError(TIMEOUT) naming the topics still short after `timeoutMs` (default 30 000).
   */
  awaitPartitions(wanted: ReadonlyMap<string, number>, timeoutMs?: number): Promise<void>;
  /** The limits a record sent to `topic` must fit (read when a record was rejected). Never throws. */
  recordLimits(topic: string): Promise<RecordLimits>;
  /**
   * Waits until `pendingReports()` is 0, within `timeoutMs` (no librdkafka flush: it would reorder the
   * delivery reports, see kafka-clients.ts awaitDeliveryReports). Resolves true when every delivery report
   * arrived, false at the deadline.
   */
  awaitReports(timeoutMs: number, pendingReports: () => number): Promise<boolean>;
  /**
   * Closes the client after flushing for up to `flushTimeoutMs` (default: the client's, 5 s; pass 0 for
   * a producer that failed: what it still holds will never be sent). Resolves even when not connected.
   */
  disconnect(flushTimeoutMs?: number): Promise<void>;
  /** Exactly-once only: the producer is transactional and one transaction is open (engine/kafka/target-transactions.ts). */
  readonly transactions?: TargetTransactions | undefined;
}

/** What the mirror task decides about the producer it creates. */
export interface TargetProducerOptions {
  onDelivery: DeliveryHandler;
}

/** Creates and connects a target producer. Rejects with MirrorError(KAFKA_ERROR | AUTH_FAILED). */
export type TargetProducerFactory = (options: TargetProducerOptions) => Promise<TargetProducer>;

/**
 * The librdkafka-backed {@link TargetProducerFactory}: {@link targetProducerConfig} (idempotent, acks=all,
 * no delivery timeout) plus `enable.gapless.guarantee=true` (see the module doc; not overridable), client
 * id `clientId`. With `transactional` (exactly-once) the producer is transactional instead
 * (`transactional.id`, `transaction.timeout.ms`, records time out with the transaction; no gap-less flag:
 * a failed record makes the transaction abortable, and an aborted transaction leaves no hole for
 * read_committed readers), `initTransactions` runs at connect and a transaction is open
 * (engine/kafka/target-transactions.ts). Throws MirrorError / TransactionError on connect.
 */
export function targetProducerFactory(cluster: ClusterClientSettings, clientId: string, transactional?: TransactionalSettings): TargetProducerFactory {
  return async (options) => {
    const conf: Record<string, string | number | boolean> = transactional
      ? { ...targetProducerConfig(cluster, clientId), ...transactionalProducerConfig(transactional) }
      : { ...targetProducerConfig(cluster, clientId), 'enable.gapless.guarantee': true };
    const producer = await connectProducer(conf);
    const onDelivery = options.onDelivery;
    producer.on('delivery-report', (err, report) => {
      // Internal records of a transaction (progress, offset syncs) carry their callback as opaque; mirrored records none.
      if (typeof report.opaque === 'function') (report.opaque as InternalDelivery)(err ?? undefined);
      else onDelivery(err, report.topic, report.partition, report.offset);
    });
    const maxMessageBytes = Number(conf['message.max.bytes'] ?? DEFAULT_PRODUCER_MAX_MESSAGE_BYTES);
    let transactions: TargetTransactions | undefined;
    if (transactional) {
      try {
        await initTransactions(producer, transactional.transactionTimeoutMs);
      } catch (err) {
        await disconnect(producer);
        throw err;
      }
      transactions = new RdTargetTransactions(producer);
    }
    return new RdTargetProducer(producer, cluster, clientId, maxMessageBytes, transactions);
  };
}

/** {@link TargetProducer} over an rdkafka-style Producer with background polling. */
class RdTargetProducer implements TargetProducer {
  private readonly producer: Producer;
  private readonly cluster: ClusterClientSettings;
  private readonly clientId: string;
  private readonly maxMessageBytes: number;
  readonly transactions: TargetTransactions | undefined;

  constructor(producer: Producer, cluster: ClusterClientSettings, clientId: string, maxMessageBytes: number, transactions: TargetTransactions | undefined) {
    this.transactions = transactions;
    this.producer = producer;
    this.cluster = cluster;
    this.clientId = clientId;
    this.maxMessageBytes = maxMessageBytes;
  }

  produce(topic: string, record: SourceRecord): boolean {
    try {
      // No per-record opaque: each one is a persistent V8 handle in the binding (see target-writer.ts, onDelivery).
      this.producer.produce(topic, record.partition, nonNullEmpty(record.value), nonNullEmpty(record.key), record.timestamp, undefined, emptySafeHeaders(record.headers));
      return true;
    } catch (err) {
      if ((err as LibrdKafkaError).code === ERR__QUEUE_FULL) return false;
      throw err;
    }
  }

  /**
   * librdkafka caches a topic's partition count (from the metadata fetched at connect, refreshed every
   * `topic.metadata.refresh.interval.ms`, 5 min) and rejects a partition beyond it at once with
   * ERR__UNKNOWN_PARTITION (-190), which would fail the flow right after a remote topic grew (new
   * partitions, a pre-existing remote topic with fewer partitions, a topic reset with more partitions).
   * Every Metadata response updates that cache for the topics it lists (librdkafka
   * rd_kafka_parse_Metadata), so one request per round — for the topic alone, or for all topics when
   * several are wanted — refreshes it.
   */
  async awaitPartitions(wanted: ReadonlyMap<string, number>, timeoutMs = 30_000): Promise<void> {
    if (wanted.size === 0) return;
    const producer = this.producer;
    const deadline = Date.now() + timeoutMs;
    const only = wanted.size === 1 ? [...wanted.keys()][0] : undefined;
    const request = only === undefined ? { allTopics: true, timeout: 5000 } : { topic: only, timeout: 5000 };
    for (;;) {
      const md = await new Promise<Metadata>((resolve, reject) => producer.getMetadata(request, (err, data) => (err ? reject(err) : resolve(data))));
      const known = new Map(md.topics.map((t) => [t.name, t.partitions.length]));
      const short = [...wanted].filter(([topic, count]) => (known.get(topic) ?? 0) < count);
      if (short.length === 0) return;
      if (Date.now() > deadline) {
        const seen = short.map(([topic, count]) => `${known.get(topic) ?? 0} of ${count} partitions of ${topic}`).join(', ');
        throw new MirrorError(ERROR_CODES.TIMEOUT, `target producer still sees ${seen} after ${timeoutMs / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The topic's `max.message.bytes` through DescribeConfigs (engine/kafka/topic-configs.ts); undefined on any failure. */
  async recordLimits(topic: string): Promise<RecordLimits> {
    const admin = new TopicConfigAdmin(this.cluster, `${this.clientId}-limits`);
    let remoteMaxMessageBytes: number | undefined;
    try {
      const value = (await admin.describeTopicConfigs([topic])).get(topic)?.find((e) => e.name === 'max.message.bytes')?.value;
      remoteMaxMessageBytes = value === undefined || value === null || !/^\d+$/.test(value) ? undefined : Number(value);
    } catch {
      remoteMaxMessageBytes = undefined; // the limit is evidence for the message, not a reason to fail differently
    } finally {
      await admin.close();
    }
    return { remoteMaxMessageBytes, producerMaxMessageBytes: this.maxMessageBytes };
  }

  awaitReports(timeoutMs: number, pendingReports: () => number): Promise<boolean> {
    return awaitDeliveryReports(timeoutMs, pendingReports);
  }

  disconnect(flushTimeoutMs?: number): Promise<void> {
    if (flushTimeoutMs === undefined) return disconnect(this.producer);
    const producer = this.producer;
    return new Promise((resolve) => {
      try {
        producer.disconnect(flushTimeoutMs, () => resolve());
      } catch {
        resolve();
      }
    });
  }
}
