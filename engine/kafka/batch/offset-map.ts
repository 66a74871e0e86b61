/**
 * Exact upstream → downstream offsets from an acknowledged batch. The target broker assigns a
 * produced batch offsets `D .. D + recordCount − 1` in record order (`LogValidator`: one offset per
 * record from the log end), and answers D as the partition's `base_offset` (Produce response). So:
 * - a batch forwarded as it is (contiguous deltas, by construction of ./forward-plan.ts): record
 *   `U + delta` → `D + delta` for every delta in 0..lastOffsetDelta;
 * - a rebuilt batch: record i → `D + i`, its upstream offset `upstreamOffsets[i]` (offsets the source log
 *   no longer has — compaction — map to nothing, as MM2's offset syncs never name them either).
 * Offset syncs (MM2's `OffsetSync(upstream, downstream)`) stay exact without per-record work: the
 * batch's last record gives one pair, every other record follows from it.
 */

/** The upstream side of a produced batch, kept until its Produce response arrives. */
export interface ForwardedBatch {
  /** Upstream offset of the batch's first record. */
  upstreamBase: number;
  recordCount: number;
  /** For a rebuilt batch: upstream offset of record i; null when offsets are `upstreamBase + i`. */
  upstreamOffsets: readonly number[] | null;
  /** The partition's expected upstream offset after this batch (source last offset + 1: skips markers and compacted offsets). */
  upstreamNext: number;
}

/** One exact offset pair. */
export interface OffsetPair {
  upstreamOffset: number;
  downstreamOffset: number;
}

/** The downstream offset of `upstreamOffset` in `batch` acknowledged at `downstreamBase`, or -1 when no record of the batch has it. */
export function downstreamOffsetOf(batch: ForwardedBatch, downstreamBase: number, upstreamOffset: number): number {
  if (batch.upstreamOffsets === null) {
    const delta = upstreamOffset - batch.upstreamBase;
    return delta >= 0 && delta < batch.recordCount ? downstreamBase + delta : -1;
  }
  const i = binarySearch(batch.upstreamOffsets, upstreamOffset);
  return i >= 0 ? downstreamBase + i : -1;
}

/** The pair of the batch's last record: what an offset sync for this batch carries. */
export function lastRecordPair(batch: ForwardedBatch, downstreamBase: number): OffsetPair {
  const i = batch.recordCount - 1;
  const upstreamOffset = batch.upstreamOffsets === null ? batch.upstreamBase + i : batch.upstreamOffsets[i]!;
  return { upstreamOffset, downstreamOffset: downstreamBase + i };
}

function binarySearch(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
