/**
 * The record-batch data path of a mirror task (`data.path = batches`, issue 16): source partitions are
 * fetched by topic ID as raw v2 batches (engine/kafka/batch/batch-source.ts), filtered (read_committed:
 * aborted transactions and control batches dropped), planned (engine/kafka/batch/forward-plan.ts: forward,
 * rebuild uncompressed, or hand to the record path), re-signed with the task's idempotent producer identity
 * and produced to the same remote partition (engine/kafka/batch/batch-sink.ts), ≤ 5 requests pipelined per
 * partition. It runs beside the task's record path, which stays the carrier of every case the bytes cannot
 * take as they are: a compressed batch that must be trimmed or has offset gaps, a batch the target rejects
 * (so `record.rejected.policy` decides per record, with the record path's exact evidence), and the
 * heartbeats topics (their records feed `heartbeat-latency-ms`). One path carries a partition at a time
 * (engine/replicate/batch-lane.ts).
 *
 * What keeps its meaning (DESIGN.md invariants):
 * - Topic-ID fence (3): fetches name the topic ID being mirrored; a recreated topic answers
 *   UNKNOWN_TOPIC_ID, routed to the task's topic-ID check (reset detection); a response is used only while
 *   its topic ID is still the partition's and the table's.
 * - No silent loss (1): OFFSET_OUT_OF_RANGE goes to the task's truncation check, as librdkafka's -140 does.
 * - Progress and offset syncs (3, 5): a batch is accepted (PartitionState.accept of its last offset) when
 *   planned and acknowledged when the target answered it; the listener hears the exact
 *   upstream → downstream pairs (first and last record of a forwarded batch: the delta is constant within it;
 *   every record of a rebuilt one).
 * - No hole on the target (7): batches of a partition are acknowledged in order; a retriable error resends
 *   every unacknowledged batch of the partition in order with the same identity and sequences (the broker
 *   deduplicates); OUT_OF_ORDER_SEQUENCE_NUMBER / UNKNOWN_PRODUCER_ID / INVALID_PRODUCER_EPOCH take a new
 *   producer identity (one for all partitions that fail together) and renumber; a rejection rewinds the
 *   partition and copies that batch's records through the record path; any other error stops the task
 *   (DELIVERY_FAILED). Sequences are kept per remote partition for the task's life, not per lane: a
 *   partition the group takes away and gives back continues its producer's sequence (the sink's SequenceBook,
 *   engine/kafka/batch/sequence-book.ts, which exactly-once also shares with the record producer of the same
 *   transactional identity) — restarting at 0 could be acknowledged by the broker as a duplicate and never
 *   written. Each batch is signed with the identity its sequence was claimed in, resends included.
 */
import { ERROR_CODES, MirrorError, type MirrorError as MirrorErrorType } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { AbortedTransactionFilter } from '../kafka/batch/aborted-filter.ts';
import type { BatchFetchRequest, BatchSource, FetchedBatches } from '../kafka/batch/batch-source.ts';
import type { BatchSink } from '../kafka/batch/batch-sink.ts';
import type { ProducePartitionResult } from '../kafka/batch/batch-protocol.ts';
import { mergeUncompressed, planBatch, type MergePart } from '../kafka/batch/forward-plan.ts';
import { claimFields } from '../kafka/batch/sequence-book.ts';
import { ATTR, batchBytesOf, lastOffsetOf, readBatches } from '../kafka/batch/record-batch.ts';
import type { ClientErrorLike } from '../kafka/source-consumer.ts';
import { KAFKA_ERROR_CODES as K } from '../kafka/error-codes.ts';
import { PARTITION_STATUS, type PartitionState } from '../partitions/partition-state.ts';
import type { PartitionTable } from '../partitions/partition-table.ts';
import { BatchLane, MAX_IN_FLIGHT_PER_LANE, type MergedPart, type PlannedBatch, type SentBatch } from './batch-lane.ts';
import { REJECTION_CODES } from './delivery-failure.ts';
import type { MirrorListener, MirrorTelemetry } from './mirror-listener.ts';

/** Collaborators of {@link BatchPath}; `clock` gives epoch ms. */
export interface BatchPathOptions {
  /** Flow name (telemetry attribute). */
  flow: string;
  table: PartitionTable;
  source: BatchSource;
  sink: BatchSink;
  telemetry: MirrorTelemetry;
  listener: MirrorListener | undefined;
  remoteTopic: (topic: string) => string;
  /** Heartbeats topics stay on the record path (their records feed `heartbeat-latency-ms`). */
  isHeartbeatsTopic: (topic: string) => boolean;
  readCommitted: boolean;
  /**
   * Adjacent uncompressed batches of one fetch answer are merged up to this many bytes ({@link BatchPath.enqueue});
   * 0 forwards every batch alone. Default {@link MERGE_MAX_BYTES}.
   */
  mergeMaxBytes?: number;
  /**
   * At most this many records in one merged batch: `progress.flush.max.records` (a merged batch is acknowledged
   * as one Produce, so it must not hold more records than the record-count progress trigger allows between two
   * writes; test/progress-by-records.int.test.ts). 0 (time-only progress flushing): no record cap, only
   * `mergeMaxBytes`. A source batch with more records than this is never merged but still forwarded alone.
   */
  mergeMaxRecords?: number;
  clock: () => number;
  /** The task's logger (binds `flow`). */
  logger: Logger;
  /** The first batch of a reset partition's new incarnation was acknowledged at `nowMs`. */
  onResetRecovered: (state: PartitionState, nowMs: number) => void;
  /** A fetch error (OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_ID, …): the task's checks decide (PartitionChecks.onConsumeError). */
  onSourceError: (err: ClientErrorLike) => void;
  /** Which partitions the record path carries changed: the task re-assigns its consumer. */
  onRecordPathChange: () => void;
  /** Stops the task. */
  failWith: (error: MirrorErrorType) => void;
}

/** Kafka error codes after which a Produce is sent again unchanged (leadership, timeouts, replicas, connection: -1). */
const RETRIABLE_PRODUCE: ReadonlySet<number> = new Set([-1, K.UNKNOWN_TOPIC_OR_PARTITION, K.LEADER_NOT_AVAILABLE, K.NOT_LEADER_OR_FOLLOWER, K.REQUEST_TIMED_OUT, K.NETWORK_EXCEPTION,
  19 /* NOT_ENOUGH_REPLICAS */, 20 /* NOT_ENOUGH_REPLICAS_AFTER_APPEND */, 56 /* KAFKA_STORAGE_ERROR */, 74 /* FENCED_LEADER_EPOCH */, 75 /* UNKNOWN_LEADER_EPOCH */]);

/** Produce errors that need a new producer identity: OUT_OF_ORDER_SEQUENCE_NUMBER (45), INVALID_PRODUCER_EPOCH (47), UNKNOWN_PRODUCER_ID (59). */
const NEW_IDENTITY_PRODUCE: ReadonlySet<number> = new Set([45, 47, 59]);

/** Kafka OFFSET_OUT_OF_RANGE (1) in a Fetch response. */
const OFFSET_OUT_OF_RANGE = 1;

/**
 * Adjacent uncompressed batches of one fetch answer are merged into one batch up to this many bytes (well under
 * the 1 MiB default `max.message.bytes` of a remote topic); a batch this big or bigger is forwarded alone.
 */
const MERGE_MAX_BYTES = 256 * 1024;

/** A batch taken from a fetch answer, before {@link BatchPath.enqueue}: its plan, and its bytes when it may be merged. */
interface TakenBatch {
  readonly planned: PlannedBatch;
  readonly part: MergePart | undefined;
  /** Bytes of the batch as planned. */
  readonly size: number;
}

/** How long a partition whose range on the record path has offset gaps may make no progress before the rest of the range counts as compacted away (ms). */
const RECORDS_GAP_IDLE_MS = 10_000;

/** Runs the batch path of one task. `connect()`, then `step()` from the task's loop. */
export class BatchPath {
  private readonly o: BatchPathOptions;
  private readonly log: Logger;
  private readonly lanes = new Map<PartitionState, BatchLane>();
  /** The InitProducerId in progress, shared by every lane that needs a new identity meanwhile. */
  private renewing: Promise<void> | undefined;
  private readonly attributes = new Map<string, { flow: string; topic: string }>();
  private halted = false;
  private wake: (() => void) | undefined;
  private lastWarnAtMs = 0;
  private readonly mergeMaxBytes: number;
  /** 0: no record cap. */
  private readonly mergeMaxRecords: number;

  constructor(options: BatchPathOptions) {
    this.o = options;
    this.log = options.logger;
    this.mergeMaxBytes = options.mergeMaxBytes ?? MERGE_MAX_BYTES;
    this.mergeMaxRecords = options.mergeMaxRecords ?? 0;
  }

  /** Connects both sides and takes the producer identity. Throws MirrorError. */
  async connect(): Promise<void> {
    await this.o.source.connect();
    await this.o.sink.connect();
  }

  /** Waits until the target's metadata shows the partitions of each remote topic. Throws MirrorError(TIMEOUT). */
  awaitPartitions(topics: readonly { remoteTopic: string; partitionCount: number }[]): Promise<void> {
    return this.o.sink.awaitPartitions(new Map(topics.map((t) => [t.remoteTopic, t.partitionCount])));
  }

  /** Whether the record path carries `partition` of `topic` now (the task's consumer is assigned exactly these). */
  carriedByRecords(state: PartitionState): boolean {
    return this.lane(state).mode === 'records';
  }

  /** The partitions' positions changed (reassignment): every lane fetches from its state's position again. */
  reposition(): void {
    for (const lane of this.syncLanes()) {
      // Back to batches once the record path's range is behind (a reset or a gap moved the position) and nothing of it is in flight.
      const behind = lane.recordsUntil !== Infinity && (lane.state.topicId !== lane.fetchTopicId || lane.state.nextOffset > lane.recordsUntil);
      if (lane.mode !== 'batches' && behind && lane.idle && lane.state.inFlight === 0) lane.mode = 'batches';
      lane.reposition();
    }
  }

  /**
   * One round: moves partitions between the paths, fetches every partition carried by batches that has
   * nothing waiting, and plans and sends what came. Waits up to `maxWaitMs` (ms) for data or, when every
   * partition is busy, for an acknowledgement. Returns false when it had no partition to fetch.
   */
  async step(maxWaitMs: number): Promise<boolean> {
    if (this.halted) return false;
    const now = this.o.clock();
    this.transitions(now);
    const requests: BatchFetchRequest[] = [];
    let busy = 0;
    for (const lane of this.lanes.values()) {
      const s = lane.state;
      if (lane.released || lane.mode !== 'batches' || s.status !== PARTITION_STATUS.MIRRORING) continue;
      if (lane.fetchTopicId !== s.topicId) lane.reposition();
      if (lane.pending.length > 0 || now < lane.blockedUntilMs) {
        busy++;
        continue;
      }
      requests.push({ topic: s.topic, partition: s.partition, topicId: s.topicId, offset: lane.fetchOffset, maxBytes: lane.maxBytes });
    }
    if (requests.length === 0) {
      if (busy > 0) await this.waitForChange(maxWaitMs);
      return busy > 0;
    }
    const results = await this.o.source.fetch(requests, maxWaitMs);
    const readAtMs = this.o.clock();
    for (const r of results) this.take(r, readAtMs);
    return true;
  }

  /** Moves partitions from the record path back to batches when the record path is past their range (call after each record round). */
  afterRecords(): void {
    this.transitions(this.o.clock());
  }

  /** Whether any batch is planned or in flight. */
  get inFlight(): boolean {
    for (const lane of this.lanes.values()) if (!lane.idle) return true;
    return false;
  }

  /** Waits until no batch is planned or in flight, up to `timeoutMs` (ms, real time). Resolves false at the deadline. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight) {
      if (this.halted && ![...this.lanes.values()].some((l) => l.settling)) return false;
      if (Date.now() >= deadline) return false;
      await delay(5);
    }
    return true;
  }

  /** The task stops: nothing more is sent (responses of requests already sent are still taken). */
  halt(): void {
    this.halted = true;
    this.wake?.();
  }

  /** Closes both sides (after {@link drain}). */
  async close(): Promise<void> {
    this.halt();
    await Promise.allSettled([this.o.source.close(), this.o.sink.close()]);
  }

  // ---- fetch side ------------------------------------------------------------------------------

  /**
   * The lanes, in step with the table: a lane per partition state (heartbeats topics on the record path).
   * A state that left the table (revoked or lost by the group, removed) is released: nothing more is
   * fetched or sent for it, what was planned is dropped (its progress stays at what was acknowledged),
   * and its lane goes once the batches already sent were answered (the handover drains them first).
   */
  private syncLanes(): IterableIterator<BatchLane> {
    const states = new Set(this.o.table.values());
    for (const [state, lane] of this.lanes) {
      if (states.has(state)) continue;
      lane.released = true;
      lane.pending.length = 0;
      if (lane.idle) this.lanes.delete(state);
    }
    for (const state of states) this.lane(state);
    return this.lanes.values();
  }

  private lane(state: PartitionState): BatchLane {
    let lane = this.lanes.get(state);
    if (lane === undefined) {
      lane = new BatchLane(state, this.o.remoteTopic(state.topic));
      if (this.o.isHeartbeatsTopic(state.topic)) {
        lane.mode = 'records';
        lane.recordsUntil = Infinity;
        lane.recordsReason = 'heartbeats topic';
      }
      this.lanes.set(state, lane);
    }
    return lane;
  }

  /** Mode changes that are due (see batch-lane.ts); tells the task when the record path's partitions changed. */
  private transitions(now: number): void {
    let changed = false;
    for (const lane of this.syncLanes()) {
      const s = lane.state;
      if (lane.mode === 'to-records' && lane.idle) {
        lane.mode = 'records';
        lane.recordsMovedAtMs = now;
        lane.recordsLastNext = s.nextOffset;
        changed = true;
      } else if (lane.mode === 'records' && lane.recordsUntil !== Infinity) {
        if (s.nextOffset > lane.recordsUntil) {
          lane.mode = 'from-records';
          changed = true;
        } else if (s.nextOffset !== lane.recordsLastNext) {
          lane.recordsLastNext = s.nextOffset;
          lane.recordsMovedAtMs = now;
        } else if (lane.recordsRangeHasGaps && s.inFlight === 0 && s.status === PARTITION_STATUS.MIRRORING && now - lane.recordsMovedAtMs >= RECORDS_GAP_IDLE_MS) {
          // A compacted batch keeps its last offset after the cleaner removed that record: the record path never passes it.
          this.log.warn(
            { event: 'batch_path_range_compacted', topic: s.topic, partition: s.partition, fromOffset: s.nextOffset, toOffset: lane.recordsUntil },
            `No record of ${s.key} in [${s.nextOffset}, ${lane.recordsUntil}] arrived for ${RECORDS_GAP_IDLE_MS} ms on the record path; that range of a compacted batch holds no more records, mirroring goes on with batches after it`,
          );
          lane.skipBelow = lane.recordsUntil + 1;
          lane.mode = 'from-records';
          changed = true;
        }
      }
      if (lane.mode === 'from-records' && s.inFlight === 0) {
        lane.mode = 'batches';
        lane.reposition();
      }
    }
    if (changed) this.o.onRecordPathChange();
  }

  /** Takes one partition's fetch answer: errors to the task's checks, batches planned and sent. */
  private take(r: FetchedBatches, readAtMs: number): void {
    const state = this.o.table.statesOf(r.request.topic)?.[r.request.partition];
    const lane = state && this.lanes.get(state);
    if (!state || !lane || lane.released || lane.mode !== 'batches' || state.status !== PARTITION_STATUS.MIRRORING) return;
    // The answer belongs to what is mirrored now: same incarnation, same position (no reassignment since).
    if (r.request.topicId !== state.topicId || this.o.table.knownTopic(state.topic)?.topicId !== state.topicId || r.request.offset !== lane.fetchOffset) return;
    if (r.errorCode !== 0) return this.onFetchError(lane, r, readAtMs);
    const list = readBatches(r.records);
    if (list.batches.length === 0) {
      if (list.partialBatchSize > lane.maxBytes) lane.maxBytes = list.partialBatchSize;
      return;
    }
    const filter = this.o.readCommitted ? new AbortedTransactionFilter(r.abortedTransactions) : undefined;
    const taken: TakenBatch[] = [];
    for (const batch of list.batches) {
      const last = lastOffsetOf(batch);
      if (last < lane.fetchOffset) continue;
      if (filter && !filter.keep(batch)) {
        lane.fetchOffset = last + 1;
        continue;
      }
      const plan = planBatch(batch, Math.max(state.nextOffset, lane.skipBelow));
      if (plan.kind === 'skip') {
        lane.fetchOffset = plan.nextOffset;
        continue;
      }
      if (plan.kind === 'record-copy') {
        this.enqueue(lane, taken);
        this.toRecords(lane, plan.toOffset, plan.reasons.join(','), plan.reasons.includes('offset-gaps'));
        return;
      }
      if (!state.accept(last, readAtMs)) return this.enqueue(lane, taken);
      if (plan.kind === 'forward') {
        const uncompressed = (batch.attributes & ATTR.COMPRESSION_MASK) === 0 && batch.size < this.mergeMaxBytes;
        taken.push({
          planned: { bytes: batch, forwarded: { upstreamBase: batch.baseOffset, recordCount: batch.recordCount, upstreamOffsets: null, upstreamNext: plan.nextOffset }, lastOffset: last, topicId: state.topicId, readAtMs, timestampMs: batch.maxTimestamp },
          part: uncompressed ? { get bytes() { return batch.bytes; }, upstreamOffsets: Array.from({ length: batch.recordCount }, (_, i) => batch.baseOffset + i) } : undefined,
          size: batch.size,
        });
      } else {
        taken.push({
          planned: { bytes: batchBytesOf(plan.bytes), forwarded: { upstreamBase: plan.upstreamOffsets[0]!, recordCount: plan.upstreamOffsets.length, upstreamOffsets: plan.upstreamOffsets, upstreamNext: plan.nextOffset }, lastOffset: last, topicId: state.topicId, readAtMs, timestampMs: batch.maxTimestamp },
          part: plan.bytes.length < this.mergeMaxBytes ? { bytes: plan.bytes, upstreamOffsets: plan.upstreamOffsets } : undefined,
          size: plan.bytes.length,
        });
      }
      lane.fetchOffset = plan.nextOffset;
    }
    this.enqueue(lane, taken);
    this.pump(lane);
  }

  /**
   * Queues the batches one fetch answer gave a lane, in order; runs of two or more adjacent uncompressed batches
   * that fit `mergeMaxBytes` and `mergeMaxRecords` (when > 0) together are queued as one merged batch
   * (./forward-plan.ts mergeUncompressed): a lane behind a source of small batches then writes one Produce
   * request per run instead of one per batch.
   */
  private enqueue(lane: BatchLane, taken: readonly TakenBatch[]): void {
    const maxRecords = this.mergeMaxRecords > 0 ? this.mergeMaxRecords : Infinity;
    for (let i = 0; i < taken.length; ) {
      let j = i;
      let bytes = 0;
      let records = 0;
      for (let t = taken[j]; t?.part !== undefined && bytes + t.size <= this.mergeMaxBytes && records + t.part.upstreamOffsets.length <= maxRecords; t = taken[++j]) {
        bytes += t.size;
        records += t.part.upstreamOffsets.length;
      }
      if (j - i < 2) {
        lane.pending.push(taken[i]!.planned);
        i++;
        continue;
      }
      const run = taken.slice(i, j);
      const merged = mergeUncompressed(run.map((t) => t.part!));
      // state.accept counted each source batch in inFlight: each is acknowledged on its own (acknowledge, `parts`).
      const parts: MergedPart[] = [];
      let end = 0;
      for (const t of run) parts.push({ end: (end += t.part!.upstreamOffsets.length), lastOffset: t.planned.lastOffset });
      const last = run[run.length - 1]!.planned;
      lane.pending.push({
        bytes: batchBytesOf(merged.bytes),
        forwarded: { upstreamBase: merged.upstreamOffsets[0]!, recordCount: merged.upstreamOffsets.length, upstreamOffsets: merged.upstreamOffsets, upstreamNext: last.forwarded.upstreamNext },
        lastOffset: last.lastOffset,
        topicId: last.topicId,
        readAtMs: last.readAtMs,
        timestampMs: Math.max(...run.map((t) => t.planned.timestampMs)),
        parts,
      });
      i = j;
    }
  }

  private onFetchError(lane: BatchLane, r: FetchedBatches, now: number): void {
    const s = lane.state;
    const message = r.errorCode === -1 ? `fetch of ${s.key} failed: ${(r.error as Error | undefined)?.message ?? r.error}` : `fetch of ${s.key} at ${r.request.offset} answered Kafka error code ${r.errorCode}`;
    if (r.errorCode === OFFSET_OUT_OF_RANGE) {
      // The same evidence path as librdkafka's -140: the checks compare the position with the log start/end.
      this.o.onSourceError({ code: K._AUTO_OFFSET_RESET, message });
      lane.blockedUntilMs = now + 1000;
      return;
    }
    lane.blockedUntilMs = now + (r.errorCode === -1 ? 500 : 100);
    this.o.onSourceError({ code: r.errorCode === -1 ? K._TRANSPORT : r.errorCode, message });
  }

  /** Hands the partition to the record path up to `untilOffset` once its batches drained. */
  private toRecords(lane: BatchLane, untilOffset: number, reason: string, hasGaps: boolean): void {
    lane.mode = 'to-records';
    lane.recordsUntil = untilOffset;
    lane.recordsReason = reason;
    lane.recordsRangeHasGaps = hasGaps;
    this.log.debug({ topic: lane.state.topic, partition: lane.state.partition, fromOffset: lane.state.nextOffset, toOffset: untilOffset, reason }, `record path carries ${lane.state.key} up to ${untilOffset} (${reason})`);
    this.pump(lane);
  }

  // ---- produce side ----------------------------------------------------------------------------

  /** Sends pending batches while the partition has room (invariant B), and makes sure a settle loop runs. */
  private pump(lane: BatchLane): void {
    if (this.halted || lane.recovering || lane.released) return;
    const generation = this.o.sink.identity.generation;
    // Invariant C: a new identity's batches wait until the lane's batches of the old one settled.
    if (lane.inflight.length > 0 && lane.inflight[0]!.identity.generation !== generation) return;
    while (lane.pending.length > 0 && lane.inflight.length < MAX_IN_FLIGHT_PER_LANE) this.send(lane, lane.pending.shift()!);
    if (!lane.settling && lane.inflight.length > 0) void this.settle(lane);
    if (lane.idle) this.wake?.();
  }

  /** Sends `p` under the current identity with the remote partition's next sequence (restarting at 0 under a new identity). */
  private send(lane: BatchLane, p: PlannedBatch): void {
    // The sink's SequenceBook owns the remote partition's sequence for the task's life: earlier lanes of the
    // partition and, exactly-once, the record producer writing through the same identity claim from it too.
    const claim = this.o.sink.sequences.claim(lane.remoteTopic, lane.state.partition, p.forwarded.recordCount);
    const sent = p as SentBatch;
    sent.sequence = claim.sequence;
    sent.identity = claim.identity;
    this.produce(lane, sent);
  }

  /** Produces `sent` signed with the identity and sequence it was numbered with (a resend: the same ones again). */
  private produce(lane: BatchLane, sent: SentBatch): void {
    sent.response = this.o.sink.send(lane.remoteTopic, lane.state.partition, sent.bytes, claimFields(sent));
    lane.inflight.push(sent);
  }

  /** Takes the partition's responses in send order until nothing is in flight. */
  private async settle(lane: BatchLane): Promise<void> {
    lane.settling = true;
    try {
      let backoffMs = 50;
      while (lane.inflight.length > 0) {
        const sent = lane.inflight[0]!;
        const r = await sent.response;
        if (lane.inflight[0] !== sent) continue; // the lane was reset meanwhile
        if (r.errorCode === 0) {
          lane.inflight.shift();
          backoffMs = 50;
          this.acknowledge(lane, sent, r.baseOffset);
          this.pump(lane);
          continue;
        }
        if (this.halted || lane.released) {
          this.abandon(lane); // stopping, or the partition is no longer ours: nothing is sent again
          return;
        }
        lane.recovering = true;
        try {
          backoffMs = await this.recover(lane, sent, r, backoffMs);
        } finally {
          lane.recovering = false;
        }
        this.pump(lane);
      }
    } finally {
      lane.settling = false;
      this.wake?.();
    }
  }

  /** Handles the failed oldest batch `sent` of the lane (see the module doc); returns the next retry backoff (ms). */
  private async recover(lane: BatchLane, sent: SentBatch, r: ProducePartitionResult, backoffMs: number): Promise<number> {
    if (RETRIABLE_PRODUCE.has(r.errorCode)) {
      this.warnDegraded(lane, r);
      await this.settleAll(lane);
      await delay(backoffMs);
      this.resend(lane, false);
    } else if (NEW_IDENTITY_PRODUCE.has(r.errorCode)) {
      await this.settleAll(lane);
      await this.newIdentity(lane, sent, r);
      this.resend(lane, true);
    } else if (REJECTION_CODES.has(r.errorCode)) {
      await this.settleAll(lane);
      this.onRejected(lane, sent, r);
    } else {
      await this.settleAll(lane);
      this.abandon(lane);
      this.o.failWith(new MirrorError(ERROR_CODES.DELIVERY_FAILED, `target answered Kafka error code ${r.errorCode} for the batch of ${lane.state.key} at upstream offsets ${sent.forwarded.upstreamBase}..${sent.lastOffset}: ${r.errorMessage ?? ''}`));
    }
    return RETRIABLE_PRODUCE.has(r.errorCode) ? Math.min(backoffMs * 2, 1000) : 50;
  }

  /** Waits for every response of the lane (after a failure, those behind it fail too: their outcome is known before resending). */
  private async settleAll(lane: BatchLane): Promise<void> {
    await Promise.all(lane.inflight.map((s) => s.response));
  }

  /**
   * Sends every unacknowledged batch of the lane again, in order: with the identity and sequences they were
   * signed with (the broker deduplicates what it already wrote, even when another partition took a new identity
   * since), or renumbered from 0 under the current identity (`renumber`: the old one is no longer accepted).
   */
  private resend(lane: BatchLane, renumber: boolean): void {
    if (this.halted) return this.abandon(lane);
    const again = lane.inflight;
    lane.inflight = [];
    if (renumber) {
      // Under the new identity the book starts the partition at 0 (or goes on after what the record producer
      // already wrote with it, exactly-once).
      for (const s of again) this.send(lane, s);
    } else {
      for (const s of again) this.produce(lane, s);
    }
  }

  /**
   * A new producer identity, unless another partition took one since `sent` was signed. Lanes that fail at the
   * same time share one InitProducerId (each would otherwise take its own, and the identity would move again
   * under batches just renumbered for the previous one). Retried until the target answers or the task stops.
   */
  private async newIdentity(lane: BatchLane, sent: SentBatch, r: ProducePartitionResult): Promise<void> {
    this.log.warn(
      { topic: lane.state.topic, partition: lane.state.partition, errorCode: r.errorCode, error: r.errorMessage, upstreamOffset: sent.forwarded.upstreamBase, sequence: sent.sequence },
      `target answered Kafka error code ${r.errorCode} for ${lane.remoteTopic}-${lane.state.partition}; taking a new producer identity and sending its unacknowledged batches again`,
    );
    while (!this.halted && this.o.sink.identity.generation === sent.identity.generation) {
      try {
        await (this.renewing ??= this.o.sink.reinit().finally(() => (this.renewing = undefined)));
      } catch (err) {
        this.log.warn({ err, status: 'DEGRADED' }, 'InitProducerId on the target failed; retrying');
        await delay(500);
      }
    }
  }

  /**
   * The target rejected the batch for good (too large, invalid record or timestamp): the partition is
   * rewound to its acknowledged position and that batch's records go through the record path, where
   * `record.rejected.policy` decides per record with exact evidence.
   */
  private onRejected(lane: BatchLane, sent: SentBatch, r: ProducePartitionResult): void {
    const s = lane.state;
    this.log.warn(
      { event: 'batch_rejected', topic: s.topic, partition: s.partition, fromOffset: sent.forwarded.upstreamBase, toOffset: sent.lastOffset, errorCode: r.errorCode, error: r.errorMessage, bytes: sent.bytes.size },
      `The target rejected the batch of ${s.key} at offsets ${sent.forwarded.upstreamBase}..${sent.lastOffset} (Kafka error code ${r.errorCode}: ${r.errorMessage ?? ''}); copying its records through the record path`,
    );
    // The broker kept no sequence of the rejected batch nor of those after it (out of order).
    this.o.sink.sequences.rewind(lane.remoteTopic, s.partition, sent.identity.generation, sent.sequence);
    lane.inflight = [];
    lane.pending.length = 0;
    s.rewindToAcknowledged();
    lane.mode = 'to-records';
    lane.recordsUntil = sent.lastOffset;
    lane.recordsReason = `rejected (error code ${r.errorCode})`;
    lane.recordsRangeHasGaps = sent.forwarded.upstreamOffsets !== null;
  }

  /** Forgets the lane's batches (the task stops): nothing more is acknowledged for them. */
  private abandon(lane: BatchLane): void {
    lane.inflight = [];
    lane.pending.length = 0;
  }

  /**
   * One batch acknowledged at `downstreamBase`: partition state, telemetry, listener (offset syncs, progress trigger).
   * A merged batch is acknowledged source batch by source batch (its `parts`): the acknowledged position and the
   * listener's record-count progress trigger see the same steps as without merging, so a progress write lands at
   * the end of the source batch that made it due, never further (test/progress-by-records.int.test.ts).
   */
  private acknowledge(lane: BatchLane, sent: SentBatch, downstreamBase: number): void {
    const state = lane.state;
    if (sent.topicId !== state.topicId) {
      state.inFlight = Math.max(0, state.inFlight - (sent.parts?.length ?? 1)); // a previous incarnation's batch
      return;
    }
    const parts = sent.parts;
    if (parts === undefined) state.acknowledge(sent.lastOffset);
    const now = this.o.clock();
    const f = sent.forwarded;
    this.o.telemetry.recordMirrored(now - sent.timestampMs, sent.bytes.size, this.attributesOf(state.topic), state.partition, sent.readAtMs, f.recordCount);
    const listener = this.o.listener;
    if (parts !== undefined) {
      const upstreamOffsets = f.upstreamOffsets!;
      let i = 0;
      for (const part of parts) {
        state.acknowledge(part.lastOffset);
        for (; i < part.end; i++) listener?.onMirrored(state, upstreamOffsets[i]!, downstreamBase + i, now);
      }
    } else if (listener) {
      if (f.upstreamOffsets === null) {
        listener.onMirrored(state, f.upstreamBase, downstreamBase, now);
        if (f.recordCount > 1) listener.onMirrored(state, f.upstreamBase + f.recordCount - 1, downstreamBase + f.recordCount - 1, now);
      } else {
        for (let i = 0; i < f.upstreamOffsets.length; i++) listener.onMirrored(state, f.upstreamOffsets[i]!, downstreamBase + i, now);
      }
    }
    if (state.resetDetectedAtMs !== undefined) this.o.onResetRecovered(state, now);
  }

  private attributesOf(topic: string): { flow: string; topic: string } {
    let a = this.attributes.get(topic);
    if (a === undefined) this.attributes.set(topic, (a = { flow: this.o.flow, topic }));
    return a;
  }

  private warnDegraded(lane: BatchLane, r: ProducePartitionResult): void {
    const now = Date.now();
    if (now - this.lastWarnAtMs < 5000) return;
    this.lastWarnAtMs = now;
    this.log.warn(
      { topic: lane.state.topic, partition: lane.state.partition, errorCode: r.errorCode, error: r.errorMessage, status: 'DEGRADED' },
      `batch produce to ${lane.remoteTopic}-${lane.state.partition} failed (Kafka error code ${r.errorCode}: ${r.errorMessage ?? ''}); sending again`,
    );
  }

  /** Resolves after `maxWaitMs` or at the next acknowledgement, failure or halt, whichever comes first (one waiter: the task's loop). */
  private waitForChange(maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      this.wake = done;
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
