/**
 * What the batch path does with one fetched batch, given the partition's expected (next upstream)
 * offset. Kafka hands out whole batches: a Fetch at offset X returns the batch that CONTAINS X, which
 * may start before it (resume from progress written mid-batch, `truncation.policy=continue` resuming at
 * a log start offset that DeleteRecords put inside a batch, a switch from the record path). And the
 * broker accepts from a client only batches with contiguous offset deltas and CreateTime timestamps
 * (`LogValidator.validateBatch`, `validateTimestamp`). So:
 *
 * | batch | plan |
 * |---|---|
 * | ends before the expected offset, or holds no record (a batch the log cleaner emptied) | `skip` |
 * | starts at/after the expected offset, contiguous deltas, CreateTime | `forward` the bytes as they are |
 * | uncompressed, and straddles the expected offset, or has offset gaps (compaction), or LogAppendTime | `rebuilt`: a new uncompressed batch of the records at/after the expected offset, deltas 0..n−1, LogAppendTime turned into the CreateTime the consumer saw |
 * | compressed, and any of those three | `record-copy` |
 *
 * Why `record-copy` for compressed batches: trimming one means decompressing, re-encoding the records
 * and recompressing with the source codec — a codec set in the engine (zstd is not in Node 20's zlib)
 * and the very CPU the batch path exists to save; forwarding it whole would write records the target
 * already has (a hole-free but duplicated prefix, and every downstream offset after it shifted). These
 * batches are rare (one per partition per resume point; compacted or LogAppendTime compressed topics
 * are the exception), so the caller copies that one batch's records `[fromOffset, toOffset]` through
 * the record path (librdkafka consumer → producer), waits for it, and goes on with batches.
 *
 * Offsets of a rebuilt batch map by position (record i ↔ upstreamOffsets[i]); of a forwarded one by
 * delta (see ./offset-map.ts).
 */
import { crc32c } from './crc32c.ts';
import { ATTR, BATCH, hasContiguousOffsets, lastOffsetOf, readInt64, writeInt64, type BatchHeader } from './record-batch.ts';
import { readVarint, varintSize, writeVarint } from './varint.ts';

/** Why a batch cannot be forwarded as it is. */
export type RebuildReason = 'straddles-expected-offset' | 'offset-gaps' | 'log-append-time';

/** The decision for one batch; `nextOffset` is the partition's expected offset after it (last offset + 1). */
export type ForwardPlan =
  | { kind: 'skip'; nextOffset: number }
  | { kind: 'forward'; batch: BatchHeader; nextOffset: number }
  | { kind: 'rebuilt'; bytes: Buffer; upstreamOffsets: number[]; reasons: RebuildReason[]; nextOffset: number }
  | { kind: 'record-copy'; fromOffset: number; toOffset: number; reasons: RebuildReason[]; nextOffset: number };

/** The plan for `batch` when the partition's next upstream offset to mirror is `expectedOffset`. */
export function planBatch(batch: BatchHeader, expectedOffset: number): ForwardPlan {
  const last = lastOffsetOf(batch);
  const nextOffset = last + 1;
  if (last < expectedOffset || batch.recordCount === 0) return { kind: 'skip', nextOffset };
  const reasons: RebuildReason[] = [];
  if (batch.baseOffset < expectedOffset) reasons.push('straddles-expected-offset');
  if (!hasContiguousOffsets(batch)) reasons.push('offset-gaps');
  if ((batch.attributes & ATTR.TIMESTAMP_TYPE_LOG_APPEND) !== 0) reasons.push('log-append-time');
  if (reasons.length === 0) return { kind: 'forward', batch, nextOffset };
  if ((batch.attributes & ATTR.COMPRESSION_MASK) !== 0) {
    return { kind: 'record-copy', fromOffset: Math.max(batch.baseOffset, expectedOffset), toOffset: last, reasons, nextOffset };
  }
  const rebuilt = rebuildUncompressed(batch, expectedOffset);
  if (rebuilt.upstreamOffsets.length === 0) return { kind: 'skip', nextOffset };
  return { kind: 'rebuilt', bytes: rebuilt.bytes, upstreamOffsets: rebuilt.upstreamOffsets, reasons, nextOffset };
}

/**
 * A new uncompressed v2 batch holding the records of `batch` (uncompressed) whose offset is ≥
 * `fromOffset`: offset deltas renumbered 0..n−1, the same producer fields and base timestamp (or, for
 * LogAppendTime, base timestamp = the batch's maxTimestamp and every delta 0, CreateTime), maxTimestamp
 * recomputed, CRC-32C computed. `upstreamOffsets[i]` is the source offset of record i.
 * Throws RecordBatchError on a malformed record.
 */
export function rebuildUncompressed(batch: BatchHeader, fromOffset: number): { bytes: Buffer; upstreamOffsets: number[] } {
  const src = batch.bytes;
  const logAppend = (batch.attributes & ATTR.TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const kept: RecordSlice[] = [];
  const upstreamOffsets: number[] = [];
  let at: number = BATCH.HEADER_SIZE;
  for (let i = 0; i < batch.recordCount && at < src.length; i++) {
    const length = readVarint(src, at);
    const end = length.next + length.value;
    const ts = readVarint(src, length.next + 1); // after the record's attributes byte
    const od = readVarint(src, ts.next, end);
    if (batch.baseOffset + od.value >= fromOffset) {
      kept.push({ src, restStart: od.next, end, timestampDelta: logAppend ? 0 : ts.value });
      upstreamOffsets.push(batch.baseOffset + od.value);
    }
    at = end;
  }
  const { out, size, maxTimestamp } = frameRecords(src, kept, batch.baseTimestamp);
  writeInt64(out, BATCH.BASE_OFFSET, upstreamOffsets[0] ?? batch.baseOffset);
  out.writeInt32BE(size - BATCH.LOG_OVERHEAD, BATCH.LENGTH);
  out.writeInt16BE(batch.attributes & ~ATTR.TIMESTAMP_TYPE_LOG_APPEND, BATCH.ATTRIBUTES);
  out.writeInt32BE(Math.max(kept.length - 1, 0), BATCH.LAST_OFFSET_DELTA);
  if (logAppend) writeInt64(out, BATCH.BASE_TIMESTAMP, batch.maxTimestamp);
  writeInt64(out, BATCH.MAX_TIMESTAMP, logAppend ? batch.maxTimestamp : maxTimestamp);
  out.writeInt32BE(kept.length, BATCH.RECORD_COUNT);
  out.writeUInt32BE(crc32c(out, BATCH.ATTRIBUTES), BATCH.CRC);
  return { bytes: out, upstreamOffsets };
}

/** One record to frame anew: its bytes from the key length onwards (`src[restStart, end)`) and its new timestamp delta. */
interface RecordSlice {
  readonly src: Buffer;
  readonly restStart: number;
  readonly end: number;
  readonly timestampDelta: number;
}

/**
 * A new v2 batch buffer: the 61-byte header copied from `header` (the caller rewrites the fields that change), then
 * `records` framed as records 0..n−1 (length, attributes 0, the given timestamp delta, offset delta i, the rest
 * byte for byte). `maxTimestamp` is `baseTimestamp` + the largest delta (−1 without records).
 */
function frameRecords(header: Buffer, records: readonly RecordSlice[], baseTimestamp: number): { out: Buffer; size: number; maxTimestamp: number } {
  let size: number = BATCH.HEADER_SIZE;
  const bodySizes: number[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const body = 1 + varintSize(r.timestampDelta) + varintSize(i) + (r.end - r.restStart);
    bodySizes.push(body);
    size += varintSize(body) + body;
  }
  const out = Buffer.allocUnsafe(size);
  header.copy(out, 0, 0, BATCH.HEADER_SIZE);
  let w: number = BATCH.HEADER_SIZE;
  let maxTimestamp = -1;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    w = writeVarint(out, w, bodySizes[i]!);
    out[w++] = 0; // record attributes: unused, always 0 (protocol doc "Record")
    w = writeVarint(out, w, r.timestampDelta);
    w = writeVarint(out, w, i);
    w += r.src.copy(out, w, r.restStart, r.end);
    maxTimestamp = Math.max(maxTimestamp, baseTimestamp + r.timestampDelta);
  }
  return { out, size, maxTimestamp };
}

/** One uncompressed CreateTime v2 batch (whole bytes) and the upstream offset of each of its records, in order. */
export interface MergePart {
  readonly bytes: Buffer;
  readonly upstreamOffsets: readonly number[];
}

/**
 * One new uncompressed v2 batch holding every record of `parts` (each an uncompressed, CreateTime batch with
 * `upstreamOffsets.length` records; in upstream order), for a partition whose source batches are small: the
 * target broker takes one batch per partition per Produce request (Kafka 4.1.1 answers INVALID_RECORD to two,
 * engine/kafka/batch/README.md), so forwarding 1-record batches one by one bounds the copy rate by the Produce
 * round trip. Each record keeps its key, value, headers and timestamp byte for byte; only the framing is new:
 * base timestamp = the first part's, timestamp deltas recomputed from each record's absolute timestamp,
 * offset deltas 0..n−1, the first part's header fields (producer fields are re-signed at send anyway), maxTimestamp
 * recomputed, CRC-32C computed. Throws RecordBatchError on a malformed record.
 */
export function mergeUncompressed(parts: readonly MergePart[]): { bytes: Buffer; upstreamOffsets: number[] } {
  const base = readInt64(parts[0]!.bytes, BATCH.BASE_TIMESTAMP);
  const spans: RecordSlice[] = [];
  for (const part of parts) {
    const src = part.bytes;
    const partBase = readInt64(src, BATCH.BASE_TIMESTAMP);
    let at: number = BATCH.HEADER_SIZE;
    for (let i = 0; i < part.upstreamOffsets.length; i++) {
      const length = readVarint(src, at);
      const end = length.next + length.value;
      const ts = readVarint(src, length.next + 1); // after the record's attributes byte
      const od = readVarint(src, ts.next, end);
      spans.push({ src, restStart: od.next, end, timestampDelta: partBase + ts.value - base });
      at = end;
    }
  }
  const { out, size, maxTimestamp } = frameRecords(parts[0]!.bytes, spans, base);
  const upstreamOffsets = parts.flatMap((p) => p.upstreamOffsets);
  writeInt64(out, BATCH.BASE_OFFSET, upstreamOffsets[0]!);
  out.writeInt32BE(size - BATCH.LOG_OVERHEAD, BATCH.LENGTH);
  out.writeInt32BE(spans.length - 1, BATCH.LAST_OFFSET_DELTA);
  writeInt64(out, BATCH.MAX_TIMESTAMP, maxTimestamp);
  out.writeInt32BE(spans.length, BATCH.RECORD_COUNT);
  out.writeUInt32BE(crc32c(out, BATCH.ATTRIBUTES), BATCH.CRC);
  return { bytes: out, upstreamOffsets };
}
