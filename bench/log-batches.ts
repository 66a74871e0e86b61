/**
 * The produce-side batch sizes a broker saw, read from its log segments after a copy (no JMX): with
 * magic v2 and the topic's `compression.type=producer`, the broker appends each produced batch as it
 * came (offsets assigned in place, batch boundaries kept — `LogValidator`), so the batches in a remote
 * partition's `*.log` files are the batches the mirror's producer sent, one per partition per Produce
 * request. Their size sets the target broker's per-request cost (issue 16).
 *
 * Only the 61-byte v2 headers are read (baseOffset, batchLength, attributes, recordCount; layout in
 * engine/kafka/batch/record-batch.ts): one positioned read per batch, records never decoded.
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BATCH } from '../engine/testing.ts';

/** Batches of one or more partitions' logs. Bytes are batch bytes as stored (compressed if the batch is). */
export interface BatchStats {
  batches: number;
  records: number;
  bytes: number;
  /** Control batches (transaction markers), counted in `batches` but carrying no data records. */
  controlBatches: number;
  /** Codec names seen (attribute bits 0–2). */
  codecs: string[];
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const CONTROL_BIT = 0x20;

/** An empty {@link BatchStats}. */
export function emptyBatchStats(): BatchStats {
  return { batches: 0, records: 0, bytes: 0, controlBatches: 0, codecs: [] };
}

/** Adds `b` into `a` (returns `a`). */
export function addBatchStats(a: BatchStats, b: BatchStats): BatchStats {
  a.batches += b.batches;
  a.records += b.records;
  a.bytes += b.bytes;
  a.controlBatches += b.controlBatches;
  for (const c of b.codecs) if (!a.codecs.includes(c)) a.codecs.push(c);
  return a;
}

/**
 * Walks the v2 batch headers of a log of `size` bytes; `read(position, length)` returns the bytes there
 * (fewer at the end). Stops at a truncated tail (a segment being written) or a non-v2 batch.
 */
export function walkBatches(size: number, read: (position: number, length: number) => Buffer): BatchStats {
  const stats = emptyBatchStats();
  let position = 0;
  while (position + BATCH.HEADER_SIZE <= size) {
    const header = read(position, BATCH.HEADER_SIZE);
    if (header.length < BATCH.HEADER_SIZE || header.readInt8(BATCH.MAGIC) !== 2) break;
    const total = BATCH.LOG_OVERHEAD + header.readInt32BE(BATCH.LENGTH);
    if (total < BATCH.HEADER_SIZE || position + total > size) break;
    const attributes = header.readInt16BE(BATCH.ATTRIBUTES);
    const codec = CODECS[attributes & 0x07] ?? 'unknown';
    stats.batches++;
    stats.bytes += total;
    if (attributes & CONTROL_BIT) stats.controlBatches++;
    else stats.records += header.readInt32BE(BATCH.RECORD_COUNT);
    if (!stats.codecs.includes(codec)) stats.codecs.push(codec);
    position += total;
  }
  return stats;
}

/** {@link walkBatches} over one in-memory log (tests, fixtures). */
export function batchStatsOfBuffer(log: Buffer): BatchStats {
  return walkBatches(log.length, (position, length) => log.subarray(position, position + length));
}

/** {@link walkBatches} over one segment file. */
export function batchStatsOfFile(path: string): BatchStats {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(BATCH.HEADER_SIZE);
    return walkBatches(statSync(path).size, (position, length) => header.subarray(0, readSync(fd, header, 0, length, position)));
  } finally {
    closeSync(fd);
  }
}

/**
 * Batch stats of every partition of `topic` in a broker's `log.dirs` folder `dataDir` (partition folders
 * are `<topic>-<partition>`, segments `*.log`). Undefined when the topic has no folder there.
 */
export function topicBatchStats(dataDir: string, topic: string): BatchStats | undefined {
  const folder = new RegExp(`^${topic.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`);
  let dirs: string[];
  try {
    dirs = readdirSync(dataDir).filter((d) => folder.test(d));
  } catch {
    return undefined;
  }
  if (dirs.length === 0) return undefined;
  const stats = emptyBatchStats();
  for (const d of dirs) {
    for (const f of readdirSync(join(dataDir, d)).filter((n) => n.endsWith('.log')).sort()) addBatchStats(stats, batchStatsOfFile(join(dataDir, d, f)));
  }
  return stats;
}
