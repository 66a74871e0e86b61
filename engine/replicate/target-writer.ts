/**
 * The target side of a mirror task: produces the records of a verified batch to their remote
 * partitions, matches delivery reports to them, acknowledges them in their partition states and tells
 * telemetry and the listener (offset syncs), and holds fetching back while too many are in flight.
 *
 * Hot path (per record): Map lookups for the topic's partition states, the incarnation it was fetched
 * from, the topic's current incarnation, its route (remote topic, telemetry attributes and heartbeat
 * flag in one cache entry: one lookup fewer than before) and its delivery queue; one InFlight object per
 * record; nothing else allocated. Delivery reports are matched without a per-record opaque (see
 * {@link TargetWriter.takeInFlight}) and look the route up once.
 */
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import { heartbeatTimestamp } from '../mm2/heartbeat.ts';
import type { ClientErrorLike, SourceRecord } from '../kafka/source-consumer.ts';
import type { TargetProducer, TargetProducerFactory } from '../kafka/target-producer.ts';
import { keyLength } from '../kafka/record-fidelity.ts';
import type { PartitionState } from '../partitions/partition-state.ts';
import type { PartitionTable } from '../partitions/partition-table.ts';
import { DeliveryQueue, type InFlight } from './delivery-queue.ts';

/** A mirrored partition as listeners see it (PartitionState satisfies it; the object is stable per partition). */
export interface MirroredPartition {
  readonly topic: string;
  readonly partition: number;
  /** Topic ID of the incarnation being mirrored; changes on a topic reset. */
  readonly topicId: string;
  /** Set while a detected topic reset waits for the new incarnation's first record (also after a reset while the engine was down). */
  readonly resetDetectedAtMs?: number | undefined;
}

/**
 * Told about every record the target acknowledged (current incarnation only), in partition order,
 * from the producer's delivery-report callback: must be synchronous and cheap (the offset-sync writer).
 */
export interface MirrorListener {
  /** Upstream offset `upstream` of `partition` was written at `downstream` in the remote topic; `nowMs` epoch ms. */
  onMirrored(partition: MirroredPartition, upstream: number, downstream: number, nowMs: number): void;
  /**
   * The highest next offset of `partition` that may be stored as progress now (undefined: no limit).
   * The offset-sync writer holds progress behind offset syncs not yet written, so a restart re-mirrors
   * what they describe (translation stays exact across crashes).
   */
  persistableNextOffset?(partition: MirroredPartition): number | undefined;
  /** Called at shutdown after the last acknowledgement and before the final progress write. */
  flush?(): Promise<void>;
}

/** The telemetry a mirror task records (Telemetry satisfies it). */
export type MirrorTelemetry = Pick<Telemetry, 'recordMirrored' | 'recordHeartbeatLatency' | 'recordLost'>;

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
  /** Fails the task (a rejected record, or a delivery report that breaks the order assumption). */
  failWith: (error: MirrorError) => void;
  /** The first record of a reset partition's new incarnation was acknowledged at `nowMs`. */
  onResetRecovered: (state: PartitionState, nowMs: number) => void;
}

/** Records produced and not yet acknowledged before the task stops fetching. */
const MAX_IN_FLIGHT = 50_000;

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
  private producer: TargetProducer | undefined;
  private readonly routes = new Map<string, TopicRoute>();
  /** Remote topic → partition → records produced there and not yet reported, in produce order. */
  private readonly deliveryQueues = new Map<string, DeliveryQueue[]>();
  /** Set by the first failed delivery report: later reports are not matched to records any more (see {@link takeInFlight}). */
  private deliveryFailed = false;
  private inFlightTotal = 0;
  private drained: (() => void) | undefined;
  /** Set once the task failed: a batch being produced stops at the next record. */
  private halted = false;

  constructor(options: TargetWriterOptions) {
    this.o = options;
  }

  /** Creates the producer with this writer's delivery-report handler. Throws MirrorError on connection/auth failures. */
  async connect(createProducer: TargetProducerFactory): Promise<void> {
    this.producer = await createProducer({ onDelivery: this.onDelivery });
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
    this.releaseBackPressure();
  }

  /**
   * Produces the records of a verified batch; `fetchedFrom` maps each topic to the incarnation (topic ID)
   * it was fetched as. A record is produced only if its partition is mirrored, accepts its offset
   * (invariant C of PartitionState), and its topic's incarnation is still the one it was fetched from.
   */
  async produceBatch(batch: readonly SourceRecord[], fetchedFrom: ReadonlyMap<string, string | undefined>): Promise<void> {
    const now = this.o.clock();
    const table = this.o.table;
    for (const m of batch) {
      const state = table.statesOf(m.topic)?.[m.partition];
      const topicId = fetchedFrom.get(m.topic);
      if (!state || topicId === undefined || state.topicId !== topicId || table.knownTopic(m.topic)?.topicId !== topicId) continue;
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
      while (!this.produce(ctx, route.remoteTopic, m)) await delay(5); // local queue full: librdkafka's thread drains it
      if (this.halted) return;
    }
  }

  /** Waits until every produced record is reported, up to `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    if (!this.producer || this.inFlightTotal === 0) return;
    // Progress and summaries must see every delivery report, not only an empty librdkafka queue.
    await this.producer.flushAndAwaitReports(timeoutMs, () => this.inFlightTotal);
  }

  /** Waits until the producer knows `count` partitions of `remoteTopic` (after the remote topic grew). */
  async awaitPartitions(remoteTopic: string, count: number): Promise<void> {
    await this.producer?.awaitPartitions(remoteTopic, count);
  }

  /** Closes the producer. */
  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.disconnect();
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

  /**
   * The record a delivery report is about: the oldest in flight to its remote partition. librdkafka
   * keeps produce order per partition and the idempotent producer acknowledges in that order, so a
   * report's topic and partition identify its record; no per-record opaque goes through the binding
   * (each one is a persistent V8 handle, created and destroyed per record: ~10 % of the main thread).
   * After a failed report (the flow is failing) order is no longer relied upon: nothing is returned,
   * so nothing more is acknowledged and progress stays at or below the failure (at-least-once).
   * A report with no record in flight breaks that order assumption: the flow fails.
   */
  private takeInFlight(remoteTopic: string, partition: number): InFlight | undefined {
    const ctx = this.deliveryQueue(remoteTopic, partition).shift();
    if (ctx === undefined && !this.deliveryFailed) {
      this.deliveryFailed = true;
      this.o.failWith(new MirrorError(ERROR_CODES.DELIVERY_FAILED, `delivery report for ${remoteTopic}-${partition} without a record in flight there`));
    }
    return this.deliveryFailed ? undefined : ctx;
  }

  /** Hands one record to the producer; false when the local queue is full (retry later). */
  private produce(ctx: InFlight, remoteTopic: string, m: SourceRecord): boolean {
    try {
      if (!this.producer!.produce(remoteTopic, m)) return false;
      this.deliveryQueue(remoteTopic, m.partition).push(ctx);
      return true;
    } catch (err) {
      this.o.failWith(new MirrorError(ERROR_CODES.DELIVERY_FAILED, `cannot produce ${ctx.state.key}@${ctx.offset} to ${remoteTopic}: ${(err as Error).message}`, { cause: err }));
      return true;
    }
  }

  /** The producer's delivery-report handler; `downstreamOffset`: where the target wrote the record. */
  private readonly onDelivery = (err: ClientErrorLike | null | undefined, remoteTopic: string, partition: number, downstreamOffset: number): void => {
    const ctx = this.takeInFlight(remoteTopic, partition);
    this.inFlightTotal--;
    if (this.drained && this.inFlightTotal < MAX_IN_FLIGHT / 2) {
      this.drained();
      this.drained = undefined;
    }
    if (ctx === undefined) return; // after a failed delivery, or unmatched (see takeInFlight)
    if (err) {
      this.deliveryFailed = true;
      ctx.state.inFlight--;
      this.o.failWith(new MirrorError(ERROR_CODES.DELIVERY_FAILED, `target rejected ${ctx.state.key}@${ctx.offset}: ${err.message}`, { cause: err }));
      return;
    }
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
  };
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
