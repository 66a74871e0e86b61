/**
 * Heartbeat — MM2's record in the `heartbeats` topic (connect-mirror-client `Heartbeat`): "the flow
 * source->target was alive at `timestamp`". Emitted on the target every
 * `emit.heartbeats.interval.seconds` and mirrored onward like any topic (`primary.heartbeats`), so
 * every hop downstream can measure replication latency from it. A value module, byte-compatible with MM2:
 *
 *   key   = Struct{ sourceClusterAlias: STRING, targetClusterAlias: STRING }
 *   value = Struct{ version: INT16 = 0 } followed by Struct{ timestamp: INT64 (epoch ms) }
 */
import { decodeStruct, encodeStruct, StructFormatError, type StructField } from './kafka-struct.ts';

/** One heartbeat of a replication flow; `timestamp` is epoch ms at emission. */
export interface Heartbeat {
  sourceClusterAlias: string;
  targetClusterAlias: string;
  timestamp: number;
}

/** The only value version MM2 writes and reads (`Heartbeat.VERSION`). */
export const HEARTBEAT_VERSION = 0;

const KEY: readonly StructField[] = [['sourceClusterAlias', 'string'], ['targetClusterAlias', 'string']];
const VALUE: readonly StructField[] = [['version', 'int16'], ['timestamp', 'int64']];

/** The record key: the flow's two aliases. */
export function encodeHeartbeatKey(h: Pick<Heartbeat, 'sourceClusterAlias' | 'targetClusterAlias'>): Buffer {
  return encodeStruct(KEY, [h.sourceClusterAlias, h.targetClusterAlias]);
}

/** The record value (version 0). */
export function encodeHeartbeatValue(h: Pick<Heartbeat, 'timestamp'>): Buffer {
  return encodeStruct(VALUE, [HEARTBEAT_VERSION, h.timestamp]);
}

/** Decodes a heartbeat record. Throws StructFormatError for a malformed record or a version other than 0. */
export function decodeHeartbeat(key: Buffer | null | undefined, value: Buffer | null | undefined): Heartbeat {
  const [sourceClusterAlias, targetClusterAlias] = decodeStruct('heartbeat.key', KEY, key) as [string, string];
  return { sourceClusterAlias, targetClusterAlias, timestamp: heartbeatTimestamp(value) };
}

/**
 * Only the emission time (epoch ms) of a heartbeat value, for the mirror task's latency metric: it
 * reads 10 bytes and allocates nothing. Throws StructFormatError like {@link decodeHeartbeat}.
 */
export function heartbeatTimestamp(value: Buffer | null | undefined): number {
  if (!value || value.length < 10) throw new StructFormatError('heartbeat.value', `needs 10 bytes, record has ${value?.length ?? 0}`);
  const version = value.readInt16BE(0);
  if (version !== HEARTBEAT_VERSION) throw new StructFormatError('heartbeat.value.version', `unsupported version ${version} (expected ${HEARTBEAT_VERSION})`);
  const t = value.readBigInt64BE(2);
  if (t > BigInt(Number.MAX_SAFE_INTEGER) || t < 0n) throw new StructFormatError('heartbeat.value.timestamp', `${t} is not an epoch ms`);
  return Number(t);
}
