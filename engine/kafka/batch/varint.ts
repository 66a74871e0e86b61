/**
 * Zig-zag varints of the v2 record format (Kafka protocol doc "Record"; `ByteUtils.readVarint` /
 * `writeVarint` in apache/kafka): a record's length, offset delta and key/value/header lengths are
 * varints, its timestamp delta a varlong. Used only where a batch must be looked into: control records,
 * and rebuilding an uncompressed batch (trim, offset gaps) — never on the forwarding path.
 */
import { RecordBatchError } from './record-batch.ts';

/** A varint read at a byte position: its value and the position after it. */
export interface VarintAt {
  value: number;
  next: number;
}

/**
 * Reads a zig-zag varint (or varlong whose value fits a double exactly, |v| < 2^53) at `at`.
 * Throws {@link RecordBatchError} when it runs past `end` or is longer than 10 bytes.
 */
export function readVarint(buf: Buffer, at: number, end = buf.length): VarintAt {
  let raw = 0;
  let scale = 1;
  let i = at;
  for (;;) {
    if (i >= end || i - at >= 10) throw new RecordBatchError(`malformed varint at byte ${at}`, at, undefined);
    const b = buf[i++]!;
    raw += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) break;
    scale *= 128;
  }
  // zig-zag: even → v/2, odd → -(v+1)/2 (arithmetic on doubles: exact below 2^53)
  const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  return { value, next: i };
}

/** Bytes a zig-zag varint of `value` takes. */
export function varintSize(value: number): number {
  let raw = value >= 0 ? value * 2 : -value * 2 - 1;
  let n = 1;
  while (raw >= 128) {
    raw = Math.floor(raw / 128);
    n++;
  }
  return n;
}

/** Writes `value` as a zig-zag varint at `at`; returns the position after it. */
export function writeVarint(buf: Buffer, at: number, value: number): number {
  let raw = value >= 0 ? value * 2 : -value * 2 - 1;
  let i = at;
  while (raw >= 128) {
    buf[i++] = (raw % 128) | 0x80;
    raw = Math.floor(raw / 128);
  }
  buf[i++] = raw;
  return i;
}
