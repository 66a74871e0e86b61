/**
 * Log truncation: records deleted on the source (retention, DeleteRecords) before they were mirrored.
 * Proven from the broker, never guessed from offset gaps: truncation ⇔ the partition's next expected
 * upstream offset is below its log start offset. Offset gaps above the expected offset are normal
 * (compaction, transaction control records, aborted records under read_committed) and never count.
 *
 * When to ask the broker: on every (re)assignment and restart, and whenever a partition makes no
 * progress for a check interval — librdkafka's out-of-range error (-140 with `auto.offset.reset=error`)
 * arrives without its partition and can be dropped (../shared/KAFKA-FACTS.md), so it only hastens a check.
 */
import type { PartitionOffsets } from '../kafka/kafka-admin.ts';

/** Evidence of one truncation. `gap = logStartOffset − expectedOffset` records (some may have been compacted away anyway). */
export interface TruncationFinding {
  expectedOffset: number;
  logStartOffset: number;
  gap: number;
}

/** Returns the truncation evidence when `expectedOffset < logStartOffset`, else undefined. */
export function detectTruncation(expectedOffset: number, offsets: PartitionOffsets): TruncationFinding | undefined {
  if (expectedOffset >= offsets.logStartOffset) return undefined;
  return { expectedOffset, logStartOffset: offsets.logStartOffset, gap: offsets.logStartOffset - expectedOffset };
}

/**
 * Whether a partition is due for a broker check: it made no progress since `lastProgressAtMs` for at
 * least `intervalMs`, and it was not checked within `intervalMs` (so an idle partition costs one
 * ListOffsets every interval, a busy one none).
 */
export function isDueForCheck(nowMs: number, lastProgressAtMs: number, lastCheckAtMs: number, intervalMs: number): boolean {
  return nowMs - lastProgressAtMs >= intervalMs && nowMs - lastCheckAtMs >= intervalMs;
}
