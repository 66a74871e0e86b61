/**
 * Offset sync — MM2's record in `mm2-offset-syncs.<target>.internal` (connect-mirror `OffsetSync`):
 * "upstream offset U of topic-partition T/P was written downstream at offset D". A value module:
 * {@link encodeOffsetSyncKey}/{@link encodeOffsetSyncValue} and {@link decodeOffsetSync} are exact
 * inverses, byte-compatible with MM2 (round-trip tests against fixed vectors in offset-sync.test.ts).
 *
 *   key   = Struct{ topic: STRING (upstream name), partition: INT32 }
 *   value = Struct{ upstreamOffset: INT64, offset: INT64 }            (no version field)
 */
import { decodeStruct, encodeStruct, type StructField } from './kafka-struct.ts';

/** One offset sync. `topic` is the UPSTREAM (source) topic name; offsets are record offsets. */
export interface OffsetSync {
  topic: string;
  partition: number;
  upstreamOffset: number;
  downstreamOffset: number;
}

const KEY: readonly StructField[] = [['topic', 'string'], ['partition', 'int32']];
const VALUE: readonly StructField[] = [['upstreamOffset', 'int64'], ['offset', 'int64']];

/** The record key: topic and partition. Equal syncs of one partition have equal keys (compaction keeps the latest). */
export function encodeOffsetSyncKey(sync: Pick<OffsetSync, 'topic' | 'partition'>): Buffer {
  return encodeStruct(KEY, [sync.topic, sync.partition]);
}

/** The record value: upstream and downstream offsets. */
export function encodeOffsetSyncValue(sync: Pick<OffsetSync, 'upstreamOffset' | 'downstreamOffset'>): Buffer {
  return encodeStruct(VALUE, [sync.upstreamOffset, sync.downstreamOffset]);
}

/** Decodes a record of the offset-syncs topic. Throws StructFormatError naming the field. */
export function decodeOffsetSync(key: Buffer | null | undefined, value: Buffer | null | undefined): OffsetSync {
  const [topic, partition] = decodeStruct('offsetSync.key', KEY, key) as [string, number];
  const [upstreamOffset, downstreamOffset] = decodeStruct('offsetSync.value', VALUE, value) as [number, number];
  return { topic, partition, upstreamOffset, downstreamOffset };
}
