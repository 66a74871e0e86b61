/**
 * Emits offset syncs for one flow as the target acknowledges mirrored records, so that offset
 * translation is exact (offset-translation.ts): a sync
 * - on the first acknowledged record of a partition in this engine lifetime, and of every new topic
 *   incarnation (topic ID) — a new series;
 * - whenever (downstream − upstream) changes: source gaps (compaction, transaction markers, aborted
 *   records, truncation skipped under `continue`) or target gaps;
 * - every `offset-syncs.interval.ms` for a partition whose mirrored position moved since its last sync
 *   (bounded volume: at most one per partition per interval), and once more at shutdown — so a store
 *   rebuilt from the topic after a restart knows the mirrored position up to that bound.
 *
 * Each sync goes to the in-memory {@link OffsetSyncStore} at once (the checkpoint task of this engine
 * translates with it) and to `mm2-offset-syncs.<target>.internal` through an {@link InternalRecordSink}:
 * - in order and complete: a sync the producer queue refuses waits in an outbox and is retried before
 *   any later one, so the topic always holds a prefix of what was emitted;
 * - a new series is preceded by a boundary marker — the partition's newest sync repeated — so a store
 *   rebuilt from the topic knows where an earlier lifetime's copies may still be re-mirrored;
 * - progress gating ({@link persistableNextOffset}): the mirror task never stores progress past the
 *   oldest sync the syncs cluster has not acknowledged. A restart therefore re-mirrors every record whose
 *   sync was lost, and the syncs topic describes every span below the stored progress — which stays true
 *   after compaction removes markers.
 *
 * Hot path ({@link onMirrored}, once per acknowledged record): a WeakMap lookup and a few number
 * comparisons; it allocates only when it emits a sync.
 */
import type { Logger } from '../core/logger.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import type { InternalRecordSink } from '../kafka/record-sink.ts';
import type { MirrorListener, MirroredPartition } from '../replicate/mirror-task.ts';
import type { OffsetSyncStore, SyncSeries } from './offset-sync-store.ts';
import { encodeOffsetSyncKey, encodeOffsetSyncValue } from '../mm2/offset-sync.ts';

/** Why a sync was emitted (log field `reason`, telemetry attribute). */
export const SYNC_REASONS = {
  FIRST_RECORD: 'first-record-this-lifetime',
  NEW_INCARNATION: 'new-topic-incarnation',
  DELTA_CHANGED: 'delta-changed',
  INTERVAL: 'interval',
  SHUTDOWN: 'shutdown',
  /** Exactly-once: the transaction that carries the partition's records commits (issue 15). */
  COMMIT: 'commit',
  /** The partition moves to another member of the flow's group (issue 15). */
  HANDOVER: 'handover',
} as const;

/** One of {@link SYNC_REASONS}. */
export type SyncReason = (typeof SYNC_REASONS)[keyof typeof SYNC_REASONS];

/** Per-partition writer state. */
interface PartitionSyncs {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer;
  readonly series: SyncSeries;
  topicId: string;
  /** Delta (downstream − upstream) of the newest sync of the current series. */
  delta: number;
  lastSyncUpstream: number;
  lastSyncAtMs: number;
  mirroredUpstream: number;
  mirroredDownstream: number;
  /** Newest sync enqueued to the topic for this partition (the boundary marker repeats it). */
  topicLatest: { upstream: number; downstream: number } | undefined;
  /** First sync of the current series: written ahead of a later one if the topic has nothing for this partition yet. */
  seriesFirst: { upstream: number; downstream: number };
  /** The next sync written to the topic must be preceded by a boundary marker. */
  boundaryPending: boolean;
  /** Syncs (markers included) not yet enqueued, in order. */
  readonly outbox: { upstream: number; downstream: number }[];
  /** Upstream offsets of syncs enqueued and not yet acknowledged, in order (the producer delivers in order). */
  readonly unacked: number[];
}

/** Options of {@link OffsetSyncWriter}. */
export interface OffsetSyncWriterOptions {
  /** Flow name (log field). */
  flow: string;
  /** `mm2-offset-syncs.<target>.internal`. */
  topic: string;
  store: OffsetSyncStore;
  sink: InternalRecordSink;
  /** `offset-syncs.interval.ms`: the timer sync period per moving partition. */
  intervalMs: number;
  logger: Logger;
  telemetry?: Telemetry;
  /** Epoch ms clock (default Date.now). */
  now?: () => number;
}

/** Emits offset syncs; a {@link MirrorListener} of the flow's mirror task. `start()` runs the timer; `close()` emits final syncs. */
export class OffsetSyncWriter implements MirrorListener {
  private readonly options: OffsetSyncWriterOptions;
  private readonly log: Logger;
  private readonly byPartition = new WeakMap<MirroredPartition, PartitionSyncs>();
  private readonly all = new Set<PartitionSyncs>();
  /** Partitions handed to another member: a late acknowledgement of one of their records starts no series. */
  private readonly released = new WeakSet<MirroredPartition>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private emitted = 0;
  private deliveryFailed = false;
  private refusalLogged = false;

  constructor(options: OffsetSyncWriterOptions) {
    this.options = options;
    this.log = options.logger;
    this.now = options.now ?? Date.now;
  }

  /** Syncs emitted since start (markers not counted). */
  get syncsEmitted(): number {
    return this.emitted;
  }

  /** Starts the interval timer (unref'd). */
  start(): void {
    const period = Math.max(50, Math.min(1000, this.options.intervalMs));
    this.timer ??= setInterval(() => this.tick(this.now()), period);
    this.timer.unref();
  }

  /** The target acknowledged upstream record `upstream` of `p` at `downstream`. Called in partition order. */
  onMirrored(p: MirroredPartition, upstream: number, downstream: number, nowMs: number): void {
    const s = this.byPartition.get(p);
    if (s === undefined || s.topicId !== p.topicId) {
      if (this.released.has(p)) return; // its new owner writes its syncs now
      this.startSeries(p, s, upstream, downstream, nowMs);
      return;
    }
    s.mirroredUpstream = upstream;
    s.mirroredDownstream = downstream;
    if (downstream - upstream !== s.delta) this.emit(s, SYNC_REASONS.DELTA_CHANGED, nowMs);
    else s.series.advance(upstream, downstream);
  }

  /** Emits interval syncs that are due. The timer calls it; exposed so a caller with its own clock can drive it. */
  tick(nowMs: number): void {
    for (const s of this.all) {
      if (s.outbox.length > 0) this.drain(s, nowMs);
      if (s.mirroredUpstream > s.lastSyncUpstream && nowMs - s.lastSyncAtMs >= this.options.intervalMs) this.emit(s, SYNC_REASONS.INTERVAL, nowMs);
    }
  }

  /** Stops the timer and emits a sync for every partition that moved since its last one. Idempotent. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const nowMs = this.now();
    for (const s of this.all) if (s.mirroredUpstream > s.lastSyncUpstream) this.emit(s, SYNC_REASONS.SHUTDOWN, nowMs);
  }

  private startSeries(p: MirroredPartition, previous: PartitionSyncs | undefined, upstream: number, downstream: number, nowMs: number): void {
    const series = previous?.series ?? this.options.store.seriesOf(p.topic, p.partition);
    const latest = series.latest();
    const s: PartitionSyncs = {
      topic: p.topic,
      partition: p.partition,
      key: previous?.key ?? encodeOffsetSyncKey(p),
      series,
      topicId: p.topicId,
      delta: downstream - upstream,
      lastSyncUpstream: upstream,
      lastSyncAtMs: nowMs,
      mirroredUpstream: upstream,
      mirroredDownstream: downstream,
      // At the first record of a lifetime the store holds exactly what the topic held at start.
      topicLatest: previous ? previous.topicLatest : latest && { upstream: latest.upstream, downstream: latest.downstream },
      seriesFirst: { upstream, downstream },
      boundaryPending: true,
      outbox: previous?.outbox ?? [],
      unacked: previous?.unacked ?? [],
    };
    if (previous) this.all.delete(previous);
    this.all.add(s);
    this.byPartition.set(p, s);
    const reason = previous || p.resetDetectedAtMs !== undefined ? SYNC_REASONS.NEW_INCARNATION : SYNC_REASONS.FIRST_RECORD;
    this.log.info(
      { event: 'offset_sync_series_started', topic: p.topic, partition: p.partition, topicId: p.topicId, upstreamOffset: upstream, downstreamOffset: downstream, reason, previousSync: latest ? { upstream: latest.upstream, downstream: latest.downstream } : null },
      `Offset sync series started for ${p.topic}-${p.partition} at upstream ${upstream} -> downstream ${downstream} (${reason})`,
    );
    if (previous || p.resetDetectedAtMs !== undefined) {
      // A new incarnation (reset seen now, or while the engine was down): the old incarnation's syncs mean
      // nothing for the new one's group offsets. Start over in memory; the topic gets a boundary marker
      // (a store rebuilt from it cannot tell incarnations apart and stays conservative).
      series.startIncarnation(upstream, downstream);
    } else if (latest) {
      series.add(latest.upstream, latest.downstream); // boundary marker: the span after the previous lifetime's last sync is unverified
      series.add(upstream, downstream);
    } else {
      series.startUnknownHistory(upstream, downstream);
      if (downstream > 0) {
        this.log.info(
          { event: 'offset_sync_history_unknown', topic: p.topic, partition: p.partition, downstreamOffset: downstream },
          `No offset sync known for ${p.topic}-${p.partition} although its remote partition holds records up to ${downstream}; no translation until as many are mirrored again`,
        );
      }
    }
    this.emit(s, reason, nowMs, true);
  }

  /** Emits a sync at the partition's mirrored position (`inStore`: the store already has it). */
  private emit(s: PartitionSyncs, reason: SyncReason, nowMs: number, inStore = false): void {
    const upstream = s.mirroredUpstream;
    const downstream = s.mirroredDownstream;
    if (!inStore) s.series.add(upstream, downstream);
    s.delta = downstream - upstream;
    s.lastSyncUpstream = upstream;
    s.lastSyncAtMs = nowMs;
    this.emitted++;
    this.options.telemetry?.recordOffsetSync({ flow: this.options.flow, reason });
    if (reason === SYNC_REASONS.DELTA_CHANGED) this.log.trace({ topic: s.topic, partition: s.partition, upstreamOffset: upstream, downstreamOffset: downstream, reason }, 'offset sync');
    this.write(s, upstream, downstream, nowMs);
  }

  /** Queues a sync for the topic (after the boundary marker when one is pending) and sends what the producer takes. */
  private write(s: PartitionSyncs, upstream: number, downstream: number, nowMs: number): void {
    if (s.boundaryPending && s.topicLatest) s.outbox.push(s.topicLatest);
    s.boundaryPending = false;
    const sync = { upstream, downstream };
    s.outbox.push(sync);
    s.topicLatest = sync;
    this.drain(s, nowMs);
  }

  /** Sends queued syncs in order until the producer refuses one (its queue is full; retried on the next tick). */
  private drain(s: PartitionSyncs, nowMs: number): void {
    while (s.outbox.length > 0) {
      const next = s.outbox[0]!;
      const value = encodeOffsetSyncValue({ upstreamOffset: next.upstream, downstreamOffset: next.downstream });
      const sent = this.options.sink.send(this.options.topic, s.key, value, nowMs, (err) => {
        if (!err) s.unacked.shift();
        else if (!this.deliveryFailed) {
          this.deliveryFailed = true;
          this.log.error({ err: err.message, topic: this.options.topic }, `offset syncs cannot be written to ${this.options.topic} (${err.message}); stored progress stays behind the first unwritten sync`);
        }
      });
      if (!sent) {
        if (!this.refusalLogged) this.log.warn({ topic: this.options.topic, queued: s.outbox.length }, 'offset sync producer queue full; syncs wait in order');
        this.refusalLogged = true;
        return;
      }
      s.outbox.shift();
      s.unacked.push(next.upstream);
    }
    this.refusalLogged = false;
  }

  /**
   * Progress gating: the highest next offset of `p` the mirror task may store as progress — the
   * upstream offset of its oldest sync not yet acknowledged (queued or in flight) — or undefined when
   * every sync of the partition is acknowledged. Records from there on are re-mirrored after a crash,
   * so their syncs are emitted again.
   */
  persistableNextOffset(p: MirroredPartition): number | undefined {
    const s = this.byPartition.get(p);
    if (!s || s.topicId !== p.topicId) return undefined;
    return s.unacked[0] ?? s.outbox[0]?.upstream;
  }

  /**
   * Before `partitions` move to another member: emits a sync for each that moved since its last one and
   * waits up to `timeoutMs` until the syncs cluster acknowledged what is queued, so their final progress
   * (still gated by {@link persistableNextOffset}) covers as much as possible. Then {@link forget} them.
   */
  async prepareRelease(partitions: readonly MirroredPartition[], timeoutMs = 5000): Promise<void> {
    const nowMs = this.now();
    for (const p of partitions) {
      const s = this.byPartition.get(p);
      if (s === undefined) continue;
      if (s.mirroredUpstream > s.lastSyncUpstream) this.emit(s, SYNC_REASONS.HANDOVER, nowMs);
      this.drain(s, nowMs);
    }
    await this.options.sink.flush?.(timeoutMs);
  }

  /**
   * Stops tracking `partitions` (their final progress is stored, or they were lost): no more interval syncs,
   * and a late acknowledgement of one of their records starts nothing. `lost`: another member owns them
   * already, so syncs still queued for them are dropped (the new owner's series must not interleave with them).
   */
  forget(partitions: readonly MirroredPartition[], lost: boolean): void {
    for (const p of partitions) {
      this.released.add(p);
      const s = this.byPartition.get(p);
      if (s === undefined) continue;
      if (lost) s.outbox.length = 0;
      this.all.delete(s);
      this.byPartition.delete(p);
    }
  }

  /** Emits final syncs and waits up to `timeoutMs` until the producer acknowledged them (mirror-task shutdown, before its last progress write). */
  async flush(timeoutMs = 5000): Promise<void> {
    this.close();
    await this.drainAll(timeoutMs);
  }

  /**
   * Exactly-once, before each commit: emits a sync for every partition that moved since its last one and
   * waits up to `timeoutMs` until they are in the transaction, so they commit with the records they describe.
   * Unlike {@link flush} the writer keeps running (its interval timer included).
   */
  async flushForCommit(timeoutMs = 5000): Promise<void> {
    const nowMs = this.now();
    for (const s of this.all) if (s.mirroredUpstream > s.lastSyncUpstream) this.emit(s, SYNC_REASONS.COMMIT, nowMs);
    await this.drainAll(timeoutMs);
  }

  private async drainAll(timeoutMs: number): Promise<void> {
    const nowMs = this.now();
    for (const s of this.all) this.drain(s, nowMs);
    await this.options.sink.flush?.(timeoutMs);
  }
}
