/**
 * The source side of the record path behind a small port: a manually assigned rdkafka-style
 * `KafkaConsumer` of @confluentinc/kafka-javascript (the only API with manual assignment and ordered
 * headers, ../shared/KAFKA-FACTS.md), seen by the mirror task as assign / consume a batch / error
 * events / disconnect. Unit tests substitute a fake {@link SourceConsumer}.
 */
import type { KafkaConsumer, LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { connectConsumer, consumeBatch, disconnect, sourceConsumerConfig, type ClusterClientSettings } from './kafka-clients.ts';
import { KAFKA_ERROR_CODES } from './error-codes.ts';

/** One record header: a one-key object as librdkafka hands them out; the array keeps order and duplicate keys. */
export type RecordHeader = { readonly [key: string]: string | Buffer };

/**
 * A fetched source record as the replicate loop sees it. Structural on purpose: librdkafka's
 * `Message` objects satisfy it as they come out of `consume()`, so the hot path converts nothing.
 */
export interface SourceRecord {
  readonly topic: string;
  readonly partition: number;
  /** Upstream offset. */
  readonly offset: number;
  /** Null for a record without key. */
  readonly key?: Buffer | string | null | undefined;
  /** Null for a tombstone. */
  readonly value: Buffer | null;
  /** Record timestamp, epoch ms (CreateTime or LogAppendTime). */
  readonly timestamp?: number | undefined;
  readonly headers?: readonly RecordHeader[] | undefined;
}

/** An error of a client as the engine inspects it: librdkafka's numeric `code` (Kafka error codes, negative for librdkafka's own) and text. */
export interface ClientErrorLike {
  readonly code: number;
  readonly message: string;
}

/** Where to fetch one partition from: the next upstream offset. */
export interface FetchPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** The consumer port of a mirror task. */
export interface SourceConsumer {
  /** Replaces the whole assignment by `positions` (empty: fetch nothing). Throws the client's error. */
  assign(positions: readonly FetchPosition[]): void;
  /**
   * One batch of at most `max` records: waits up to the consume timeout for the first record, then
   * returns what is already fetched (timeout only for the first record: latency stays low under load).
   * Resolves `[]` on timeout; rejects with a {@link ClientErrorLike} (e.g. -140 out of range).
   */
  consume(max: number): Promise<SourceRecord[]>;
  /** Closes the client; resolves even when it was not connected. */
  disconnect(): Promise<void>;
}

/** What the mirror task decides about each consumer it creates. */
export interface SourceConsumerOptions {
  /** ms one {@link SourceConsumer.consume} call waits for the first record of a batch. */
  consumeTimeoutMs: number;
  /** Error events of the client (out of range, unknown topic, brokers down …); called on the client's callback thread. */
  onError(err: ClientErrorLike): void;
}

/** Creates and connects a source consumer. Rejects with MirrorError(KAFKA_ERROR | AUTH_FAILED). */
export type SourceConsumerFactory = (options: SourceConsumerOptions) => Promise<SourceConsumer>;

/**
 * librdkafka ERR__AUTO_OFFSET_RESET (-140): the fetch position is out of range and
 * `auto.offset.reset=error`. It arrives without its partition and can be dropped (KAFKA-FACTS.md).
 */
export const ERR__AUTO_OFFSET_RESET = KAFKA_ERROR_CODES._AUTO_OFFSET_RESET;

/** Kafka errors meaning the topic is gone or changed: UNKNOWN_TOPIC_OR_PARTITION (3), UNKNOWN_TOPIC_ID (100), INCONSISTENT_TOPIC_ID (103) (Kafka protocol error codes). */
const TOPIC_GONE_CODES: ReadonlySet<number> = new Set([KAFKA_ERROR_CODES.UNKNOWN_TOPIC_OR_PARTITION, KAFKA_ERROR_CODES.UNKNOWN_TOPIC_ID, KAFKA_ERROR_CODES.INCONSISTENT_TOPIC_ID]);

/** Whether a consumer error says the fetch position is out of range (see {@link ERR__AUTO_OFFSET_RESET}). */
export function isOffsetOutOfRange(err: ClientErrorLike): boolean {
  return err.code === ERR__AUTO_OFFSET_RESET;
}

/** Whether a consumer error says a topic is gone or was recreated (UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, INCONSISTENT_TOPIC_ID). */
export function isTopicGone(err: ClientErrorLike): boolean {
  return TOPIC_GONE_CODES.has(err.code);
}

/**
 * The librdkafka-backed {@link SourceConsumerFactory} of a flow: each call connects a new consumer with
 * {@link sourceConsumerConfig} (`auto.offset.reset=error`, no commits, `isolationLevel`) and client id
 * `clientId`.
 */
export function sourceConsumerFactory(cluster: ClusterClientSettings, clientId: string, isolationLevel: string): SourceConsumerFactory {
  return async (options) => {
    const consumer = await connectConsumer(sourceConsumerConfig(cluster, clientId, isolationLevel));
    consumer.setDefaultConsumeTimeout(options.consumeTimeoutMs);
    // Return a batch as soon as the first record is there (latency), not after the timeout per record.
    (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
    consumer.on('event.error', (err: LibrdKafkaError) => options.onError(err));
    return new RdSourceConsumer(consumer);
  };
}

/** {@link SourceConsumer} over an rdkafka-style KafkaConsumer. */
class RdSourceConsumer implements SourceConsumer {
  private readonly consumer: KafkaConsumer;

  constructor(consumer: KafkaConsumer) {
    this.consumer = consumer;
  }

  assign(positions: readonly FetchPosition[]): void {
    this.consumer.unassign();
    if (positions.length > 0) this.consumer.assign(positions as FetchPosition[]);
  }

  consume(max: number): Promise<SourceRecord[]> {
    return consumeBatch(this.consumer, max);
  }

  disconnect(): Promise<void> {
    return disconnect(this.consumer);
  }
}
