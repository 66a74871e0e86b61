/**
 * Byte-exact hand-over of fetched records to the producer (DESIGN.md invariant 2): the JS binding of
 * librdkafka turns an empty Buffer whose data pointer is null — every empty Buffer the consumer hands
 * out on Node 20 — into NULL, so without care an empty value would be mirrored as a tombstone and an
 * empty header value as a missing one. Everything here runs once per record: no allocation unless a
 * value really is empty.
 */
import type { MessageHeader } from '@confluentinc/kafka-javascript';
import type { RecordHeader, SourceRecord } from './source-consumer.ts';

/**
 * A zero-length Buffer whose data pointer is not null. The binding's produce() turns a key, value or
 * header value whose Buffer data pointer is null — every empty Buffer the consumer hands out on Node 20 —
 * into NULL, so an empty value would be mirrored as a tombstone (fidelity, DESIGN.md invariant 2).
 * A zero-length view into a non-empty allocation keeps a real pointer and is written as empty.
 */
const EMPTY = Buffer.alloc(1).subarray(0, 0);

/** `b`, with an empty Buffer replaced by {@link EMPTY}. */
export function nonNullEmpty<T extends Buffer | string | null | undefined>(b: T): T | Buffer {
  return Buffer.isBuffer(b) && b.length === 0 ? EMPTY : b;
}

/** Headers as fetched (order and duplicates kept), copied only when one has an empty value. */
export function emptySafeHeaders(headers: readonly RecordHeader[] | undefined): MessageHeader[] | undefined {
  if (headers === undefined || !hasEmptyHeaderValue(headers)) return headers as MessageHeader[] | undefined;
  return headers.map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, nonNullEmpty(v)])));
}

/** Whether any header value is an empty Buffer; plain loops, as it runs for every record with headers. */
function hasEmptyHeaderValue(headers: readonly RecordHeader[]): boolean {
  for (const h of headers) {
    for (const k in h) {
      const v = (h as Record<string, unknown>)[k];
      if (Buffer.isBuffer(v) && v.length === 0) return true;
    }
  }
  return false;
}

/** Size of a record key in bytes (0 for a null key). */
export function keyLength(key: SourceRecord['key']): number {
  if (key === null || key === undefined) return 0;
  return typeof key === 'string' ? Buffer.byteLength(key) : key.length;
}

