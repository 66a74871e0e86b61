/**
 * Uncompressed v2 batches from records and back (Kafka protocol doc "Record Batch" / "Record";
 * `DefaultRecord.writeTo` / `readFrom` in apache/kafka): for producing exact test data (null keys, null
 * values, null header values, duplicate headers, timestamp 0 — what the record path cannot produce) and
 * for checking an uncompressed batch record by record. Not on the forwarding path.
 */
import { crc32c } from './crc32c.ts';
import { ATTR, BATCH, RecordBatchError, writeInt64, type BatchHeader } from './record-batch.ts';
import { readVarint, varintSize, writeVarint } from './varint.ts';

/** One record as Kafka stores it. Headers keep order and duplicates; a null value is a null header value. */
export interface BatchRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer | null][];
  /** ms since epoch (0 is a real timestamp; -1 none). */
  timestamp: number;
}

/** A decoded record with its absolute offset. */
export interface DecodedRecord extends BatchRecord {
  offset: number;
}

/** Producer fields of an encoded batch: -1 / -1 / -1 for a plain (non-idempotent) producer. */
export interface EncodeOptions {
  baseOffset?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  /** Offset delta of record i (default i): set to leave gaps as a compacted log does. */
  offsetDeltas?: number[];
}

function bytesSize(b: Buffer | null): number {
  return b === null ? varintSize(-1) : varintSize(b.length) + b.length;
}

function writeBytes(out: Buffer, at: number, b: Buffer | null): number {
  if (b === null) return writeVarint(out, at, -1);
  at = writeVarint(out, at, b.length);
  return at + b.copy(out, at);
}

/** An uncompressed v2 batch of `records` (at least one), CreateTime, CRC-32C set. */
export function encodeBatch(records: readonly BatchRecord[], options: EncodeOptions = {}): Buffer {
  if (records.length === 0) throw new RangeError('encodeBatch: no records');
  const baseTimestamp = records[0]!.timestamp;
  const deltas = options.offsetDeltas ?? records.map((_, i) => i);
  const headerKeys = records.map((r) => r.headers.map(([k]) => Buffer.from(k, 'utf8')));
  const bodies = records.map((r, i) => {
    let body = 1 + varintSize(r.timestamp - baseTimestamp) + varintSize(deltas[i]!) + bytesSize(r.key) + bytesSize(r.value) + varintSize(r.headers.length);
    r.headers.forEach(([, v], j) => (body += bytesSize(headerKeys[i]![j]!) + bytesSize(v)));
    return body;
  });
  const size = BATCH.HEADER_SIZE + bodies.reduce((s, b) => s + varintSize(b) + b, 0);
  const out = Buffer.alloc(size);
  writeInt64(out, BATCH.BASE_OFFSET, options.baseOffset ?? 0);
  out.writeInt32BE(size - BATCH.LOG_OVERHEAD, BATCH.LENGTH);
  out.writeInt32BE(-1, BATCH.PARTITION_LEADER_EPOCH);
  out.writeInt8(2, BATCH.MAGIC);
  out.writeInt16BE(options.transactional ? ATTR.TRANSACTIONAL : 0, BATCH.ATTRIBUTES);
  out.writeInt32BE(deltas[deltas.length - 1]!, BATCH.LAST_OFFSET_DELTA);
  writeInt64(out, BATCH.BASE_TIMESTAMP, baseTimestamp);
  writeInt64(out, BATCH.MAX_TIMESTAMP, Math.max(...records.map((r) => r.timestamp)));
  writeInt64(out, BATCH.PRODUCER_ID, options.producerId ?? -1);
  out.writeInt16BE(options.producerEpoch ?? -1, BATCH.PRODUCER_EPOCH);
  out.writeInt32BE(options.baseSequence ?? -1, BATCH.BASE_SEQUENCE);
  out.writeInt32BE(records.length, BATCH.RECORD_COUNT);
  let at: number = BATCH.HEADER_SIZE;
  records.forEach((r, i) => {
    at = writeVarint(out, at, bodies[i]!);
    out[at++] = 0;
    at = writeVarint(out, at, r.timestamp - baseTimestamp);
    at = writeVarint(out, at, deltas[i]!);
    at = writeBytes(out, at, r.key);
    at = writeBytes(out, at, r.value);
    at = writeVarint(out, at, r.headers.length);
    r.headers.forEach(([, v], j) => {
      at = writeBytes(out, at, headerKeys[i]![j]!);
      at = writeBytes(out, at, v);
    });
  });
  out.writeUInt32BE(crc32c(out, BATCH.ATTRIBUTES), BATCH.CRC);
  return out;
}

function readBytes(buf: Buffer, at: number): { value: Buffer | null; next: number } {
  const len = readVarint(buf, at);
  if (len.value < 0) return { value: null, next: len.next };
  return { value: buf.subarray(len.next, len.next + len.value), next: len.next + len.value };
}

/**
 * The records of an uncompressed batch with absolute offsets and timestamps (LogAppendTime batches:
 * every record gets maxTimestamp, as consumers see it). Throws RecordBatchError for a compressed batch
 * or a malformed record.
 */
export function decodeRecords(batch: BatchHeader): DecodedRecord[] {
  if ((batch.attributes & ATTR.COMPRESSION_MASK) !== 0) throw new RecordBatchError('decodeRecords: compressed batch', 0, batch.baseOffset);
  const logAppend = (batch.attributes & ATTR.TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const b = batch.bytes;
  const out: DecodedRecord[] = [];
  let at: number = BATCH.HEADER_SIZE;
  for (let i = 0; i < batch.recordCount; i++) {
    const length = readVarint(b, at);
    const ts = readVarint(b, length.next + 1);
    const od = readVarint(b, ts.next);
    const key = readBytes(b, od.next);
    const value = readBytes(b, key.next);
    const count = readVarint(b, value.next);
    let p = count.next;
    const headers: [string, Buffer | null][] = [];
    for (let j = 0; j < count.value; j++) {
      const k = readBytes(b, p);
      const v = readBytes(b, k.next);
      headers.push([k.value?.toString('utf8') ?? '', v.value]);
      p = v.next;
    }
    out.push({ offset: batch.baseOffset + od.value, timestamp: logAppend ? batch.maxTimestamp : batch.baseTimestamp + ts.value, key: key.value, value: value.value, headers });
    at = length.next + length.value;
  }
  return out;
}
