/**
 * The offset syncs of one replication flow, per upstream topic-partition, in memory — what the
 * checkpoint task translates with. Fed by the {@link OffsetSyncWriter} of the same engine as records
 * are mirrored, and rebuilt at start by reading `mm2-offset-syncs.<target>.internal` from its log
 * start ({@link OffsetSyncStore.load}), because what the previous engine lifetime knew only survives there.
 *
 * How the record stream maps onto series (the writer follows the same rules when it writes):
 * - A sync that repeats the newest sync of its partition exactly is a series-boundary marker: the
 *   span after the newest sync is no longer vouched for (a new engine lifetime or topic incarnation
 *   follows, and syncs of the old one may have been lost with a crash).
 * - A sync whose upstream or downstream offset is not above the newest one starts over (upstream
 *   rewind: re-mirroring after a restart, or a recreated topic): every sync at or above it is dropped.
 * - A sync that only moves the position (same delta as its predecessor, which vouches for it) makes
 *   the newest sync redundant: it is replaced, so a quiet plain topic keeps two syncs, not thousands.
 * - Compaction of the syncs topic keeps, per partition, the newest sync of the cleaned part followed
 *   by every sync of the uncleaned part — consecutive syncs, so a rebuilt series stays exact.
 *
 * Invariants (asserted by offset-translation.test.ts and offset-sync-store.test.ts):
 * - A: within a partition, syncs strictly increase in upstream AND downstream offset.
 * - B: `syncs[i].exactToNext` ⇒ every record mirrored with upstream offset in
 *   [syncs[i].upstream, syncs[i+1].upstream) has syncs[i]'s delta (downstream − upstream).
 * - C: the mirrored position, when set, is at or after the newest sync and has its delta.
 * - D: at most {@link MAX_SYNCS_PER_PARTITION} syncs per partition; older history is thinned,
 *   the spans it loses become `exactToNext = false` (translated conservatively, never past a record).
 */
import type { Logger } from '../core/logger.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';
import type { OffsetSync } from '../mm2/offset-sync.ts';
import { decodeOffsetSync } from '../mm2/offset-sync.ts';
import { readInternalTopic } from '../kafka/internal-topics.ts';
import type { KafkaAdmin } from '../kafka/kafka-admin.ts';
import { lastSyncAtOrBelow, translateWithOverlaps, type Overlap, type SyncPoint, type Translation } from '../mm2/offset-translation.ts';
import { translateDownstream, type ReverseTranslation } from '../mm2/reverse-translation.ts';

/** Syncs kept per partition before the older half is thinned (memory bound: ~50 bytes per sync). */
export const MAX_SYNCS_PER_PARTITION = 4096;

/** An open overlap: the earlier series' copies and when the current series has passed them. */
interface OpenOverlap extends Overlap {
  /** Newest sync of the earlier series. */
  readonly latestUpstream: number;
  /** Records the earlier series copied after its newest sync (downstream room before the next series). */
  readonly copiesAfterLatest: number;
  /** Downstream offset of the current series' first record past `latestUpstream`; -1 until it gets there. */
  firstBeyondDownstream: number;
}

/** The syncs of one upstream topic-partition, its last mirrored record and open overlaps. */
export class SyncSeries {
  readonly topic: string;
  readonly partition: number;
  private syncs: SyncPoint[] = [];
  private overlaps: OpenOverlap[] = [];
  private mirroredUpstream = -1;
  private mirroredDownstream = -1;
  /** A boundary marker arrived: the next sync starts a new series. */
  private boundary = false;
  private readonly maxSyncs: number;

  constructor(topic: string, partition: number, maxSyncs = MAX_SYNCS_PER_PARTITION) {
    this.topic = topic;
    this.partition = partition;
    this.maxSyncs = Math.max(4, maxSyncs);
  }

  /** Number of syncs held. */
  get size(): number {
    return this.syncs.length;
  }

  /** Open overlaps (earlier lifetimes' copies not yet re-mirrored). */
  get openOverlaps(): number {
    return this.overlaps.length;
  }

  /** The newest sync, if any. */
  latest(): SyncPoint | undefined {
    return this.syncs[this.syncs.length - 1];
  }

  /** A copy of the syncs, oldest first (for status output and tests). */
  points(): SyncPoint[] {
    return this.syncs.map((s) => ({ ...s }));
  }

  /**
   * Takes in one sync as read from the syncs topic or emitted by the writer (rules in the module doc).
   * Returns what it did: `marker`, `rewind`, `replaced` or `appended`.
   */
  add(upstream: number, downstream: number): 'marker' | 'rewind' | 'replaced' | 'appended' {
    const syncs = this.syncs;
    const latest = syncs[syncs.length - 1];
    if (latest && latest.upstream === upstream && latest.downstream === downstream) {
      latest.exactToNext = false;
      this.boundary = true;
      return 'marker';
    }
    const rewind = latest !== undefined && (upstream <= latest.upstream || downstream <= latest.downstream);
    if (latest && (rewind || this.boundary)) this.openOverlap(latest, upstream, downstream);
    this.boundary = false;
    let outcome: 'rewind' | 'replaced' | 'appended' = 'appended';
    if (rewind) {
      while (syncs.length > 0 && (syncs[syncs.length - 1]!.upstream >= upstream || syncs[syncs.length - 1]!.downstream >= downstream)) syncs.pop();
      outcome = 'rewind';
    } else if (latest && syncs.length >= 2) {
      const before = syncs[syncs.length - 2]!;
      const redundant = before.exactToNext && latest.exactToNext && before.downstream - before.upstream === latest.downstream - latest.upstream;
      if (redundant) {
        syncs.pop();
        outcome = 'replaced';
      }
    }
    syncs.push({ upstream, downstream, exactToNext: true });
    this.mirroredUpstream = upstream;
    this.mirroredDownstream = downstream;
    if (this.overlaps.length > 0) this.closeOverlaps(upstream, downstream);
    if (syncs.length > this.maxSyncs) this.syncs = thin(syncs, this.maxSyncs);
    return outcome;
  }

  /**
   * A new topic incarnation in this engine lifetime (the writer knows the topic ID changed): the old
   * incarnation's syncs and copies mean nothing for the new one's consumer offsets — group offsets of a
   * deleted topic are deleted with it. Starts over with this sync.
   */
  startIncarnation(upstream: number, downstream: number): void {
    this.syncs = [{ upstream, downstream, exactToNext: true }];
    this.overlaps = [];
    this.boundary = false;
    this.mirroredUpstream = upstream;
    this.mirroredDownstream = downstream;
  }

  /**
   * The first sync of a partition the store knows nothing about, although the remote partition already
   * holds `downstream` offsets: an earlier lifetime may have copied records here whose syncs never
   * reached the topic (a crash right after its first record), or the syncs topic was deleted or moved.
   * Such copies could be anywhere below `downstream`, so nothing is translated until this series has
   * copied as many records as could be there. Only the writer calls this (a store rebuilt from the
   * topic cannot tell this case from compaction, which also leaves a first sync without predecessor).
   */
  startUnknownHistory(upstream: number, downstream: number): void {
    this.startIncarnation(upstream, downstream);
    if (downstream > 0) this.overlaps.push({ startUpstream: upstream, syncs: [], latestUpstream: -1, copiesAfterLatest: downstream, firstBeyondDownstream: -1 });
  }

  /**
   * Moves the mirrored position without a sync (the writer calls this for every acknowledged record
   * whose delta equals the newest sync's; invariant C). In-memory only, allocation-free.
   */
  advance(upstream: number, downstream: number): void {
    this.mirroredUpstream = upstream;
    this.mirroredDownstream = downstream;
    if (this.overlaps.length > 0) this.closeOverlaps(upstream, downstream);
  }

  /** Translates a committed upstream offset (see offset-translation.ts); undefined without a sync at or below it. */
  translate(committed: number): Translation | undefined {
    const latest = this.latest();
    const mirrored = latest && this.mirroredUpstream >= latest.upstream ? { upstream: this.mirroredUpstream, downstream: this.mirroredDownstream } : undefined;
    return translateWithOverlaps(this.syncs, mirrored, this.overlaps, committed);
  }

  /**
   * Translates a committed DOWNSTREAM offset back upstream (failback, engine/mm2/reverse-translation.ts);
   * undefined without a sync at or below it downstream. Earlier lifetimes' copies can only make it re-deliver.
   */
  translateDownstream(committed: number): ReverseTranslation | undefined {
    const latest = this.latest();
    const mirrored = latest && this.mirroredUpstream >= latest.upstream ? { upstream: this.mirroredUpstream, downstream: this.mirroredDownstream } : undefined;
    return translateDownstream(this.syncs, mirrored, committed);
  }

  /**
   * A new series starts at (upstream, downstream) after `latest`: keep what the earlier series copied
   * at or after `upstream` — and the records it copied after its newest sync, which no sync names —
   * until the new series has re-mirrored past them.
   */
  private openOverlap(latest: SyncPoint, upstream: number, downstream: number): void {
    const copiesAfterLatest = Math.max(0, downstream - 1 - latest.downstream);
    if (upstream > latest.upstream && copiesAfterLatest === 0) return; // nothing copied that the new series skips
    const from = Math.max(0, lastSyncAtOrBelow(this.syncs, upstream));
    const syncs = thin(this.syncs.slice(from).map((s) => ({ ...s })), this.maxSyncs);
    syncs[syncs.length - 1]!.exactToNext = false;
    // A series that restarts before it passed an older overlap: its progress towards that one starts over too.
    for (const o of this.overlaps) o.firstBeyondDownstream = -1;
    this.overlaps.push({ startUpstream: upstream, syncs, latestUpstream: latest.upstream, copiesAfterLatest, firstBeyondDownstream: -1 });
  }

  /**
   * Closes overlaps the current series has passed: it reached the earlier series' newest sync and
   * copied as many records after it as the earlier series did (the same source records, in order;
   * fewer if the source was compacted since — then the overlap stays open longer, which is safe).
   */
  private closeOverlaps(upstream: number, downstream: number): void {
    this.overlaps = this.overlaps.filter((o) => {
      if (upstream < o.latestUpstream) return true;
      if (o.copiesAfterLatest === 0) return false;
      if (upstream === o.latestUpstream) return true;
      if (o.firstBeyondDownstream < 0) o.firstBeyondDownstream = downstream;
      return downstream < o.firstBeyondDownstream + o.copiesAfterLatest - 1;
    });
  }
}

/**
 * Drops every second sync of the older half while `syncs` holds more than `max`; a span that loses a
 * delta change is no longer vouched for (invariant D). Returns a new array.
 */
function thin(syncs: SyncPoint[], max: number): SyncPoint[] {
  let current = syncs;
  while (current.length > max && current.length > 4) {
    const half = current.length >> 1;
    const kept: SyncPoint[] = [];
    for (let i = 0; i < current.length; i++) {
      const s = current[i]!;
      if (i < half && i % 2 === 1) {
        const before = kept[kept.length - 1]!;
        before.exactToNext = before.exactToNext && s.exactToNext && before.downstream - before.upstream === s.downstream - s.upstream;
        continue;
      }
      kept.push(s);
    }
    current = kept;
  }
  return current;
}

/** Offset syncs of one flow, keyed by upstream topic and partition. */
export class OffsetSyncStore {
  private readonly series = new Map<string, SyncSeries>();
  private readonly maxSyncsPerPartition: number;

  constructor(options: { maxSyncsPerPartition?: number } = {}) {
    this.maxSyncsPerPartition = options.maxSyncsPerPartition ?? MAX_SYNCS_PER_PARTITION;
  }

  /** The series of a partition, created empty on first use (the writer holds on to it). */
  seriesOf(topic: string, partition: number): SyncSeries {
    const key = seriesKey(topic, partition);
    let s = this.series.get(key);
    if (!s) {
      s = new SyncSeries(topic, partition, this.maxSyncsPerPartition);
      this.series.set(key, s);
    }
    return s;
  }

  /** The series of a partition if it has any sync. */
  find(topic: string, partition: number): SyncSeries | undefined {
    const s = this.series.get(seriesKey(topic, partition));
    return s && s.size > 0 ? s : undefined;
  }

  /** Takes in one sync (as read from the syncs topic). */
  add(sync: OffsetSync): void {
    this.seriesOf(sync.topic, sync.partition).add(sync.upstreamOffset, sync.downstreamOffset);
  }

  /** Translates `committed` on an upstream topic-partition; undefined without a sync at or below it. */
  translate(topic: string, partition: number, committed: number): Translation | undefined {
    return this.find(topic, partition)?.translate(committed);
  }

  /** Translates a committed offset of the REMOTE partition of `topic` back to `topic` (failback); undefined without a sync at or below it. */
  translateDownstream(topic: string, partition: number, committed: number): ReverseTranslation | undefined {
    return this.find(topic, partition)?.translateDownstream(committed);
  }

  /** Every partition with syncs. */
  partitions(): SyncSeries[] {
    return [...this.series.values()].filter((s) => s.size > 0);
  }

  /**
   * Rebuilds the store from the syncs topic on `cluster`, from its log start to its current end.
   * A record that does not decode is skipped with a warning (MM2 skips them too). Creates nothing:
   * a missing topic means no syncs yet. Returns the number of syncs read.
   */
  async load(cluster: ClusterClientSettings, topic: string, logger: Logger): Promise<number> {
    return this.read(cluster, topic, logger, () => true);
  }

  /**
   * Rebuilds the series of `partitions` (upstream names) from the syncs `topics` (read in order: the legacy
   * topic before the current one when the store was built from both), replacing what the store held for
   * them: the flow's group moved them here, and their previous owner wrote syncs this store never saw.
   * Afterwards the store holds for them exactly what the topics hold, as after {@link load} — what the
   * writer's first sync of a partition in this lifetime relies on. `admin`: the cluster's shared admin
   * (default: one of its own). Returns the syncs read for them.
   */
  async reload(cluster: ClusterClientSettings, topics: readonly string[], partitions: readonly { topic: string; partition: number }[], logger: Logger, admin?: KafkaAdmin): Promise<number> {
    if (partitions.length === 0) return 0;
    const keys = new Set(partitions.map((tp) => seriesKey(tp.topic, tp.partition)));
    const fresh = new OffsetSyncStore({ maxSyncsPerPartition: this.maxSyncsPerPartition });
    let read = 0;
    for (const topic of topics) read += await fresh.read(cluster, topic, logger, (sync) => keys.has(seriesKey(sync.topic, sync.partition)), admin);
    for (const tp of partitions) this.series.set(seriesKey(tp.topic, tp.partition), fresh.seriesOf(tp.topic, tp.partition));
    return read;
  }

  /** Reads the syncs topic, taking in the syncs `wanted` accepts; returns how many. `admin`: the cluster's shared admin (default: one of its own). */
  private async read(cluster: ClusterClientSettings, topic: string, logger: Logger, wanted: (sync: OffsetSync) => boolean, admin?: KafkaAdmin): Promise<number> {
    let read = 0;
    let skipped = 0;
    await readInternalTopic(cluster, topic, (m) => {
      try {
        const sync = decodeOffsetSync(m.key, m.value);
        if (!wanted(sync)) return;
        this.add(sync);
        read++;
      } catch (err) {
        if (skipped++ === 0) logger.warn({ err, topic, offset: m.offset }, `skipping a record of ${topic} that is not an offset sync`);
      }
    }, { admin });
    return read;
  }
}

function seriesKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
