/**
 * Reverse offset translation, for failback: a consumer group's committed offset in a REMOTE topic
 * (`primary.commit-log` on the standby, read after a failover) → the offset in the ORIGINAL topic
 * (`commit-log` on the primary) where the group resumes when it moves back. The inverse of
 * offset-translation.ts, over the same offset syncs of the `primary->standby` flow.
 *
 * MM2 4.1.1 has no such translation: its `MirrorCheckpointTask.checkpoint` translates with the
 * checkpointing flow's own offset syncs, and the `standby->primary` flow never mirrors
 * `primary.commit-log` (`isCycle`), so it has no syncs for it and emits no checkpoint (its
 * `renameTopicPartition` branch for "a topic that came from the target" is never reached with
 * DefaultReplicationPolicy). Failback then re-reads from the group's pre-failover commit.
 *
 * Why it never skips: the remote partition is an in-order copy of a prefix of its source partition
 * (DESIGN.md invariant 7), so every upstream record below the one copied at downstream offset D was
 * copied below D — a group that consumed everything below D has consumed it. The rules mirror the
 * forward ones: within a span the syncs vouch for (same delta up to the next sync), D maps to
 * `sync.up + (D − sync.down)`; D in a downstream gap before the next sync (transaction markers on the
 * target) maps to the next sync's upstream offset; D past the last record known to be mirrored maps to
 * one past that record; a span the syncs cannot vouch for gets the conservative `sync.up (+1)`. Copies
 * of an earlier engine lifetime (restart overlaps) can only make a result re-deliver, never skip.
 */
import type { MirroredPosition, SyncPoint } from './offset-translation.ts';

/** Which rule produced a reverse translation (for debug logs and tests). */
export type ReverseTranslationRule =
  /** D is a mirrored record, or one past the last one: the upstream offset is exact. */
  | 'exact'
  /** D falls in a downstream gap just before the next sync: that sync's upstream offset. */
  | 'next-sync'
  /** D is past the last record known to be mirrored: one past its upstream offset (re-delivers what lies between). */
  | 'mirrored-end'
  /** The syncs cannot vouch for the span after the sync at or below D: MM2-style `up + (D == down ? 0 : 1)`. */
  | 'unverified-span';

/** A downstream offset translated back upstream. */
export interface ReverseTranslation {
  /** Where the group resumes in the original topic (next record to read). */
  upstreamOffset: number;
  rule: ReverseTranslationRule;
  /** The sync the translation is based on. */
  sync: SyncPoint;
}

/** Index of the last sync with `downstream <= offset` (syncs increase in downstream offset too: invariant A), or -1. */
export function lastSyncAtOrBelowDownstream(syncs: readonly SyncPoint[], offset: number): number {
  let lo = 0;
  let hi = syncs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (syncs[mid]!.downstream <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Translates `committed` (a group's next offset in the remote partition) back to the source partition,
 * with the syncs of one series (sorted, {@link SyncPoint} invariants) and the last mirrored record of the
 * newest sync's series (`mirrored`; undefined = the newest sync). Undefined when no sync is at or below
 * `committed` downstream (nothing safe to say; the group keeps its own commit upstream).
 */
export function translateDownstream(syncs: readonly SyncPoint[], mirrored: MirroredPosition | undefined, committed: number): ReverseTranslation | undefined {
  const i = lastSyncAtOrBelowDownstream(syncs, committed);
  if (i < 0) return undefined;
  const sync = syncs[i]!;
  const next = syncs[i + 1];
  if (!sync.exactToNext) {
    return { upstreamOffset: committed === sync.downstream ? sync.upstream : sync.upstream + 1, rule: 'unverified-span', sync };
  }
  const sameDelta = sync.upstream + (committed - sync.downstream);
  if (next) {
    return sameDelta < next.upstream ? { upstreamOffset: sameDelta, rule: 'exact', sync } : { upstreamOffset: next.upstream, rule: 'next-sync', sync };
  }
  const last = mirrored && mirrored.downstream >= sync.downstream ? mirrored : sync;
  return committed <= last.downstream + 1
    ? { upstreamOffset: sameDelta, rule: 'exact', sync }
    : { upstreamOffset: last.upstream + 1, rule: 'mirrored-end', sync };
}
