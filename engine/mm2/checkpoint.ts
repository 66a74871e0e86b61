/**
 * Checkpoint — MM2's record in `<source>.checkpoints.internal` on the target (connect-mirror-client
 * `Checkpoint`): "consumer group G committed upstream offset U on partition P; on the target, the
 * same position in the remote topic is downstream offset D". What RemoteClusterUtils.translateOffsets
 * and our translate-offsets.ts read on failover. A value module, byte-compatible with MM2:
 *
 *   key   = Struct{ group: STRING, topic: STRING (REMOTE name, e.g. primary.commit-log), partition: INT32 }
 *   value = Struct{ version: INT16 = 0 } followed by Struct{ upstreamOffset: INT64, offset: INT64, metadata: STRING }
 */
import { decodeStruct, encodeStruct, StructFormatError, type StructField } from './kafka-struct.ts';

/** One checkpoint. `topic` is the remote topic on the target; offsets are consumer positions (next record to read). */
export interface Checkpoint {
  group: string;
  topic: string;
  partition: number;
  upstreamOffset: number;
  downstreamOffset: number;
  /** The commit's metadata string on the source ('' when none). */
  metadata: string;
}

/** The only value version MM2 writes and reads (`Checkpoint.VERSION`). */
export const CHECKPOINT_VERSION = 0;

const KEY: readonly StructField[] = [['group', 'string'], ['topic', 'string'], ['partition', 'int32']];
const VALUE: readonly StructField[] = [['version', 'int16'], ['upstreamOffset', 'int64'], ['offset', 'int64'], ['metadata', 'string']];

/** The record key: group, remote topic, partition. */
export function encodeCheckpointKey(c: Pick<Checkpoint, 'group' | 'topic' | 'partition'>): Buffer {
  return encodeStruct(KEY, [c.group, c.topic, c.partition]);
}

/** The record value (version 0). */
export function encodeCheckpointValue(c: Pick<Checkpoint, 'upstreamOffset' | 'downstreamOffset' | 'metadata'>): Buffer {
  return encodeStruct(VALUE, [CHECKPOINT_VERSION, c.upstreamOffset, c.downstreamOffset, c.metadata]);
}

/** Decodes a checkpoint record. Throws StructFormatError for a malformed record or a version other than 0 (as MM2 does). */
export function decodeCheckpoint(key: Buffer | null | undefined, value: Buffer | null | undefined): Checkpoint {
  const [group, topic, partition] = decodeStruct('checkpoint.key', KEY, key) as [string, string, number];
  const [version] = decodeStruct('checkpoint.value', VALUE.slice(0, 1), value) as [number];
  if (version !== CHECKPOINT_VERSION) throw new StructFormatError('checkpoint.value.version', `unsupported version ${version} (expected ${CHECKPOINT_VERSION})`);
  const [, upstreamOffset, downstreamOffset, metadata] = decodeStruct('checkpoint.value', VALUE, value) as [number, number, number, string];
  return { group, topic, partition, upstreamOffset, downstreamOffset, metadata };
}
