/**
 * One source partition on the batch data path (engine/replicate/batch-path.ts): where its next fetch
 * starts, which path carries it now, and its batches planned and produced, in upstream order.
 *
 * Modes (a partition is carried by exactly one path at a time, so its remote partition stays an in-order
 * prefix, DESIGN.md invariant 7):
 * - `batches`: fetched and produced as record batches;
 * - `to-records`: a batch must go through the record path (compressed and trimmed / compacted /
 *   LogAppendTime, or rejected by the target): nothing more is fetched, the batches before it drain;
 * - `records`: the task's librdkafka consumer and producer copy it up to `recordsUntil` (inclusive);
 * - `from-records`: past `recordsUntil`: the consumer let go of it, its last records drain.
 *
 * Invariants:
 * - A: `inflight` holds produced batches in send order, `pending` planned ones not yet sent; every batch
 *   of both was accepted by the partition state (its `nextOffset` is past them), none of `pending` was sent.
 * - B: `inflight.length <= MAX_IN_FLIGHT_PER_LANE` (idempotent producers keep order for ≤ 5 in-flight
 *   requests per partition: `ProducerStateManager` caches 5 batches, KIP-98 / KAFKA-5494).
 * - C: sequences: `inflight[i + 1].sequence = inflight[i].sequence + inflight[i].recordCount` (mod 2^31)
 *   and every batch of `inflight` belongs to one producer identity (a batch of a new identity is sent only
 *   once the older ones settled: the broker orders by sequence per producer id only, so batches of two ids
 *   in flight at once could be written out of order); each batch's sequence is claimed from the sink's
 *   SequenceBook, and each batch is stamped with the identity its sequence was counted in (resends included).
 * - E: sequences are the remote partition's, not the lane's: they outlive the lane (the sink's SequenceBook,
 *   engine/kafka/batch/sequence-book.ts, shared with earlier and later lanes of the partition and, exactly-once,
 *   with the record producer of the same identity).
 * - D: while `recovering`, nothing is sent but the resends of the failed batches, in their order.
 */
import type { ProducePartitionResult } from '../kafka/batch/batch-protocol.ts';
import type { ProducerIdentity } from '../kafka/batch/batch-sink.ts';
import type { ForwardedBatch } from '../kafka/batch/offset-map.ts';
import type { BatchBytes } from '../kafka/batch/record-batch.ts';
import type { PartitionState } from '../partitions/partition-state.ts';

/** Produce requests in flight per partition (invariant B). */
export const MAX_IN_FLIGHT_PER_LANE = 5;

/** Default Fetch `partition_max_bytes` (raised per partition for a larger first batch). */
export const DEFAULT_PARTITION_MAX_BYTES = 1024 * 1024;

/** Which path carries a partition; see the module doc. */
export type LaneMode = 'batches' | 'to-records' | 'records' | 'from-records';

/** A batch planned for the target: its bytes and everything its acknowledgement needs. Offsets upstream. */
export interface PlannedBatch {
  /** One v2 batch (views into the fetch response's socket chunks, or a rebuilt copy); re-signed in place (head chunk) at every send. */
  readonly bytes: BatchBytes;
  readonly forwarded: ForwardedBatch;
  /** Upstream offset of the batch's last record. */
  readonly lastOffset: number;
  /** Incarnation it was fetched from (base64url). */
  readonly topicId: string;
  /** Epoch ms at which it was read from the source. */
  readonly readAtMs: number;
  /** Newest record timestamp (epoch ms; `maxTimestamp`): latency is measured from it. */
  readonly timestampMs: number;
  /**
   * A merged batch only (BatchPath.enqueue): its source batches in order, each counted in the partition's
   * `inFlight` and acknowledged on its own — the partition's acknowledged position moves source batch by source
   * batch, so the record-count progress trigger stores the same positions as without merging.
   */
  readonly parts?: readonly MergedPart[];
}

/** One source batch inside a merged {@link PlannedBatch}. */
export interface MergedPart {
  /** Index in `forwarded.upstreamOffsets` after this part's last record. */
  readonly end: number;
  /** Upstream last offset of the source batch (its planned `lastOffset`). */
  readonly lastOffset: number;
}

/** A planned batch that was sent: with its sequence, the producer identity it was signed with and its response. */
export interface SentBatch extends PlannedBatch {
  sequence: number;
  /** The identity `sequence` counts in; a resend with the same sequence is signed with it again. */
  identity: ProducerIdentity;
  response: Promise<ProducePartitionResult>;
}

/** The batch-path state of one partition (see the module doc for modes and invariants). */
export class BatchLane {
  readonly state: PartitionState;
  readonly remoteTopic: string;
  mode: LaneMode = 'batches';
  /** Last upstream offset the record path carries (`records` mode); Infinity for partitions that stay there. */
  recordsUntil = -1;
  /** Why the record path carries it (log field). */
  recordsReason = '';
  /** Whether the range handed to the record path has offset gaps (compaction: its last offset may hold no record). */
  recordsRangeHasGaps = false;
  /** Epoch ms of the last move of `state.nextOffset` while in `records` mode. */
  recordsMovedAtMs = 0;
  recordsLastNext = -1;
  /** Upstream offset of the next fetch. */
  fetchOffset: number;
  /** Incarnation `fetchOffset` belongs to. */
  fetchTopicId: string;
  /** Offsets below this are known to be mirrored or absent (plans start at max(state.nextOffset, this)). */
  skipBelow = 0;
  maxBytes = DEFAULT_PARTITION_MAX_BYTES;
  /** No fetch before this epoch ms (after a fetch error). */
  blockedUntilMs = 0;
  readonly pending: PlannedBatch[] = [];
  inflight: SentBatch[] = [];
  /** Whether a settle loop runs for this lane. */
  settling = false;
  /** Its state left the task's table (revoked, lost, removed): nothing more is fetched or sent. */
  released = false;
  /** Set while a failed batch is handled (resend, new identity, rejection): nothing new is sent meanwhile, so the failed batches go first. */
  recovering = false;

  /** `remoteTopic`: where the partition's batches go (its sequences are the sink's, invariant E). */
  constructor(state: PartitionState, remoteTopic: string) {
    this.state = state;
    this.remoteTopic = remoteTopic;
    this.fetchOffset = state.nextOffset;
    this.fetchTopicId = state.topicId;
  }

  /** Whether nothing of this lane is planned or in flight. */
  get idle(): boolean {
    return this.pending.length === 0 && this.inflight.length === 0;
  }

  /** Fetch again from the partition state's position (after a reassignment: reset, gap, rewind, new incarnation). */
  reposition(): void {
    if (this.state.topicId !== this.fetchTopicId || this.state.nextOffset >= this.skipBelow) this.skipBelow = 0;
    this.fetchTopicId = this.state.topicId;
    this.fetchOffset = Math.max(this.state.nextOffset, this.skipBelow);
    this.maxBytes = DEFAULT_PARTITION_MAX_BYTES;
    this.blockedUntilMs = 0;
  }
}
