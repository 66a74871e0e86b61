/**
 * What the mirror task knows about one source partition.
 *
 * Invariants (asserted by partition-state.test.ts):
 * - A: `ackedNextOffset <= nextOffset` — progress never claims a record that was not fetched.
 * - B: within one topic ID, `ackedNextOffset` never decreases, and neither does `nextOffset` except
 *   through {@link PartitionState.rewindToAcknowledged} (records handed to a producer that failed are
 *   fetched again); {@link PartitionState.restartAt} (a topic reset, an acknowledged gap,
 *   `truncation.policy=continue`, a record skipped under `record.rejected.policy=skip`) moves both.
 * - C: a record is accepted only at or above `nextOffset`; below it is a re-fetched duplicate and is dropped.
 * - D: `inFlight` counts records handed to the producer whose delivery report has not arrived.
 * - E: a record passed over with {@link PartitionState.skip} (it came from the target: provenance.ts) counts
 *   as done once every record produced before it is acknowledged — never earlier, so a skipped offset
 *   never lets progress pass a produced record that failed.
 */
import type { TopicPartition } from '../kafka/kafka-admin.ts';
import type { GapRecord } from '../progress/progress-store.ts';

/** Lifecycle of a partition inside a mirror task. */
export const PARTITION_STATUS = {
  MIRRORING: 'MIRRORING',
  /** The source topic does not exist (deleted); the partition waits for it to come back. */
  WAITING_FOR_TOPIC: 'WAITING_FOR_TOPIC',
  /** The source topic came back with fewer partitions; this one no longer exists upstream. */
  REMOVED: 'REMOVED',
  FAILED: 'FAILED',
} as const;

/** One of {@link PARTITION_STATUS}. */
export type PartitionStatus = (typeof PARTITION_STATUS)[keyof typeof PARTITION_STATUS];

/** Per-partition mirroring state. Offsets are upstream (source) offsets. */
export class PartitionState implements TopicPartition {
  readonly topic: string;
  readonly partition: number;
  /** Topic ID (KIP-516, base64url) of the incarnation being mirrored. */
  topicId: string;
  /** Next upstream offset expected from the source: where the consumer fetches. */
  nextOffset: number;
  /** One past the last upstream offset whose record the target acknowledged (what the progress store gets). */
  ackedNextOffset: number;
  /** Records produced and not yet acknowledged. */
  inFlight = 0;
  status: PartitionStatus = PARTITION_STATUS.MIRRORING;
  /** Epoch ms of the last accepted record or (re)start; drives the stall check. */
  lastProgressAtMs: number;
  /** Epoch ms at which a topic reset was detected, until the first record of the new topic is acknowledged. */
  resetDetectedAtMs: number | undefined;
  /** Progress position last written to the progress store, to skip unchanged writes. */
  persistedNextOffset: number;
  /** Truncation gaps recorded for this incarnation (persisted with the progress). */
  gaps: GapRecord[] = [];
  /** Epoch ms of the last broker check (truncation / divergence) of this partition. */
  lastCheckAtMs = 0;
  /**
   * Record-count progress trigger (`progress.flush.max.records`, engine/replicate/mirror-task.ts): the
   * upstream offset whose acknowledgement makes the next progress write due. 0 = due at the first one.
   */
  progressDueAtOffset = 0;
  /**
   * Runs of skipped records waiting for the acknowledgement of the record produced just before each
   * (invariant E), oldest first: once the record at `after` is acknowledged the acked position moves to `next`.
   */
  private readonly skippedRuns: { after: number; next: number }[] = [];

  constructor(tp: TopicPartition, topicId: string, startOffset: number, nowMs: number) {
    this.topic = tp.topic;
    this.partition = tp.partition;
    this.topicId = topicId;
    this.nextOffset = startOffset;
    this.ackedNextOffset = startOffset;
    this.persistedNextOffset = -1;
    this.lastProgressAtMs = nowMs;
  }

  /** `topic-partition`, e.g. `commit-log-0`. */
  get key(): string {
    return `${this.topic}-${this.partition}`;
  }

  /**
   * Accepts a fetched record at `offset` (invariant C). Returns false for a stale record below
   * `nextOffset`. Offsets above it are legitimate gaps (compaction, transaction markers, aborted records).
   */
  accept(offset: number, nowMs: number): boolean {
    if (this.status !== PARTITION_STATUS.MIRRORING || offset < this.nextOffset) return false;
    this.nextOffset = offset + 1;
    this.inFlight++;
    this.lastProgressAtMs = nowMs;
    return true;
  }

  /**
   * Records the target's acknowledgement of the record at upstream `offset`. Delivery reports of one
   * partition arrive in order (idempotent producer), so the acked position is simply offset + 1.
   */
  acknowledge(offset: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (offset + 1 > this.ackedNextOffset) this.ackedNextOffset = Math.min(offset + 1, this.nextOffset);
    while (this.skippedRuns.length > 0 && offset >= this.skippedRuns[0]!.after) {
      this.ackedNextOffset = Math.max(this.ackedNextOffset, Math.min(this.skippedRuns.shift()!.next, this.nextOffset));
    }
  }

  /**
   * Passes over the fetched record at `offset` without producing it (a record that came from the flow's
   * target cluster, engine/replicate/provenance.ts): accepted as {@link accept} does (invariant C; false
   * for a stale record), not in flight. It counts as acknowledged at once when nothing is in flight, else
   * with the acknowledgement of the last record produced before it (invariant E).
   */
  skip(offset: number, nowMs: number): boolean {
    if (this.status !== PARTITION_STATUS.MIRRORING || offset < this.nextOffset) return false;
    if (this.inFlight === 0) {
      this.ackedNextOffset = offset + 1;
    } else {
      // The record before this one was produced, unless it was itself skipped: then the run grows.
      const last = this.skippedRuns[this.skippedRuns.length - 1];
      if (last !== undefined && last.next === this.nextOffset) last.next = offset + 1;
      else this.skippedRuns.push({ after: this.nextOffset - 1, next: offset + 1 });
    }
    this.nextOffset = offset + 1;
    this.lastProgressAtMs = nowMs;
    return true;
  }

  /**
   * Forgets the records produced but not acknowledged (the producer that had them failed; none of them
   * is in flight any more): the next fetch starts again at `ackedNextOffset`. Invariant A holds trivially.
   */
  rewindToAcknowledged(): void {
    this.nextOffset = this.ackedNextOffset;
    this.inFlight = 0;
    this.skippedRuns.length = 0; // skipped records past the acknowledged position are fetched, and skipped, again
  }

  /** Restarts mirroring at `offset` of incarnation `topicId` (reset, acknowledged gap, continue policy, skipped record). */
  restartAt(offset: number, topicId: string, nowMs: number): void {
    if (topicId !== this.topicId) this.gaps = [];
    this.topicId = topicId;
    this.nextOffset = offset;
    this.ackedNextOffset = offset;
    this.skippedRuns.length = 0;
    this.status = PARTITION_STATUS.MIRRORING;
    this.lastProgressAtMs = nowMs;
  }
}
