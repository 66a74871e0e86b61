/**
 * What the brokers and the client accept from `commit-log-producer`, checked before anything
 * connects: the most partitions one CreateTopics request may ask for, and the largest value
 * (`--size`) a record can carry without being refused by the client.
 *
 * The producer does not raise librdkafka's `message.max.bytes` (default 1 000 000 bytes), so a
 * record's wire size (key + value + headers + record framing) must stay within it; the topic's
 * broker-side `max.message.bytes` (default 1 048 588) is larger, so the client's limit is the one
 * that binds. A topic configured below that default fails the delivery instead (exit 1, counted).
 */
import { COMMIT_LOG_PRODUCER_NAME, commitLogKey } from './commit-log-event.ts';

/**
 * Most partitions `--partitions` may create a topic with: the KRaft controller refuses a
 * CreateTopics request for more than 10 000 partitions ("Excessively large number of partitions
 * per request.", PolicyViolationException; `ReplicationControlManager.MAX_PARTITIONS_PER_BATCH` in
 * apache/kafka 4.1). librdkafka itself caps `num_partitions` at 100 000.
 */
export const MAX_PARTITIONS = 10_000;

/** librdkafka's default `message.max.bytes` (CONFIGURATION.md), which the producer keeps: the largest record wire size, bytes. */
export const PRODUCER_MESSAGE_MAX_BYTES = 1_000_000;

/**
 * librdkafka's worst-case framing of one v2 record (`RD_KAFKAP_MESSAGE_V2_MAX_OVERHEAD`,
 * rdkafka_proto.h): length 5 + attributes 1 + timestamp delta 10 + offset delta 5 + key length 5 +
 * value length 5 + header count 5 bytes. `rd_kafka_msg_new0` refuses a record when this plus key,
 * value and serialized headers exceeds `message.max.bytes` (MSG_SIZE_TOO_LARGE).
 */
export const RECORD_V2_MAX_OVERHEAD_BYTES = 36;

/** Bytes of the zig-zag varint librdkafka writes for a non-negative length `n` (rdvarint.h). */
function varintBytes(n: number): number {
  let v = n * 2;
  let bytes = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    bytes += 1;
  }
  return bytes;
}

/** Serialized size of one header as librdkafka counts it (`rd_kafka_header_add`): name + value + their varint lengths, bytes. */
function headerBytes(name: string, value: string): number {
  const nameBytes = Buffer.byteLength(name);
  const valueBytes = Buffer.byteLength(value);
  return nameBytes + valueBytes + varintBytes(nameBytes) + varintBytes(valueBytes);
}

/**
 * Largest value size in bytes (`--size`) whose record still fits librdkafka's
 * {@link PRODUCER_MESSAGE_MAX_BYTES}, for the run's largest `seq` (the longest key and `seq`
 * header), its `runId` and `keyPrefix`: 1 000 000 − 36 − key bytes − header bytes. May be below the
 * event's minimum size when the key prefix or run id alone are that large (every `--size` is then refused).
 */
export function maximumSizeBytes(maxSeq: number, runId: string, keyPrefix: string): number {
  const key = Buffer.byteLength(commitLogKey(maxSeq, keyPrefix));
  const headers = headerBytes('seq', String(maxSeq)) + headerBytes('run-id', runId) + headerBytes('producer', COMMIT_LOG_PRODUCER_NAME);
  return PRODUCER_MESSAGE_MAX_BYTES - RECORD_V2_MAX_OVERHEAD_BYTES - key - headers;
}
