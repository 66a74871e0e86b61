/**
 * The mirror task of one replication flow: fetches every mirrored source partition with a manually
 * assigned consumer and produces each record to the same partition of its remote topic on the
 * target (key, value, headers in order with duplicates, timestamp), then records progress once the
 * target acknowledged it.
 *
 * Safety rules, each tied to a DESIGN.md invariant:
 * - No silent loss (1): the consumer never resets by itself (`auto.offset.reset=error`); truncation
 *   is proven against the broker's log start offset by {@link PartitionChecks}.
 * - Topic-ID fence (3): a fetched batch is produced only after a topic-ID check that STARTED after the
 *   batch was fetched confirms the incarnation, so a topic deleted, recreated and refilled between two
 *   periodic checks can never be mirrored as the continuation of the old one. Cost: one DescribeTopics
 *   round trip per batch, overlapped with librdkafka's background prefetching.
 * - Crash safety (4): progress is written only for acknowledged records; restart resumes there
 *   (at-least-once; duplicates bounded by the records acknowledged since the last progress write).
 */
import type { KafkaConsumer, LibrdKafkaError, Message, Metadata, Producer } from '@confluentinc/kafka-javascript';
import type { Logger } from '../core/logger.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import type { ProgressStore } from '../progress/progress-store.ts';
import { KafkaAdmin, type TopicDescription } from '../kafka/kafka-admin.ts';
import { PARTITION_STATUS, PartitionState } from '../partitions/partition-state.ts';
import { TopicDiscovery, type DiscoverySettings } from '../discovery/topic-discovery.ts';
import { PartitionChecks } from '../detect/partition-checks.ts';
import { DeliveryQueue, type InFlight } from './delivery-queue.ts';
import { emptySafeHeaders, keyLength, nonNullEmpty } from './record-fidelity.ts';
import {
  adminConfig,
  connectConsumer,
  connectProducer,
  consumeBatch,
  disconnect,
  flushAndAwaitReports,
  sourceConsumerConfig,
  targetProducerConfig,
  type ClusterClientSettings,
} from '../kafka/kafka-clients.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { heartbeatTimestamp } from '../mm2/heartbeat.ts';
import { WHOLE_FLOW, ownsPartition, type TaskAssignment } from '../partitions/task-assignment.ts';

/** What a mirror task needs from its flow's config (FlowConfig satisfies it). */
export interface MirrorTaskSettings extends DiscoverySettings {
  /** Flow name, e.g. `primary->standby`. */
  name: string;
  targetAlias: string;
  target: ClusterClientSettings;
  isolationLevel: 'read_committed' | 'read_uncommitted';
  truncationPolicy: 'fail' | 'continue';
  refreshTopicsIntervalMs: number;
  topicResetCheckIntervalMs: number;
  truncationCheckIntervalMs: number;
  progressFlushIntervalMs: number;
}

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

/** How a task ended. */
export type TaskOutcome = { status: 'stopped' } | { status: 'failed'; error: MirrorError };

/** Records asked of librdkafka per consume call. */
const BATCH_MAX = 5000;
/** Records produced and not yet acknowledged before the task stops fetching. */
const MAX_IN_FLIGHT = 50_000;
/** librdkafka: local producer queue is full. */
const ERR_QUEUE_FULL = -184;

/** What the per-record path needs of a source topic, computed once per topic instead of per record. */
interface TopicRoute {
  remoteTopic: string;
  /** Telemetry attributes; one object per topic (OTel only reads them). */
  attributes: { flow: string; topic: string };
}

/** Mirrors one flow. Create, `start()`, then await `done` or call `stop()`. */
export class MirrorTask {
  readonly settings: MirrorTaskSettings;
  /** Resolves when the task ends (stopped, or failed with a fatal error such as truncation). */
  readonly done: Promise<TaskOutcome>;
  private readonly store: ProgressStore;
  private readonly telemetry: Telemetry;
  private readonly listener: MirrorListener | undefined;
  /** The partitions of the flow this task mirrors (`tasks.max`, engine/partitions/task-assignment.ts). */
  readonly assignment: TaskAssignment;
  /** Source topic → whether it is a heartbeats topic (cached: the check builds strings). */
  private readonly heartbeatTopics = new Map<string, boolean>();
  private readonly log: Logger;
  private readonly sourceAdmin: KafkaAdmin;
  private readonly targetAdmin: KafkaAdmin;
  private readonly discovery: TopicDiscovery;
  private readonly checks: PartitionChecks;
  private readonly partitions = new Map<string, PartitionState>();
  /** The same states by topic, indexed by partition: the per-record lookup, without building a `topic-partition` key. */
  private readonly partitionsByTopic = new Map<string, (PartitionState | undefined)[]>();
  private readonly routes = new Map<string, TopicRoute>();
  /** Remote topic → partition → records produced there and not yet reported, in produce order. */
  private readonly deliveryQueues = new Map<string, DeliveryQueue[]>();
  /** Set by the first failed delivery report: later reports are not matched to records any more (see {@link takeInFlight}). */
  private deliveryFailed = false;
  /** Partitions in the consumer's current assignment (one native `assignments()` call per batch saved). */
  private assignedCount = 0;
  /** Source topic → incarnation being mirrored (undefined while the topic is missing). */
  private readonly topics = new Map<string, TopicDescription | undefined>();
  /** Source topic → partitions taken into account so far (owned by this task or not; the highest count seen). */
  private readonly partitionCounts = new Map<string, number>();
  private consumer: KafkaConsumer | undefined;
  private producer: Producer | undefined;
  private running = false;
  private inFlightTotal = 0;
  private drained: (() => void) | undefined;
  private fatal: MirrorError | undefined;
  private reassignNeeded = false;
  private rebuildNeeded = false;
  private lastRefreshAtMs = 0;
  private lastProgressFlushAtMs = 0;
  private resolveDone!: (outcome: TaskOutcome) => void;
  private loopFinished: Promise<void> = Promise.resolve();

  /**
   * `listener` (optional) hears about every acknowledged record, e.g. the offset-sync writer.
   * `assignment` (default: the whole flow) limits the task to the partitions it owns.
   */
  constructor(options: { settings: MirrorTaskSettings; store: ProgressStore; telemetry: Telemetry; logger: Logger; listener?: MirrorListener; assignment?: TaskAssignment }) {
    this.settings = options.settings;
    this.store = options.store;
    this.telemetry = options.telemetry;
    this.listener = options.listener;
    this.assignment = options.assignment ?? WHOLE_FLOW;
    this.log = options.logger.child({ component: 'mirror-task', flow: options.settings.name });
    this.sourceAdmin = new KafkaAdmin(adminConfig(this.settings.source, `kafka-mirror-${this.settings.name}-source-admin`));
    this.targetAdmin = new KafkaAdmin(adminConfig(this.settings.target, `kafka-mirror-${this.settings.name}-target-admin`));
    this.discovery = new TopicDiscovery({ settings: this.settings, sourceAdmin: this.sourceAdmin, targetAdmin: this.targetAdmin, logger: this.log });
    this.checks = new PartitionChecks({ task: this, admin: this.sourceAdmin, logger: this.log });
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Partition states by `topic-partition` (read-only use by checks and status). */
  get partitionStates(): ReadonlyMap<string, PartitionState> {
    return this.partitions;
  }

  get progressStore(): ProgressStore {
    return this.store;
  }

  get telemetrySink(): Telemetry {
    return this.telemetry;
  }

  /**
   * Connects, discovers topics, positions every partition (stored progress, else log start), checks
   * them for truncation and starts the fetch loop. Throws MirrorError on connection/auth failures.
   */
  async start(): Promise<void> {
    const t0 = Date.now();
    this.producer = await connectProducer(targetProducerConfig(this.settings.target, `kafka-mirror-${this.settings.name}`));
    this.producer.on('delivery-report', (err, report) => this.onDelivery(err, this.takeInFlight(report.topic, report.partition), report.offset));
    const topics = await this.discovery.refresh();
    this.lastRefreshAtMs = Date.now();
    await this.checks.adoptTopics(topics);
    this.running = true;
    await this.rebuildConsumer();
    this.log.info(
      { durationMs: Date.now() - t0, topics: topics.map((t) => t.name), partitions: this.partitions.size, isolationLevel: this.settings.isolationLevel },
      `Mirror task ${this.settings.name} started`,
    );
    this.loopFinished = (this.fatal ? Promise.resolve() : this.loop()).then(() => this.shutdown());
  }

  /** Stops fetching, waits for in-flight records, writes final progress and closes clients. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.drained?.();
    await this.loopFinished;
  }

  /** Current per-partition view for status output. */
  snapshot(): { topic: string; partition: number; topicId: string; nextOffset: number; ackedNextOffset: number; status: string }[] {
    return [...this.partitions.values()].map((s) => ({
      topic: s.topic,
      partition: s.partition,
      topicId: s.topicId,
      nextOffset: s.nextOffset,
      ackedNextOffset: s.ackedNextOffset,
      status: s.status,
    }));
  }

  // ---- used by PartitionChecks -------------------------------------------------------------

  /** Remote topic name of a source topic. */
  remoteTopic(topic: string): string {
    return this.discovery.remoteTopic(topic);
  }

  /** The incarnation being mirrored for a topic (undefined when missing or unknown). */
  knownTopic(topic: string): TopicDescription | undefined {
    return this.topics.get(topic);
  }

  /** Names of every source topic the task tracks, missing ones included. */
  trackedTopics(): string[] {
    return [...this.topics.keys()];
  }

  /** Whether this task mirrors `partition` of `topic` (always, unless the flow runs several tasks). */
  owns(topic: string, partition: number): boolean {
    return ownsPartition(this.assignment, topic, partition);
  }

  /** How many partitions of `topic` were taken into account so far, owned or not (0 for a new topic). */
  partitionCount(topic: string): number {
    return this.partitionCounts.get(topic) ?? 0;
  }

  /** Notes that partitions below `count` of `topic` were taken into account (never decreases). */
  notePartitionCount(topic: string, count: number): void {
    this.partitionCounts.set(topic, Math.max(count, this.partitionCount(topic)));
  }

  /** Records the incarnation of a topic (undefined = missing). */
  setKnownTopic(topic: string, description: TopicDescription | undefined): void {
    this.topics.set(topic, description);
  }

  /** Adds a partition state (new topic or partition). */
  addPartition(state: PartitionState): void {
    this.partitions.set(state.key, state);
    const byPartition = this.partitionsByTopic.get(state.topic) ?? [];
    byPartition[state.partition] = state;
    this.partitionsByTopic.set(state.topic, byPartition);
    this.reassignNeeded = true;
  }

  /** Asks the loop to re-assign the consumer (positions changed) or rebuild it (topic incarnation changed). */
  requestReassign(rebuild = false): void {
    this.reassignNeeded = true;
    if (rebuild) this.rebuildNeeded = true;
  }

  /** Ensures remote topics for (re)discovered topics, and that the target producer knows all their partitions. */
  async ensureRemoteTopics(topics: TopicDescription[]): Promise<void> {
    await this.discovery.ensureRemoteTopics(topics.map((t) => ({ ...t, remoteTopic: this.remoteTopic(t.name) })));
    for (const t of topics) await this.awaitProducerPartitions(this.remoteTopic(t.name), t.partitionCount);
  }

  /**
   * Waits until the target producer's metadata shows `count` partitions of `remote`. librdkafka caches a
   * topic's partition count (refreshed every `topic.metadata.refresh.interval.ms`, 5 min) and rejects a
   * partition beyond it at once with ERR__UNKNOWN_PARTITION (-190), which would fail the flow right after
   * a remote topic grew (new partitions, or a topic reset with more partitions). A metadata request
   * for the topic updates that cache. Throws MirrorError(TIMEOUT) after 30 s.
   */
  private async awaitProducerPartitions(remote: string, count: number): Promise<void> {
    const producer = this.producer;
    if (!producer) return;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const md = await new Promise<Metadata>((resolve, reject) =>
        producer.getMetadata({ topic: remote, timeout: 5000 }, (err, data) => (err ? reject(err) : resolve(data))),
      );
      const known = md.topics.find((t) => t.name === remote)?.partitions.length ?? 0;
      if (known >= count) return;
      if (Date.now() > deadline) throw new MirrorError(ERROR_CODES.TIMEOUT, `target producer still sees ${known} of ${count} partitions of ${remote} after 30 s`);
      await delay(100);
    }
  }

  /** Waits until every produced record is acknowledged (used before repositioning a partition). */
  async drainInFlight(timeoutMs = 60_000): Promise<void> {
    if (!this.producer || this.inFlightTotal === 0) return;
    // Progress and summaries must see every delivery report, not only an empty librdkafka queue.
    await flushAndAwaitReports(this.producer, timeoutMs, () => this.inFlightTotal);
  }

  /** Writes progress for one partition now (gaps included): `nextOffset`, by default the acknowledged position. */
  persist(state: PartitionState, nextOffset = state.ackedNextOffset): Promise<void> {
    state.persistedNextOffset = nextOffset;
    return this.store.write({
      topic: state.topic,
      partition: state.partition,
      topicId: state.topicId,
      nextOffset,
      remoteTopic: this.remoteTopic(state.topic),
      gaps: state.gaps,
    });
  }

  /** Stops the task with a fatal error (truncation under `fail`, divergence, delivery failure). */
  failWith(error: MirrorError): void {
    if (this.fatal) return;
    this.fatal = error;
    this.running = false;
    this.drained?.();
    this.log.error({ code: error.code, err: error }, `Mirror task ${this.settings.name} stopping: ${error.message}`);
  }

  // ---- the loop ------------------------------------------------------------------------------

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.iteration();
      } catch (err) {
        if (!this.running) break;
        // Retriable by default (timeouts, leader changes, broker restarts): back off and go on.
        this.log.warn({ err, status: 'DEGRADED' }, 'mirror loop iteration failed; retrying');
        await delay(500);
      }
    }
  }

  private async iteration(): Promise<void> {
    if (this.rebuildNeeded) await this.rebuildConsumer();
    else if (this.reassignNeeded) this.assign();
    // Back-pressure: a slow or unreachable target stops fetching; stop() releases the wait.
    if (this.inFlightTotal >= MAX_IN_FLIGHT) await new Promise<void>((r) => (this.drained = r));
    if (!this.running) return;
    let batch: Message[] = [];
    try {
      batch = this.consumer && this.assignedCount > 0 ? await consumeBatch(this.consumer, BATCH_MAX) : await idle(100);
    } catch (err) {
      this.checks.onConsumeError(err as LibrdKafkaError);
    }
    const fetchedAtMs = Date.now();
    if (batch.length > 0 && this.running) {
      // Topic-ID fence: the batch is attributed to the incarnations known when it was fetched, and
      // only records whose incarnation a describe started after the fetch confirms are produced. If
      // the check finds a reset, that topic's records are dropped: they may belong to either
      // incarnation (librdkafka keeps fetching a recreated topic by name at the old position).
      const topics = [...new Set(batch.map((m) => m.topic))];
      const fetchedFrom = new Map(topics.map((t) => [t, this.topics.get(t)?.topicId]));
      await this.checks.verifyTopicIds(topics, fetchedAtMs);
      await this.produceBatch(batch, fetchedFrom);
    }
    await this.periodic();
  }

  /** Produces the records of a verified batch; `fetchedFrom` maps each topic to the incarnation it was fetched as. */
  private async produceBatch(batch: Message[], fetchedFrom: ReadonlyMap<string, string | undefined>): Promise<void> {
    const now = Date.now();
    for (const m of batch) {
      const state = this.partitionsByTopic.get(m.topic)?.[m.partition];
      const topicId = fetchedFrom.get(m.topic);
      if (!state || topicId === undefined || state.topicId !== topicId || this.topics.get(m.topic)?.topicId !== topicId) continue;
      if (!state.accept(m.offset, now)) continue;
      const ctx: InFlight = {
        state,
        topicId: state.topicId,
        offset: m.offset,
        timestamp: m.timestamp ?? now,
        readAtMs: now,
        bytes: (m.value?.length ?? 0) + keyLength(m.key),
        heartbeatAtMs: this.isHeartbeatsTopic(m.topic) ? heartbeatAt(m.value) : -1,
      };
      this.inFlightTotal++;
      while (!this.produce(ctx, m)) await delay(5); // local queue full: librdkafka's thread drains it
      if (this.fatal) return;
    }
  }

  /** Whether `topic` is a heartbeats topic (`heartbeats`, `primary.heartbeats`, …): its records feed `heartbeat-latency-ms`. */
  private isHeartbeatsTopic(topic: string): boolean {
    let is = this.heartbeatTopics.get(topic);
    if (is === undefined) {
      is = this.settings.replicationPolicy.isHeartbeatsTopic(topic);
      this.heartbeatTopics.set(topic, is);
    }
    return is;
  }

  /** Remote topic name and telemetry attributes of a source topic (the replication policy is pure: cached per topic). */
  private route(topic: string): TopicRoute {
    let route = this.routes.get(topic);
    if (route === undefined) {
      route = { remoteTopic: this.remoteTopic(topic), attributes: { flow: this.settings.name, topic } };
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
      this.failWith(new MirrorError(ERROR_CODES.DELIVERY_FAILED, `delivery report for ${remoteTopic}-${partition} without a record in flight there`));
    }
    return this.deliveryFailed ? undefined : ctx;
  }

  /** Hands one record to the producer; false when the local queue is full (retry later). */
  private produce(ctx: InFlight, m: Message): boolean {
    try {
      const remoteTopic = this.route(m.topic).remoteTopic;
      this.producer!.produce(remoteTopic, m.partition, nonNullEmpty(m.value), nonNullEmpty(m.key), m.timestamp, undefined, emptySafeHeaders(m.headers));
      this.deliveryQueue(remoteTopic, m.partition).push(ctx);
      return true;
    } catch (err) {
      if ((err as LibrdKafkaError).code === ERR_QUEUE_FULL) return false;
      this.failWith(new MirrorError(ERROR_CODES.DELIVERY_FAILED, `cannot produce ${ctx.state.key}@${ctx.offset} to ${this.remoteTopic(m.topic)}: ${(err as Error).message}`, { cause: err }));
      return true;
    }
  }

  /** `downstreamOffset`: where the target wrote the record (delivery report offset). */
  private onDelivery(err: LibrdKafkaError | null | undefined, ctx: InFlight | undefined, downstreamOffset: number): void {
    this.inFlightTotal--;
    if (this.drained && this.inFlightTotal < MAX_IN_FLIGHT / 2) {
      this.drained();
      this.drained = undefined;
    }
    if (ctx === undefined) return; // after a failed delivery, or unmatched (see takeInFlight)
    if (err) {
      this.deliveryFailed = true;
      ctx.state.inFlight--;
      this.failWith(new MirrorError(ERROR_CODES.DELIVERY_FAILED, `target rejected ${ctx.state.key}@${ctx.offset}: ${err.message}`, { cause: err }));
      return;
    }
    if (ctx.topicId !== ctx.state.topicId) {
      ctx.state.inFlight--; // acknowledgement of a previous incarnation's record
      return;
    }
    ctx.state.acknowledge(ctx.offset);
    const now = Date.now();
    this.telemetry.recordMirrored(now - ctx.timestamp, ctx.bytes, this.route(ctx.state.topic).attributes, ctx.state.partition, ctx.readAtMs);
    this.listener?.onMirrored(ctx.state, ctx.offset, downstreamOffset, now);
    if (ctx.heartbeatAtMs >= 0) this.telemetry.recordHeartbeatLatency(now - ctx.heartbeatAtMs, this.route(ctx.state.topic).attributes);
    if (ctx.state.resetDetectedAtMs !== undefined) this.checks.onResetRecovered(ctx.state, now);
  }

  private async periodic(): Promise<void> {
    const now = Date.now();
    await this.checks.runDueChecks(now);
    if (now - this.lastRefreshAtMs >= this.settings.refreshTopicsIntervalMs) {
      this.lastRefreshAtMs = now;
      await this.checks.adoptTopics(await this.discovery.refresh());
    }
    if (now - this.lastProgressFlushAtMs >= this.settings.progressFlushIntervalMs) {
      this.lastProgressFlushAtMs = now;
      await this.flushProgress();
    }
  }

  private async flushProgress(): Promise<void> {
    for (const state of this.partitions.values()) {
      if (state.ackedNextOffset === state.persistedNextOffset) continue;
      // Progress gating (listener): never past an offset sync not yet written; never backwards.
      const limit = this.listener?.persistableNextOffset?.(state);
      const next = limit === undefined || limit >= state.ackedNextOffset ? state.ackedNextOffset : Math.max(limit, state.persistedNextOffset);
      if (next !== state.persistedNextOffset) await this.persist(state, next);
    }
  }

  private assign(): void {
    this.reassignNeeded = false;
    if (!this.consumer) return;
    const assignment = [...this.partitions.values()]
      .filter((s) => s.status === PARTITION_STATUS.MIRRORING)
      .map((s) => ({ topic: s.topic, partition: s.partition, offset: s.nextOffset }));
    this.consumer.unassign();
    if (assignment.length > 0) this.consumer.assign(assignment);
    this.assignedCount = assignment.length;
    this.log.debug({ assignment }, 'consumer assignment updated');
  }

  /**
   * A fresh consumer: librdkafka caches topic metadata by name and does not reliably follow a
   * recreated topic (confluent-kafka-javascript #274, librdkafka #4898), so a new incarnation gets a new client.
   */
  private async rebuildConsumer(): Promise<void> {
    this.rebuildNeeded = true; // stays set until a new consumer is connected (retried by the loop)
    const old = this.consumer;
    this.consumer = undefined;
    if (old) await disconnect(old);
    const consumer = await connectConsumer(sourceConsumerConfig(this.settings.source, `kafka-mirror-${this.settings.name}`, this.settings.isolationLevel));
    consumer.setDefaultConsumeTimeout(100);
    // Return a batch as soon as the first record is there (latency), not after the timeout per record.
    (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
    consumer.on('event.error', (err) => this.checks.onConsumeError(err));
    this.consumer = consumer;
    this.rebuildNeeded = false;
    this.assign();
  }

  private async shutdown(): Promise<void> {
    this.running = false;
    const t0 = Date.now();
    try {
      await this.drainInFlight(30_000);
      await this.listener?.flush?.();
      await this.flushProgress();
      await this.store.flush();
    } catch (err) {
      this.log.error({ err }, 'final flush failed; progress may trail the target by the last records (at-least-once)');
    }
    if (this.consumer) await disconnect(this.consumer);
    if (this.producer) await disconnect(this.producer);
    this.consumer = undefined;
    this.producer = undefined;
    this.sourceAdmin.close();
    this.targetAdmin.close();
    this.log.info({ durationMs: Date.now() - t0, partitions: this.snapshot() }, `Mirror task ${this.settings.name} stopped`);
    this.resolveDone(this.fatal ? { status: 'failed', error: this.fatal } : { status: 'stopped' });
  }

  /** Whether the loop should end (a fatal error was raised). */
  get failed(): MirrorError | undefined {
    return this.fatal;
  }
}

/** Emission time of a heartbeat record value, -1 when it is not an MM2 heartbeat (a foreign record in a heartbeats topic is still mirrored). */
function heartbeatAt(value: Message['value']): number {
  try {
    return heartbeatTimestamp(value);
  } catch {
    return -1;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function idle(ms: number): Promise<Message[]> {
  await delay(ms);
  return [];
}
