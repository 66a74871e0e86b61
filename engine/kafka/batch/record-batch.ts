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
 * A v2 batch's bytes as consecutive views into the buffers they arrived in (the socket chunks of a Fetch
 * response: no copies). `chunks[0]` holds at least the whole v2 header ({@link BATCH.HEADER_SIZE} bytes; when
 * the header straddled two chunks, a 61-byte copy of it), so the producer fields can be rewritten in place
 * (./producer-fields.ts). `size === BATCH.LOG_OVERHEAD + batchLength` = the sum of the chunks' lengths.
 */
export interface BatchBytes {
  readonly chunks: readonly Buffer[];
  /** Total bytes of the batch. */
  readonly size: number;
}

/** A whole batch held in one Buffer, as {@link BatchBytes} (rebuilt batches, tests). */
export function batchBytesOf(bytes: Buffer): BatchBytes {
  return { chunks: [bytes], size: bytes.length };
}

/**
 * One v2 batch inside a records buffer: its header fields and where its bytes are: `chunks` are views
 * (no copy) into the fetch response; `bytes` is the batch as one Buffer — the view itself when the batch
 * sits in one chunk, else a copy made once on first use (for readers of the records: rebuilds, control
 * records, decoding; the forwarding path uses `chunks` and never reads it).
 */
export interface BatchHeader extends BatchBytes {
  /** The batch bytes as one Buffer (see above; a copy does not see later in-place rewrites of `chunks[0]`). */
  readonly bytes: Buffer;
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

/** {@link BatchHeader} with `bytes` joined from `chunks` on first use. */
class ParsedBatch implements BatchHeader {
  readonly chunks: readonly Buffer[];
  readonly size: number;
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  private joined: Buffer | undefined;

  constructor(head: Buffer, chunks: readonly Buffer[], size: number) {
    this.chunks = chunks;
    this.size = size;
    this.baseOffset = readInt64(head, BATCH.BASE_OFFSET);
    this.batchLength = head.readInt32BE(BATCH.LENGTH);
    this.partitionLeaderEpoch = head.readInt32BE(BATCH.PARTITION_LEADER_EPOCH);
    this.magic = head.readInt8(BATCH.MAGIC);
    this.crc = head.readUInt32BE(BATCH.CRC);
    this.attributes = head.readInt16BE(BATCH.ATTRIBUTES);
    this.lastOffsetDelta = head.readInt32BE(BATCH.LAST_OFFSET_DELTA);
    this.baseTimestamp = readInt64(head, BATCH.BASE_TIMESTAMP);
    this.maxTimestamp = readInt64(head, BATCH.MAX_TIMESTAMP);
    this.producerId = readInt64(head, BATCH.PRODUCER_ID);
    this.producerEpoch = head.readInt16BE(BATCH.PRODUCER_EPOCH);
    this.baseSequence = head.readInt32BE(BATCH.BASE_SEQUENCE);
    this.recordCount = head.readInt32BE(BATCH.RECORD_COUNT);
  }

  get bytes(): Buffer {
    if (this.chunks.length === 1) return this.chunks[0]!;
    return (this.joined ??= Buffer.concat(this.chunks, this.size));
  }
}

/** The header of the batch that starts at `bytes[0]`; `bytes` must hold at least {@link BATCH.HEADER_SIZE} bytes and is taken as the whole batch. */
export function readBatchHeader(bytes: Buffer): BatchHeader {
  return new ParsedBatch(bytes, [bytes], bytes.length);
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
 * A Fetch response's `records`: one Buffer, or consecutive chunks (views into the socket chunks the
 * response arrived in, as @platformatic/kafka's response `DynamicBuffer` holds them).
 */
export type RecordsBytes = Buffer | readonly Buffer[];

/** Total bytes of `records`. */
export function recordsLength(records: RecordsBytes): number {
  if (Buffer.isBuffer(records)) return records.length;
  let n = 0;
  for (const c of records) n += c.length;
  return n;
}

/** A fresh contiguous copy of `records` (tests and tools that keep batches past the next rewrite). */
export function copyRecords(records: RecordsBytes): Buffer {
  return Buffer.isBuffer(records) ? Buffer.from(records) : Buffer.concat(records);
}

/**
 * The v2 batches in `records` (a Fetch response's `records` bytes), in order, as views without copies:
 * each batch's `chunks` are subarrays of the chunks of `records` (only a header that straddles two chunks
 * is copied: 61 bytes). A partial last batch is reported in `partialBytes`, never returned. Throws
 * {@link RecordBatchError} when a whole batch has a magic other than 2 (v0/v1 message sets: the batch
 * path does not handle them; Kafka 4 brokers write only v2) or a `batchLength` below the v2 header size.
 */
export function readBatches(records: RecordsBytes): BatchList {
  const chunks = Buffer.isBuffer(records) ? [records] : records.filter((c) => c.length > 0);
  const end = recordsLength(chunks);
  const batches: BatchHeader[] = [];
  let at = 0; // position in the records
  let ci = 0; // cursor: chunks[ci][off] is byte `at`
  let off = 0;
  /** `n` bytes from the cursor (not moved): a view when they sit in one chunk, else a copy. */
  const peek = (n: number): Buffer => {
    const c = chunks[ci]!;
    if (off + n <= c.length) return c.subarray(off, off + n);
    const out = Buffer.allocUnsafe(n);
    for (let i = ci, o = off, w = 0; w < n; i++, o = 0) w += chunks[i]!.copy(out, w, o, Math.min(chunks[i]!.length, o + n - w));
    return out;
  };
  /** Moves the cursor `n` bytes on, pushing the views it passes over onto `into` when given. */
  const take = (n: number, into?: Buffer[]): void => {
    at += n;
    while (n > 0) {
      const c = chunks[ci]!;
      const k = Math.min(n, c.length - off);
      into?.push(c.subarray(off, off + k));
      n -= k;
      off += k;
      if (off === c.length && ci < chunks.length - 1) {
        ci++;
        off = 0;
      }
    }
  };
  while (end - at >= BATCH.LOG_OVERHEAD) {
    const head = peek(Math.min(BATCH.HEADER_SIZE, end - at));
    const batchLength = head.readInt32BE(BATCH.LENGTH);
    const size = BATCH.LOG_OVERHEAD + batchLength;
    if (batchLength < BATCH.HEADER_SIZE - BATCH.LOG_OVERHEAD) {
      throw new RecordBatchError(`record batch at byte ${at} has batchLength ${batchLength}, below the v2 header size`, at, readInt64(head, 0));
    }
    if (end - at < size) break;
    const magic = head.readInt8(BATCH.MAGIC);
    if (magic !== 2) {
      throw new RecordBatchError(`record batch at byte ${at} (baseOffset ${readInt64(head, 0)}) has magic ${magic}; only v2 batches are forwarded`, at, readInt64(head, 0));
    }
    const parts: Buffer[] = [];
    if (off + BATCH.HEADER_SIZE <= chunks[ci]!.length) {
      take(size, parts);
    } else {
      parts.push(head); // the header straddles two chunks: its copy, then views of the rest
      take(BATCH.HEADER_SIZE);
      take(size - BATCH.HEADER_SIZE, parts);
    }
    batches.push(new ParsedBatch(head, parts, size));
  }
  const partialBytes = end - at;
  const partialBatchSize = batches.length === 0 && partialBytes >= BATCH.LOG_OVERHEAD ? BATCH.LOG_OVERHEAD + peek(BATCH.LOG_OVERHEAD).readInt32BE(BATCH.LENGTH) : -1;
  return { batches, partialBytes, partialBatchSize };
}
