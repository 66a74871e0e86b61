/**
 * The target side of a mirror task: produces the records of a verified batch to their remote
 * partitions, matches delivery reports to them, acknowledges them in their partition states and tells
 * telemetry and the listener (offset syncs), and holds fetching back while too many are in flight.
 *
 * No hole on the target (DESIGN.md invariant 7): the producer keeps the gap-less guarantee
 * (engine/kafka/target-producer.ts), so once a record of a partition failed nothing after it is written
 * there. The first failure stops producing ({@link TargetWriter.failure}); acknowledgements stay exact
 * for every partition (successful reports are matched oldest first, failed ones newest first, whatever
 * order they arrive in) until the task decided (engine/replicate/record-rejection.ts): stop, or
 * {@link TargetWriter.resume} with a new producer after the records not acknowledged were forgotten.
 *
 * Hot path (per record): Map lookups for the topic's partition states, the incarnation it was fetched
 * from, the topic's current incarnation, its route (remote topic, telemetry attributes and heartbeat
 * flag in one cache entry: one lookup fewer than before) and its delivery queue; one InFlight object per
 * record; nothing else allocated. Delivery reports are matched without a per-record opaque (see
 * {@link TargetWriter.onDelivery}), pass one generation check (reports of a replaced producer are
 * ignored) and look the route up once.
 */
import { heartbeatTimestamp } from '../mm2/heartbeat.ts';
import type { ClientErrorLike, SourceRecord } from '../kafka/source-consumer.ts';
import { ERR__FATAL, type RecordLimits, type TargetProducer, type TargetProducerFactory } from '../kafka/target-producer.ts';
import { keyLength } from '../kafka/record-fidelity.ts';
import type { TargetTransactions } from '../kafka/target-transactions.ts';
import type { PartitionState } from '../partitions/partition-state.ts';
import type { PartitionTable } from '../partitions/partition-table.ts';
import { DeliveryQueue, type InFlight } from './delivery-queue.ts';
import { DeliveryFailure } from './delivery-failure.ts';
import type { MirrorListener, MirrorTelemetry } from './mirror-listener.ts';
import type { Provenance } from './provenance.ts';

/** Collaborators of {@link TargetWriter}; `clock` gives epoch ms. */
export interface TargetWriterOptions {
  /** Flow name (telemetry attribute). */
  flow: string;
  /** Remote topic of a source topic (the replication policy; cached here per topic). */
  remoteTopic: (topic: string) => string;
  /** Whether a source topic is a heartbeats topic (its records feed `heartbeat-latency-ms`; cached per topic). */
  isHeartbeatsTopic: (topic: string) => boolean;
  table: PartitionTable;
  telemetry: MirrorTelemetry;
  listener: MirrorListener | undefined;
  clock: () => number;
  /** The first record of a reset partition's new incarnation was acknowledged at `nowMs`. */
  onResetRecovered: (state: PartitionState, nowMs: number) => void;
  /**
   * Loop-safe active-active (engine/replicate/provenance.ts): records that came from the target are passed
   * over, the others produced with the provenance header. Undefined: records are produced as fetched.
   */
  provenance?: Provenance | undefined;
}

/** Records produced and not yet acknowledged before the task stops fetching. */
const MAX_IN_FLIGHT = 50_000;

/**
 * After a fatal producer error, how long no report may arrive before the rest is taken as never coming
 * (ms): librdkafka answers the requests already sent, and never reports records it put back for a retry.
 */
const SETTLE_QUIET_MS = 1000;

/** What the per-record path needs of a source topic, computed once per topic instead of per record. */
interface TopicRoute {
  remoteTopic: string;
  /** Telemetry attributes; one object per topic (OTel only reads them). */
  attributes: { flow: string; topic: string };
  /** Whether the topic is a heartbeats topic. */
  heartbeats: boolean;
}

/** Produces verified batches and tracks their delivery. `connect()` first. */
export class TargetWriter {
  private readonly o: TargetWriterOptions;
  private createProducer: TargetProducerFactory | undefined;
  private producer: TargetProducer | undefined;
  /** Bumped per producer: reports of a producer that was replaced are ignored. */
  private generation = 0;
  private readonly routes = new Map<string, TopicRoute>();
  /** Remote topic → partition → records produced there and not yet reported, in produce order. */
  private readonly deliveryQueues = new Map<string, DeliveryQueue[]>();
  /** Remote topic → partition count the producer's metadata was seen to hold. */
  private readonly knownPartitions = new Map<string, number>();
  private inFlightTotal = 0;
  private drained: (() => void) | undefined;
  /** Set once the task failed. */
  private halted = false;
  /** Set while nothing may be produced (the task failed, or a failure waits for the task's decision): a batch being produced stops at the next record. */
  private paused = false;
  private failed: DeliveryFailure | undefined;
  /** The producer is done (gap-less guarantee): it failed a delivery, or refused a record with ERR__FATAL. */
  private producerFatal = false;
  /** Records in flight when the last {@link settle} of a fatal producer gave up on them (-1: none). */
  private neverReported = -1;
  /** A record to send alone, to learn whether the target rejects it on its own (see {@link isolate}). */
  private isolated: { state: PartitionState; offset: number } | undefined;

  constructor(options: TargetWriterOptions) {
    this.o = options;
  }

  /** Creates the producer with this writer's handlers. Throws MirrorError on connection/auth failures. */
  async connect(createProducer: TargetProducerFactory): Promise<void> {
    this.createProducer = createProducer;
    this.producer = await this.newProducer();
  }

  /** Exactly-once: the current producer's transactions (undefined without one, or while it is being replaced). */
  get transactions(): TargetTransactions | undefined {
    return this.producer?.transactions;
  }

  /** What failed since the last {@link resume}, if anything: while set, nothing is produced. */
  get failure(): DeliveryFailure | undefined {
    return this.failed;
  }

  /** Back-pressure: resolves at once below the in-flight limit, else once half of it drained or on {@link releaseBackPressure}. */
  async waitForRoom(): Promise<void> {
    if (this.inFlightTotal >= MAX_IN_FLIGHT) await new Promise<void>((r) => (this.drained = r));
  }

  /** Ends a {@link waitForRoom} wait (stop, failure). */
  releaseBackPressure(): void {
    this.drained?.();
  }

  /** The task failed: stop producing the current batch, release back-pressure. */
  halt(): void {
    this.halted = true;
    this.paused = true;
    this.releaseBackPressure();
  }

  /**
   * Produces the records of a verified batch; `fetchedFrom` maps each topic to the incarnation (topic ID)
   * it was fetched as. A record is produced only if its partition is mirrored, accepts its offset
   * (invariant C of PartitionState), and its topic's incarnation is still the one it was fetched from.
   * Stops at the first failure (see {@link failure}).
   */
  async produceBatch(batch: readonly SourceRecord[], fetchedFrom: ReadonlyMap<string, string | undefined>): Promise<void> {
    if (this.isolated !== undefined) return this.produceIsolating(batch, fetchedFrom);
    return this.produceRange(batch, 0, batch.length, fetchedFrom);
  }

  /**
   * Sends the record at upstream `offset` of `state` alone next time it comes (nothing else of its
   * partition in flight with it): a batch the broker rejects may hold records it would accept, and only
   * a record rejected on its own may be skipped (`record.rejected.policy=skip`).
   */
  isolate(state: PartitionState, offset: number): void {
    this.isolated = { state, offset };
  }

  /**
   * Waits until every produced record is reported, up to `timeoutMs`. After a failure it waits for
   * reports to {@link settle} instead of flushing: a failed producer never reports some records.
   */
  async drain(timeoutMs: number): Promise<void> {
    if (!this.producer || this.inFlightTotal === 0) return;
    if (this.failed || this.producerFatal) {
      await this.settle(timeoutMs);
      return;
    }
    // Progress and summaries must see every delivery report, not only an empty librdkafka queue.
    await this.producer.awaitReports(timeoutMs, () => this.inFlightTotal);
  }

  /**
   * Waits for the delivery reports still to come (real time, up to `timeoutMs`). Resolves true once every
   * produced record was reported; false at the deadline, or when the producer raised a fatal error and
   * no report came for {@link SETTLE_QUIET_MS}.
   */
  async settle(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let seen = this.inFlightTotal;
    let quietSince = Date.now();
    while (this.inFlightTotal > 0) {
      const now = Date.now();
      if (this.producerFatal && this.inFlightTotal === this.neverReported) return false; // nothing came since the last quiet period
      if (this.inFlightTotal !== seen) {
        seen = this.inFlightTotal;
        quietSince = now;
      } else if (this.producerFatal && now - quietSince >= SETTLE_QUIET_MS) {
        this.neverReported = seen;
        return false;
      }
      if (now >= deadline) return false;
      await delay(5);
    }
    return true;
  }

  /**
   * Resumes producing after a failure the task chose to survive. Every record not acknowledged is
   * forgotten (the caller rewinds the partitions so they are fetched again); the producer is replaced
   * unless `settled` (every report arrived) and it is healthy, so no late report of the old one can be
   * matched to a new record. Throws MirrorError when the new producer cannot connect (nothing changed
   * but the old producer being closed: call again).
   */
  async resume(settled: boolean): Promise<void> {
    if (!settled || this.producerFatal || !this.producer) {
      this.generation++; // from now on, reports of the old producer are ignored
      const old = this.producer;
      this.producer = undefined;
      this.producerFatal = false;
      this.neverReported = -1;
      if (old) await old.disconnect(0);
      this.producer = await this.newProducer();
    }
    for (const byPartition of this.deliveryQueues.values()) for (const queue of byPartition) queue?.clear();
    this.inFlightTotal = 0;
    this.failed = undefined;
    this.paused = this.halted;
  }

  /** The limits a record sent to `remoteTopic` must fit (evidence of a rejection). Never throws. */
  recordLimits(remoteTopic: string): Promise<RecordLimits> {
    return this.producer ? this.producer.recordLimits(remoteTopic) : Promise.resolve({ remoteMaxMessageBytes: undefined, producerMaxMessageBytes: Number.NaN });
  }

  /**
   * Waits until the producer knows the partitions of each remote topic (created or grown by discovery
   * a moment ago). Asks the producer only for topics with more partitions than it was last seen to know.
   */
  async awaitPartitions(topics: readonly { remoteTopic: string; partitionCount: number }[]): Promise<void> {
    const wanted = new Map(topics.filter((t) => (this.knownPartitions.get(t.remoteTopic) ?? 0) < t.partitionCount).map((t) => [t.remoteTopic, t.partitionCount]));
    if (wanted.size === 0 || !this.producer) return;
    await this.producer.awaitPartitions(wanted);
    for (const [remoteTopic, count] of wanted) this.knownPartitions.set(remoteTopic, count);
  }

  /** Closes the producer (without waiting for records a failed producer will never send). */
  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.disconnect(this.failed || this.producerFatal ? 0 : undefined);
  }

  private newProducer(): Promise<TargetProducer> {
    const generation = ++this.generation;
    return this.createProducer!({
      onDelivery: (err, remoteTopic, partition, downstreamOffset) => {
        if (generation === this.generation) this.onDelivery(err, remoteTopic, partition, downstreamOffset);
      },
    });
  }

  /** The records `batch[from..to)`: the per-record hot path. */
  private async produceRange(batch: readonly SourceRecord[], from: number, to: number, fetchedFrom: ReadonlyMap<string, string | undefined>): Promise<void> {
    if (this.paused) return;
    const now = this.o.clock();
    const table = this.o.table;
    const provenance = this.o.provenance;
    for (let i = from; i < to; i++) {
      const m = batch[i]!;
      const state = table.statesOf(m.topic)?.[m.partition];
      const topicId = fetchedFrom.get(m.topic);
      if (!state || topicId === undefined || state.topicId !== topicId || table.knownTopic(m.topic)?.topicId !== topicId) continue;
      if (provenance !== undefined && provenance.comesFromTarget(m)) {
        // A copy of a record the target already has: passed over like a source gap, in partition order.
        if (this.paused) return;
        if (state.skip(m.offset, now)) provenance.onSkipped(state, m.offset);
        continue;
      }
      if (!state.accept(m.offset, now)) continue;
      const route = this.route(m.topic);
      const ctx: InFlight = {
        state,
        topicId: state.topicId,
        offset: m.offset,
        timestamp: m.timestamp ?? now,
        readAtMs: now,
        bytes: (m.value?.length ?? 0) + keyLength(m.key),
        heartbeatAtMs: route.heartbeats ? heartbeatAt(m.value) : -1,
      };
      this.inFlightTotal++;
      // Local queue full: librdkafka's thread drains it.
      const record = provenance === undefined ? m : provenance.stamp(m);
      while (!this.produce(ctx, route.remoteTopic, record)) {
        await delay(5);
        if (this.paused) return this.forget(ctx);
      }
      if (this.paused) return;
    }
  }

  /** {@link produceBatch} while a record is {@link isolate}d: it goes alone, and its report is awaited before anything else is produced. */
  private async produceIsolating(batch: readonly SourceRecord[], fetchedFrom: ReadonlyMap<string, string | undefined>): Promise<void> {
    const { state, offset } = this.isolated!;
    const at = batch.findIndex((m) => m.topic === state.topic && m.partition === state.partition && m.offset >= offset);
    if (at < 0) return this.produceRange(batch, 0, batch.length, fetchedFrom);
    await this.produceRange(batch, 0, at + 1, fetchedFrom);
    if (this.paused) return;
    await this.settle();
    if (this.paused) return;
    this.isolated = undefined;
    await this.produceRange(batch, at + 1, batch.length, fetchedFrom);
  }

  /** A record that was accepted but never queued: it is not in flight. */
  private forget(ctx: InFlight): void {
    this.inFlightTotal--;
    ctx.state.inFlight--;
  }

  /** Notes a failure (see {@link DeliveryFailure.note}) and stops producing until the task decided. */
  private noteFailure(err: ClientErrorLike, what: string, rejected: Parameters<DeliveryFailure['note']>[2]): void {
    (this.failed ??= new DeliveryFailure()).note(err, what, rejected);
    this.paused = true;
    this.releaseBackPressure();
  }

  /** Remote topic, telemetry attributes and heartbeat flag of a source topic (the replication policy is pure: cached per topic). */
  private route(topic: string): TopicRoute {
    let route = this.routes.get(topic);
    if (route === undefined) {
      route = { remoteTopic: this.o.remoteTopic(topic), attributes: { flow: this.o.flow, topic }, heartbeats: this.o.isHeartbeatsTopic(topic) };
      this.routes.set(topic, route);
    }
    return route;
  }

  /** Records in flight to one remote partition, oldest first. */
  private deliveryQueue(remoteTopic: string, partition: number): DeliveryQueue {
    let byPartition = this.deliveryQueues.get(remoteTopic);
    if (byPartition === undefined) this.deliveryQueues.set(remoteTopic, (byPartition = []));
    return (byPartition[partition] ??= new DeliveryQueue());
  }

  /** Hands one record to the producer; false when the local queue is full (retry later). A refused record is a failure, not in flight. */
  private produce(ctx: InFlight, remoteTopic: string, m: SourceRecord): boolean {
    try {
      if (!this.producer!.produce(remoteTopic, m)) return false;
      this.deliveryQueue(remoteTopic, m.partition).push(ctx);
      return true;
    } catch (err) {
      this.forget(ctx);
      if ((err as ClientErrorLike).code === ERR__FATAL) this.producerFatal = true;
      // librdkafka checked this record alone (e.g. against its message.max.bytes): it is the culprit.
      const rejected = { state: ctx.state, topicId: ctx.topicId, offset: ctx.offset, bytes: ctx.bytes, remoteTopic, rejectedBy: 'producer', alone: true } as const;
      this.noteFailure(err as ClientErrorLike, `cannot produce ${ctx.state.key}@${ctx.offset} to ${remoteTopic}`, rejected);
      return true;
    }
  }

  /**
   * The producer's delivery-report handler; `downstreamOffset`: where the target wrote the record.
   * librdkafka keeps produce order per partition and the idempotent producer acknowledges in that order,
   * so a successful report is about the oldest record in flight to its remote partition: no per-record
   * opaque goes through the binding (each one is a persistent V8 handle, created and destroyed per
   * record: ~10 % of the main thread). A report with no record in flight breaks that assumption: failure.
   */
  private onDelivery(err: ClientErrorLike | null | undefined, remoteTopic: string, partition: number, downstreamOffset: number): void {
    const queue = this.deliveryQueue(remoteTopic, partition);
    this.inFlightTotal--;
    if (this.drained && this.inFlightTotal < MAX_IN_FLIGHT / 2) {
      this.drained();
      this.drained = undefined;
    }
    if (err) return this.onFailedDelivery(queue, err, remoteTopic, partition);
    const ctx = queue.shift();
    if (ctx === undefined) return this.onUnmatched(remoteTopic, partition);
    if (downstreamOffset <= queue.lastDownstream) return this.onOutOfOrder(ctx, remoteTopic, partition, downstreamOffset, queue.lastDownstream);
    queue.lastDownstream = downstreamOffset;
    if (ctx.topicId !== ctx.state.topicId) {
      ctx.state.inFlight--; // acknowledgement of a previous incarnation's record
      return;
    }
    ctx.state.acknowledge(ctx.offset);
    const now = this.o.clock();
    const attributes = this.route(ctx.state.topic).attributes;
    this.o.telemetry.recordMirrored(now - ctx.timestamp, ctx.bytes, attributes, ctx.state.partition, ctx.readAtMs);
    this.o.listener?.onMirrored(ctx.state, ctx.offset, downstreamOffset, now);
    if (ctx.heartbeatAtMs >= 0) this.o.telemetry.recordHeartbeatLatency(now - ctx.heartbeatAtMs, attributes);
    if (ctx.state.resetDetectedAtMs !== undefined) this.o.onResetRecovered(ctx.state, now);
  }

  /**
   * A failed report. Nothing after a failed record of a partition is written (gap-less guarantee), so the
   * failed records of a partition are its newest ones: the report takes the newest record, whichever it
   * is about (purged records may be reported before the rejected batch). It names the oldest record
   * still unacknowledged there: every report before a partition's first failure is a success.
   */
  private onFailedDelivery(queue: DeliveryQueue, err: ClientErrorLike, remoteTopic: string, partition: number): void {
    const oldest = queue.peek();
    const ctx = queue.pop();
    if (ctx === undefined || oldest === undefined) return this.onUnmatched(remoteTopic, partition);
    ctx.state.inFlight--;
    this.producerFatal = true; // no delivery timeout: a failed report is a permanent error, fatal under the gap-less guarantee
    const iso = this.isolated;
    const alone = iso !== undefined && iso.state === oldest.state && iso.offset === oldest.offset;
    const rejected = { state: oldest.state, topicId: oldest.topicId, offset: oldest.offset, bytes: oldest.bytes, remoteTopic, rejectedBy: 'broker', alone } as const;
    this.noteFailure(err, `target rejected ${oldest.state.key}@${oldest.offset}`, rejected);
  }

  /**
   * A report below an earlier one of the same remote partition: reports no longer come in produce order, so
   * which record each one acknowledges is unknown (an offset sync from it would pair the wrong offsets). The
   * record is not acknowledged and the producer is failed: the task stops or resumes from progress.
   */
  private onOutOfOrder(ctx: InFlight, remoteTopic: string, partition: number, downstreamOffset: number, previous: number): void {
    ctx.state.inFlight--;
    this.producerFatal = true;
    this.noteFailure({ code: -1, message: `delivery report at offset ${downstreamOffset} after one at ${previous}: reports out of produce order` }, `delivery report for ${remoteTopic}-${partition}`, undefined);
  }

  private onUnmatched(remoteTopic: string, partition: number): void {
    this.noteFailure({ code: -1, message: 'no record in flight there' }, `delivery report for ${remoteTopic}-${partition}`, undefined);
  }
}

/** Emission time of a heartbeat record value, -1 when it is not an MM2 heartbeat (a foreign record in a heartbeats topic is still mirrored). */
function heartbeatAt(value: SourceRecord['value']): number {
  try {
    return heartbeatTimestamp(value);
  } catch {
    return -1;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
