/**
 * Offset translation: a consumer group's committed upstream offset → the downstream offset in the
 * remote topic where the same consumer resumes. Pure functions over one partition's offset syncs.
 *
 * Why it can be exact: the offset-sync writer emits a sync at the first mirrored record of every
 * series (engine lifetime, topic incarnation) and whenever (downstream − upstream) changes — source
 * gaps from compaction, transaction markers, aborted records, truncation. So between a sync `s` and
 * the next `n` every mirrored record has s's delta, and a committed offset G with s.up ≤ G < n.up
 * maps to `s.down + (G − s.up)` if that record was mirrored, or to `n.down` when G falls in the
 * source gap just before n (the first record at or after G is n's). Beyond the newest sync the same
 * delta holds up to the last mirrored record, and never further: a translation never points past a
 * record that was not mirrored (DESIGN.md invariant 5).
 *
 * Where the syncs cannot vouch for a span (a series boundary after a restart or reset, or history
 * thinned to bound memory) the translation falls back to MM2's rule `s.down + (G == s.up ? 0 : 1)`:
 * safe (it may re-deliver, never skip). No sync at or below G: no translation (MM2 does the same).
 */

/** One offset sync inside a series. Upstream and downstream offsets strictly increase along a series. */
export interface SyncPoint {
  readonly upstream: number;
  readonly downstream: number;
  /**
   * True while no (downstream − upstream) change between this sync and the next one can have gone
   * unrecorded; false after a series boundary or when syncs after it were dropped.
   */
  exactToNext: boolean;
}

/** The last record mirrored in the newest sync's series: upstream offset and where the target wrote it. */
export interface MirroredPosition {
  readonly upstream: number;
  readonly downstream: number;
}

/** Which rule produced a translation (for debug logs and tests). */
export type TranslationRule =
  /** G is a mirrored record (or the position right after the newest mirrored one); offset is exact. */
  | 'exact'
  /** G falls in a source gap (compaction, transaction marker) just before the next sync: offset of the next mirrored record. */
  | 'next-sync'
  /** G is past the last mirrored record: one past its downstream offset (what is mirrored next lands there). */
  | 'mirrored-end'
  /** The syncs cannot vouch for the span after the sync at or below G: MM2's conservative +1. */
  | 'unverified-span'
  /**
   * An earlier series (engine lifetime before a restart) copied records at or after G that the
   * current series has not re-mirrored yet: resume at those older copies (re-delivers, never skips).
   */
  | 'older-copies';

/** A translated offset and the rule that produced it. */
export interface Translation {
  downstreamOffset: number;
  rule: TranslationRule;
  /** The sync the translation is based on. */
  sync: SyncPoint;
}

/** Index of the last sync with `upstream <= offset` (syncs sorted by upstream), or -1. */
export function lastSyncAtOrBelow(syncs: readonly SyncPoint[], offset: number): number {
  let lo = 0;
  let hi = syncs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (syncs[mid]!.upstream <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * The records an earlier series (the engine lifetime before a restart, which re-mirrors from its
 * stored progress) copied downstream that the current series has not re-mirrored yet. Until the
 * current series passes them, a consumer must start no later than their copies.
 */
export interface Overlap {
  /** Upstream offset of the first sync of the series that started after the earlier one. */
  readonly startUpstream: number;
  /**
   * The earlier series' syncs from the last one at or below `startUpstream` to its newest; empty when
   * the earlier copies are not described by any sync (then nothing at or past `startUpstream` translates).
   */
  readonly syncs: readonly SyncPoint[];
}

/**
 * {@link translateOffset} over the current syncs, lowered to the older copies of any {@link Overlap}
 * still open: the records the current series has not reached (`> mirrored.upstream`) may exist
 * downstream only as copies of the earlier series. Undefined when the earlier series' syncs do not
 * reach down to those records (compacted away, or never written).
 */
export function translateWithOverlaps(
  syncs: readonly SyncPoint[],
  mirrored: MirroredPosition | undefined,
  overlaps: readonly Overlap[],
  committed: number,
): Translation | undefined {
  let best = translateOffset(syncs, mirrored, committed);
  if (!best) return undefined;
  const reached = mirrored?.upstream ?? syncs[syncs.length - 1]?.upstream ?? -1;
  for (const o of overlaps) {
    // Records past what the current series re-mirrored may exist only as the earlier series' copies.
    const from = Math.max(committed, reached + 1);
    const older = translateOffset(o.syncs, undefined, from);
    // No earlier sync at or below them: where their copies are is unknown — translate nothing.
    if (!older) return undefined;
    if (older.downstreamOffset < best.downstreamOffset) best = { downstreamOffset: older.downstreamOffset, rule: 'older-copies', sync: older.sync };
  }
  return best;
}

/**
 * Translates committed upstream offset `committed` (the next record the group would read) with the
 * syncs of one series (sorted by upstream, {@link SyncPoint} invariants) and the last mirrored record
 * of the newest sync's series (`mirrored`; undefined = the newest sync is the last known mirrored record).
 * Returns undefined when no sync is at or below `committed`.
 */
export function translateOffset(syncs: readonly SyncPoint[], mirrored: MirroredPosition | undefined, committed: number): Translation | undefined {
  const i = lastSyncAtOrBelow(syncs, committed);
  if (i < 0) return undefined;
  const sync = syncs[i]!;
  const next = syncs[i + 1];
  const conservative = (): Translation => ({ downstreamOffset: committed === sync.upstream ? sync.downstream : sync.downstream + 1, rule: 'unverified-span', sync });
  if (!sync.exactToNext) return conservative();
  const sameDelta = sync.downstream + (committed - sync.upstream);
  if (next) {
    return sameDelta < next.downstream ? { downstreamOffset: sameDelta, rule: 'exact', sync } : { downstreamOffset: next.downstream, rule: 'next-sync', sync };
  }
  const last = mirrored && mirrored.upstream >= sync.upstream ? mirrored : sync;
  const end = last.downstream + 1;
  return sameDelta <= end ? { downstreamOffset: sameDelta, rule: 'exact', sync } : { downstreamOffset: end, rule: 'mirrored-end', sync };
}
