/**
 * The target side of the record path behind a small port: the idempotent rdkafka-style `Producer` of
 * @confluentinc/kafka-javascript, seen by the mirror task as produce a record (with the local
 * queue-full signal), delivery reports, waiting for a topic's partitions in the producer's metadata,
 * flush-and-await-reports and disconnect. Unit tests substitute a fake {@link TargetProducer}.
 */
import type { LibrdKafkaError, Metadata, Producer } from '@confluentinc/kafka-javascript';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { connectProducer, disconnect, flushAndAwaitReports, targetProducerConfig, type ClusterClientSettings } from './kafka-clients.ts';
import { emptySafeHeaders, nonNullEmpty } from './record-fidelity.ts';
import type { ClientErrorLike, SourceRecord } from './source-consumer.ts';
import { KAFKA_ERROR_CODES } from './error-codes.ts';

/** librdkafka ERR__QUEUE_FULL (-184): the local producer queue is full (`queue.buffering.max.*`). */
export const ERR__QUEUE_FULL = KAFKA_ERROR_CODES._QUEUE_FULL;

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
   * Waits until the producer's metadata shows at least `count` partitions of `topic`, so a record for a
   * partition added a moment ago is not rejected. Throws MirrorError(TIMEOUT) after `timeoutMs`.
   */
  awaitPartitions(topic: string, count: number, timeoutMs?: number): Promise<void>;
  /**
   * Flushes and waits until `pendingReports()` is 0, within `timeoutMs`. Resolves true when every
   * delivery report arrived, false at the deadline; throws MirrorError when the flush fails.
   */
  flushAndAwaitReports(timeoutMs: number, pendingReports: () => number): Promise<boolean>;
  /** Closes the client; resolves even when it was not connected. */
  disconnect(): Promise<void>;
}

/** What the mirror task decides about the producer it creates. */
export interface TargetProducerOptions {
  onDelivery: DeliveryHandler;
}

/** Creates and connects a target producer. Rejects with MirrorError(KAFKA_ERROR | AUTH_FAILED). */
export type TargetProducerFactory = (options: TargetProducerOptions) => Promise<TargetProducer>;

/** The librdkafka-backed {@link TargetProducerFactory}: {@link targetProducerConfig} (idempotent, acks=all, no delivery timeout), client id `clientId`. */
export function targetProducerFactory(cluster: ClusterClientSettings, clientId: string): TargetProducerFactory {
  return async (options) => {
    const producer = await connectProducer(targetProducerConfig(cluster, clientId));
    const onDelivery = options.onDelivery;
    producer.on('delivery-report', (err, report) => onDelivery(err, report.topic, report.partition, report.offset));
    return new RdTargetProducer(producer);
  };
}

/** {@link TargetProducer} over an rdkafka-style Producer with background polling. */
class RdTargetProducer implements TargetProducer {
  private readonly producer: Producer;

  constructor(producer: Producer) {
    this.producer = producer;
  }

  produce(topic: string, record: SourceRecord): boolean {
    try {
      // No per-record opaque: each one is a persistent V8 handle in the binding (see mirror-task.ts, takeInFlight).
      this.producer.produce(topic, record.partition, nonNullEmpty(record.value), nonNullEmpty(record.key), record.timestamp, undefined, emptySafeHeaders(record.headers));
      return true;
    } catch (err) {
      if ((err as LibrdKafkaError).code === ERR__QUEUE_FULL) return false;
      throw err;
    }
  }

  /**
   * librdkafka caches a topic's partition count (refreshed every `topic.metadata.refresh.interval.ms`,
   * 5 min) and rejects a partition beyond it at once with ERR__UNKNOWN_PARTITION (-190), which would fail
   * the flow right after a remote topic grew (new partitions, or a topic reset with more partitions).
   * A metadata request for the topic updates that cache.
   */
  async awaitPartitions(topic: string, count: number, timeoutMs = 30_000): Promise<void> {
    const producer = this.producer;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const md = await new Promise<Metadata>((resolve, reject) =>
        producer.getMetadata({ topic, timeout: 5000 }, (err, data) => (err ? reject(err) : resolve(data))),
      );
      const known = md.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
      if (known >= count) return;
      if (Date.now() > deadline) throw new MirrorError(ERROR_CODES.TIMEOUT, `target producer still sees ${known} of ${count} partitions of ${topic} after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  flushAndAwaitReports(timeoutMs: number, pendingReports: () => number): Promise<boolean> {
    return flushAndAwaitReports(this.producer, timeoutMs, pendingReports);
  }

  disconnect(): Promise<void> {
    return disconnect(this.producer);
  }
}
