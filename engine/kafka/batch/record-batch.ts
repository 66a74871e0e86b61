/**
 * Record batch v2 ("magic 2") headers read straight from the bytes of a Fetch response's `records`
 * field, without decoding a single record: the batch data path forwards batches as bytes (issue 16).
 *
 * Layout (Kafka protocol doc "Record Batch"; `DefaultRecordBatch` in apache/kafka clients):
 *
 * | byte | field | | byte | field |
 * |---|---|---|---|---|
 * | 0 | baseOffset int64 | | 27 | baseTimestamp int64 |
 * | 8 | batchLength int32 (bytes after this field) | | 35 | maxTimestamp int64 |
 * | 12 | partitionLeaderEpoch int32 | | 43 | producerId int64 |
 * | 16 | magic int8 (= 2) | | 51 | producerEpoch int16 |
 * | 17 | crc uint32: CRC-32C of bytes 21..end | | 53 | baseSequence int32 |
 * | 21 | attributes int16 | | 57 | recordCount int32 |
 * | 23 | lastOffsetDelta int32 | | 61 | records (compressed as a whole when attributes say so) |
 *
 * Offsets, timestamps and producer ids are int64 on the wire and JavaScript numbers here: exact up to
 * 2^53 (offsets are one numeric type in the engine, `number`), read from two int32 halves so reading a
 * header allocates no BigInt.
 */
import { ERROR_CODES, MirrorError } from '../../core/errors.ts';

/** Byte positions of the v2 batch header fields (see the table above). */
export const BATCH = {
  BASE_OFFSET: 0,
  LENGTH: 8,
  PARTITION_LEADER_EPOCH: 12,
  MAGIC: 16,
  CRC: 17,
  ATTRIBUTES: 21,
  LAST_OFFSET_DELTA: 23,
  BASE_TIMESTAMP: 27,
  MAX_TIMESTAMP: 35,
  PRODUCER_ID: 43,
  PRODUCER_EPOCH: 51,
  BASE_SEQUENCE: 53,
  RECORD_COUNT: 57,
  /** Size of the v2 header; the records start here. */
  HEADER_SIZE: 61,
  /** baseOffset + batchLength: the bytes a batch has outside `batchLength`. */
  LOG_OVERHEAD: 12,
} as const;

/** Attribute bits (Kafka protocol doc "Record Batch": bits 0–2 codec, 3 timestamp type, 4 transactional, 5 control, 6 delete horizon). */
export const ATTR = {
  COMPRESSION_MASK: 0x07,
  TIMESTAMP_TYPE_LOG_APPEND: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
  DELETE_HORIZON: 0x40,
} as const;

/** Compression codec ids of attribute bits 0–2 (`CompressionType` in apache/kafka). */
export const COMPRESSION = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** Codec name of a batch (`unknown` for ids 5–7, which no Kafka version assigns). */
export type CompressionName = (typeof COMPRESSION)[number] | 'unknown';

/**
 * One v2 batch inside a records buffer: its header fields and where its bytes are. `bytes` is a view
 * (no copy) into the fetch response: `bytes.length === BATCH.LOG_OVERHEAD + batchLength`.
 */
export interface BatchHeader {
  /** The batch bytes (view into the response buffer). */
  bytes: Buffer;
  baseOffset: number;
  /** Bytes after the length field (the whole batch is `LOG_OVERHEAD + batchLength`). */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** CRC-32C of `bytes[21..]` as stored (uint32). */
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  /** ms since epoch; -1 when absent. */
  baseTimestamp: number;
  /** ms since epoch; -1 when absent. */
  maxTimestamp: number;
  /** -1 when the producer was neither idempotent nor transactional. */
  producerId: number;
  producerEpoch: number;
  /** -1 when the producer was neither idempotent nor transactional. */
  baseSequence: number;
  recordCount: number;
}

/** A records buffer that is not a sequence of v2 batches (wrong magic, impossible length). */
export class RecordBatchError extends MirrorError {
  /** Byte position of the bad batch inside the records buffer. */
  readonly position: number;
  /** baseOffset of the bad batch, when its first 8 bytes were there. */
  readonly baseOffset: number | undefined;

  constructor(message: string, position: number, baseOffset: number | undefined) {
    super(ERROR_CODES.KAFKA_ERROR, message);
    this.position = position;
    this.baseOffset = baseOffset;
  }
}

/** Reads a signed int64 at `at` as a number (exact within ±2^53). */
export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
}

/** Writes `value` (an integer within ±2^53) as a signed int64 at `at`. */
export function writeInt64(buf: Buffer, at: number, value: number): void {
  const hi = Math.floor(value / 4294967296);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * 4294967296, at + 4);
}

/** The header of the batch that starts at `bytes[0]`; `bytes` must hold at least {@link BATCH.HEADER_SIZE} bytes. */
export function readBatchHeader(bytes: Buffer): BatchHeader {
  return {
    bytes,
    baseOffset: readInt64(bytes, BATCH.BASE_OFFSET),
    batchLength: bytes.readInt32BE(BATCH.LENGTH),
    partitionLeaderEpoch: bytes.readInt32BE(BATCH.PARTITION_LEADER_EPOCH),
    magic: bytes.readInt8(BATCH.MAGIC),
    crc: bytes.readUInt32BE(BATCH.CRC),
    attributes: bytes.readInt16BE(BATCH.ATTRIBUTES),
    lastOffsetDelta: bytes.readInt32BE(BATCH.LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(bytes, BATCH.BASE_TIMESTAMP),
    maxTimestamp: readInt64(bytes, BATCH.MAX_TIMESTAMP),
    producerId: readInt64(bytes, BATCH.PRODUCER_ID),
    producerEpoch: bytes.readInt16BE(BATCH.PRODUCER_EPOCH),
    baseSequence: bytes.readInt32BE(BATCH.BASE_SEQUENCE),
    recordCount: bytes.readInt32BE(BATCH.RECORD_COUNT),
  };
}

/** Last offset of a batch: `baseOffset + lastOffsetDelta`. */
export function lastOffsetOf(b: BatchHeader): number {
  return b.baseOffset + b.lastOffsetDelta;
}

/** Whether the batch holds transaction markers (attributes bit 5). */
export function isControlBatch(b: BatchHeader): boolean {
  return (b.attributes & ATTR.CONTROL) !== 0;
}

/** Whether the batch was written inside a transaction (attributes bit 4). */
export function isTransactionalBatch(b: BatchHeader): boolean {
  return (b.attributes & ATTR.TRANSACTIONAL) !== 0;
}

/** The batch's compression codec (attributes bits 0–2). */
export function compressionOf(b: BatchHeader): CompressionName {
  return COMPRESSION[b.attributes & ATTR.COMPRESSION_MASK] ?? 'unknown';
}

/**
 * Whether the batch's record offsets are contiguous (`lastOffsetDelta + 1 === recordCount`). The log
 * cleaner leaves batches whose records skip offsets (compacted topics, and batches the cleaner emptied
 * down to their last record to keep a producer's sequence); a client's Produce of such a batch is
 * rejected with INVALID_RECORD ("Inconsistent batch offset range", `LogValidator.validateBatch`).
 */
export function hasContiguousOffsets(b: BatchHeader): boolean {
  return b.lastOffsetDelta + 1 === b.recordCount;
}

/** The result of {@link readBatches}: the whole batches, and how a partial last batch was left. */
export interface BatchList {
  batches: BatchHeader[];
  /**
   * Bytes at the end that do not form a whole batch: a fetch response may end in a partial batch
   * (the broker cuts at `partition_max_bytes`; Kafka protocol doc, Fetch). 0 when none.
   */
  partialBytes: number;
  /**
   * When `batches` is empty but `partialBytes` > 0: the size in bytes the partial batch says it has
   * (`LOG_OVERHEAD + batchLength`), so the caller can raise `partition_max_bytes` to at least this
   * (the broker returns at least one whole batch only when the fetch allows it, KIP-74). -1 otherwise.
   */
  partialBatchSize: number;
}

/**
 * The v2 batches in `records` (a Fetch response's `records` bytes), in order, as views without copies.
 * A partial last batch is reported in `partialBytes`, never returned. Throws {@link RecordBatchError}
 * when a whole batch has a magic other than 2 (v0/v1 message sets: the batch path does not handle
 * them; Kafka 4 brokers write only v2) or a `batchLength` below the v2 header size.
 */
export function readBatches(records: Buffer): BatchList {
  const batches: BatchHeader[] = [];
  let at = 0;
  const end = records.length;
  while (end - at >= BATCH.LOG_OVERHEAD) {
    const batchLength = records.readInt32BE(at + BATCH.LENGTH);
    const size = BATCH.LOG_OVERHEAD + batchLength;
    if (batchLength < BATCH.HEADER_SIZE - BATCH.LOG_OVERHEAD) {
      throw new RecordBatchError(`record batch at byte ${at} has batchLength ${batchLength}, below the v2 header size`, at, readInt64(records, at));
    }
    if (end - at < size) break;
    const magic = records.readInt8(at + BATCH.MAGIC);
    if (magic !== 2) {
      throw new RecordBatchError(`record batch at byte ${at} (baseOffset ${readInt64(records, at)}) has magic ${magic}; only v2 batches are forwarded`, at, readInt64(records, at));
    }
    batches.push(readBatchHeader(records.subarray(at, at + size)));
    at += size;
  }
  const partialBytes = end - at;
  const partialBatchSize = batches.length === 0 && partialBytes >= BATCH.LOG_OVERHEAD ? BATCH.LOG_OVERHEAD + records.readInt32BE(at + BATCH.LENGTH) : -1;
  return { batches, partialBytes, partialBatchSize };
}
