/**
 * The mirror task of one replication flow: fetches every mirrored source partition with a manually
 * assigned consumer and produces each record to the same partition of its remote topic on the
 * target (key, value, headers in order with duplicates, timestamp), then records progress once the
 * target acknowledged it. With `data.path = batches` (the default) the partitions' record batches are
 * forwarded as bytes by {@link BatchPath} (engine/replicate/batch-path.ts) instead, through the same
 * partition states, checks, listener and progress; the record path then carries only what it hands over
 * (compressed batches to trim, rejected batches, heartbeats topics). On that path the topic-ID fence is
 * the Fetch by topic ID itself (UNKNOWN_TOPIC_ID for a recreated topic).
 *
 * Safety rules, each tied to a DESIGN.md invariant:
 * - No silent loss (1): the consumer never resets by itself (`auto.offset.reset=error`); truncation
 *   is proven against the broker's log start offset by {@link PartitionChecks}.
 * - Topic-ID fence (3): a fetched batch is produced only after a topic-ID check that STARTED after the
 *   batch was fetched confirms the incarnation, so a topic deleted, recreated and refilled between two
 *   periodic checks can never be mirrored as the continuation of the old one. Cost: one DescribeTopics
 *   round trip per batch, overlapped with librdkafka's background prefetching.
 * - Crash safety (4): progress is written only for acknowledged records; restart resumes there
 *   (at-least-once), re-copying per partition fewer than `progress.flush.max.records` acknowledged records
 *   (a write is due after that many, and every `progress.flush.interval.ms`) plus those still in flight.
 *   Never past an offset sync not yet written (the listener's gate).
 * - Fail loudly (6), no hole on the target (7): a record the target rejects stops the flow, or under
 *   `record.rejected.policy=skip` is recorded as a gap; nothing after it reaches its remote partition
 *   ({@link handleDeliveryFailure}, engine/replicate/record-rejection.ts).
 * - One owner per partition (8): with a group membership (engine/kafka/group-membership.ts) the task
 *   mirrors exactly the partitions the flow's group assigns it; partitions move between instances through
 *   {@link PartitionHandover}, and progress is written only while the ownership fence allows it
 *   (engine/partitions/partition-ownership.ts). Without one (library use, unit tests) it mirrors the whole flow.
 *
 * Collaborators come in through the constructor: the Kafka clients as ports ({@link MirrorTaskClients}),
 * the progress store, telemetry, a logger and a clock, so a unit test drives the task with fakes.
 */
import type { Logger } from '../core/logger.ts';
import type { TopicDescription } from '../kafka/kafka-admin.ts';
import type { MirrorTaskClients } from '../kafka/mirror-task-clients.ts';
import type { SourceConsumer, SourceRecord } from '../kafka/source-consumer.ts';
import { PARTITION_STATUS, type PartitionState } from '../partitions/partition-state.ts';
import { PartitionTable } from '../partitions/partition-table.ts';
import { PartitionOwnership, leaseFor } from '../partitions/partition-ownership.ts';
import type { ProgressPort } from '../partitions/partition-progress.ts';
import type { GroupMembership } from '../kafka/group-membership.ts';
import { PartitionHandover, type HandoverHooks, type HandoverTask } from './partition-handover.ts';
import { TopicDiscovery } from '../discovery/topic-discovery.ts';
import { PartitionChecks, type PartitionCheckActions } from '../detect/partition-checks.ts';
import { TargetWriter } from './target-writer.ts';
import type { MirrorListener, MirrorTelemetry } from './mirror-listener.ts';
import { handleDeliveryFailure } from './record-rejection.ts';
import { ProgressWriter } from './progress-writer.ts';
import { BatchPath } from './batch-path.ts';
import type { MirrorError } from '../core/errors.ts';
import { TransactionCycle, type TransactionCyclePort } from './transaction-cycle.ts';
import { commitReleasing, exactlyOncePort } from './exactly-once-port.ts';
import type { TransactionSink } from '../kafka/transaction-sink.ts';
import { consumeTimeoutMs, fenced, type MirrorTaskSettings, type TaskOutcome, type TaskProgressStore } from './mirror-task-settings.ts';
import type { Provenance } from './provenance.ts';

export type { MirrorListener, MirroredPartition, MirrorTelemetry } from './mirror-listener.ts';
export type { HandoverHooks } from './partition-handover.ts';
export { consumeTimeoutMs, type MirrorTaskSettings, type TaskOutcome, type TaskProgressStore } from './mirror-task-settings.ts';

/** Constructor options of {@link MirrorTask}. */
export interface MirrorTaskOptions {
  settings: MirrorTaskSettings;
  store: TaskProgressStore;
  telemetry: MirrorTelemetry;
  logger: Logger;
  /** Hears about every acknowledged record, e.g. the offset-sync writer. */
  listener?: MirrorListener | undefined;
  /** Kafka clients (engine/kafka/mirror-task-clients.ts builds the librdkafka ones). The task closes the admins when it stops. With `createMembership` the task mirrors what the flow's group assigns it, else the whole flow. */
  clients: MirrorTaskClients;
  /** What the offset syncs do when partitions move between group members (FailoverSupport). */
  handoverHooks?: HandoverHooks | undefined;
  /** Epoch ms (default `Date.now`): every time the task and its checks read. */
  clock?: (() => number) | undefined;
  /** Loop-safe active-active: the flow's provenance header rule (engine/replicate/provenance.ts); undefined = off. */
  provenance?: Provenance | undefined;
  /**
   * Exactly-once: the sink the progress store (and target-side offset syncs) write through; the task binds it
   * to its transactional producer's open transaction (engine/kafka/transaction-sink.ts).
   */
  transactionSink?: TransactionSink | undefined;
}

/** Records asked of the consumer per consume call. */
const BATCH_MAX = 5000;

/** The record consumer's wait for a first record beside the batch path (ms): short, the batch fetch does the waiting. */
const BATCH_PATH_CONSUME_TIMEOUT_MS = 10;

/** Mirrors one flow. Create, `start()`, then await `done` or call `stop()`. */
export class MirrorTask implements PartitionCheckActions {
  readonly settings: MirrorTaskSettings;
  /** Resolves when the task ends (stopped, or failed with a fatal error such as truncation). */
  readonly done: Promise<TaskOutcome>;
  /** Which partitions the task owns: the group's assignment, or the whole flow without a membership. */
  readonly ownership: PartitionOwnership;
  private readonly store: TaskProgressStore;
  /** The store behind the ownership fence: what the checks and the loop write progress through. */
  private readonly fencedStore: ProgressPort;
  private readonly handover: PartitionHandover | undefined;
  private membership: GroupMembership | undefined;
  private readonly listener: MirrorListener | undefined;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly clients: MirrorTaskClients;
  private readonly discovery: TopicDiscovery;
  private readonly table: PartitionTable;
  private readonly checks: PartitionChecks;
  private readonly writer: TargetWriter;
  private readonly consumeTimeoutMs: number;
  private readonly progress: ProgressWriter;
  private consumer: SourceConsumer | undefined;
  /** The batch data path (`data.path = batches`), beside the record path; undefined on the record path alone. */
  private readonly batches: BatchPath | undefined;
  /** Partitions in the consumer's current assignment. */
  private assignedCount = 0;
  private running = false;
  private fatal: MirrorError | undefined;
  private reassignNeeded = false;
  private rebuildNeeded = false;
  private lastRefreshAtMs = 0;
  private lastProgressFlushAtMs = 0;
  private resolveDone!: (outcome: TaskOutcome) => void;
  /** Exactly-once only (`exactly.once.source.support = enabled`): the commit rounds of the open transaction. */
  private readonly cycle: TransactionCycle | undefined;
  private readonly transactionSink: TransactionSink | undefined;
  private readonly handoverHooks: HandoverHooks | undefined;
  private loopFinished: Promise<void> = Promise.resolve();

  constructor(options: MirrorTaskOptions) {
    this.settings = options.settings;
    this.store = options.store;
    this.listener = options.listener;
    this.clients = options.clients;
    this.clock = options.clock ?? Date.now;
    this.consumeTimeoutMs = consumeTimeoutMs(this.settings);
    this.log = options.logger.child({ component: 'mirror-task', flow: options.settings.name });
    this.ownership = this.clients.createMembership
      ? new PartitionOwnership({ lease: leaseFor(this.settings.heartbeatIntervalMs), clock: this.clock, onStall: (stallMs) => this.onStall(stallMs) })
      : new PartitionOwnership();
    this.table = new PartitionTable(this.ownership);
    this.fencedStore = fenced(this.store, (topic, partition) => this.ownership.mayAct(topic, partition, this.clock()));
    this.transactionSink = options.transactionSink;
    this.handoverHooks = options.handoverHooks;
    this.cycle = this.settings.exactlyOnceSourceSupport === 'enabled'
      ? new TransactionCycle({ port: this.exactlyOncePort(), commitIntervalMs: this.settings.progressFlushIntervalMs, transactionTimeoutMs: this.settings.transactionTimeoutMs ?? 10_000, clock: this.clock, logger: this.log })
      : undefined;
    const { sourceAdmin, targetAdmin } = this.clients;
    this.discovery = new TopicDiscovery({ settings: this.settings, sourceAdmin, targetAdmin, logger: this.log });
    this.progress = new ProgressWriter({
      store: this.fencedStore, listener: this.listener, flushMaxRecords: this.settings.progressFlushMaxRecords,
      remoteTopic: (topic) => this.discovery.remoteTopic(topic), logger: this.log, onDue: this.cycle?.request,
    });
    this.checks = new PartitionChecks({
      settings: this.settings,
      table: this.table,
      admin: sourceAdmin,
      progress: this.fencedStore,
      telemetry: options.telemetry,
      actions: this,
      clock: this.clock,
      logger: this.log,
    });
    this.writer = new TargetWriter({
      flow: this.settings.name,
      remoteTopic: (topic) => this.discovery.remoteTopic(topic),
      isHeartbeatsTopic: (topic) => this.settings.replicationPolicy.isHeartbeatsTopic(topic),
      table: this.table,
      telemetry: options.telemetry,
      // The record-count progress trigger hears every acknowledgement before the flow's listener does.
      listener: this.progress.targetListener,
      clock: this.clock,
      onResetRecovered: (state, nowMs) => this.checks.onResetRecovered(state, nowMs),
      provenance: options.provenance,
    });
    this.batches = this.createBatchPath(options);
    this.handover = this.clients.createMembership
      ? new PartitionHandover({ table: this.table, task: this.handoverTask(), hooks: options.handoverHooks, clock: this.clock, logger: this.log })
      : undefined;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Partition states by `topic-partition` (read-only use by status and checkpoints). */
  get partitionStates(): ReadonlyMap<string, PartitionState> {
    return this.table.states;
  }

  /** The progress store the task writes to (the runtime closes it after the task stopped). */
  get progressStore(): TaskProgressStore {
    return this.store;
  }

  /** Whether the loop should end (a fatal error was raised). */
  get failed(): MirrorError | undefined {
    return this.fatal;
  }

  /**
   * Connects, discovers topics, positions every partition (stored progress, else log start), checks
   * them for truncation and starts the fetch loop. Throws MirrorError on connection/auth failures.
   */
  async start(): Promise<void> {
    const t0 = this.clock();
    await this.writer.connect(this.clients.createTargetProducer);
    this.transactionSink?.bind(this.writer.transactions);
    await this.batches?.connect();
    const topics = await this.discovery.refresh();
    await this.awaitPartitions(topics);
    this.lastRefreshAtMs = this.clock();
    await this.checks.adoptTopics(topics);
    this.running = true;
    await this.rebuildConsumer();
    if (this.handover) await this.joinGroup(this.handover);
    this.log.info(
      { durationMs: this.clock() - t0, topics: topics.map((t) => t.name), partitions: this.table.size, groupId: this.membership?.groupId, isolationLevel: this.settings.isolationLevel, dataPath: this.batches ? 'batches' : 'records' },
      `Mirror task ${this.settings.name} started`,
    );
    this.loopFinished = (this.fatal ? Promise.resolve() : this.loop()).then(() => this.shutdown());
  }

  /** Stops fetching, waits for in-flight records, writes final progress and closes clients. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.writer.releaseBackPressure();
    await this.loopFinished;
  }

  /** Joins the flow's group and applies its first assignment (PartitionHandover.join); rethrows after leaving on failure. */
  private async joinGroup(handover: PartitionHandover): Promise<void> {
    this.membership = await this.clients.createMembership!(handover);
    this.ownership.start();
    await handover.join(this.membership, () => this.subscribe(), () => this.fatal !== undefined).catch(async (err: unknown) => {
      this.ownership.stop();
      await this.membership!.leave();
      throw err;
    });
  }

  /** Subscribes the group membership to the remote topics of every tracked source topic; returns how many. */
  private subscribe(): number {
    const topics = this.table.trackedTopics().map((t) => this.discovery.remoteTopic(t));
    this.membership?.subscribe(topics);
    return topics.length;
  }

  /** Whether this task owns `partition` of source `topic` (checkpoints are emitted by the owner). */
  owns(topic: string, partition: number): boolean {
    return this.ownership.owns(topic, partition);
  }

  /** Whether this task owns every partition of every tracked source topic (always, without a group): its offset syncs are then the whole flow's. */
  ownsWholeFlow(): boolean {
    return this.table.ownsEveryPartition();
  }

  /** What the handover of partitions between group members asks of this task. */
  private handoverTask(): HandoverTask {
    return {
      sourceTopic: (remote) => this.table.trackedTopics().find((t) => this.discovery.remoteTopic(t) === remote),
      reloadProgress: async (partitions) => void (await this.store.reload?.(partitions)),
      adopt: (partitions, lost) => this.checks.adoptAssigned(partitions, this.cycle ? new Map() : lost),
      forgetWaiting: (partitions) => this.checks.forgetAssigned(partitions),
      reassignNow: () => (this.rebuildNeeded ? undefined : this.assign()), // a pending rebuild assigns them itself
      drainInFlight: () => this.drainInFlight(30_000),
      storeFinalProgress: async (states) => {
        if (this.cycle) return commitReleasing(this.cycle, states);
        await this.flushProgress(states);
        await this.store.flush();
      },
      onLost: (partitions) => this.cycle?.poison(`the group declared ${partitions.length} partitions lost`),
      resumesLost: () => this.cycle === undefined,
      wake: () => this.writer.releaseBackPressure(),
      failWith: (error) => this.failWith(error),
    };
  }

  /** The exactly-once port over this task's collaborators (exactly-once-port.ts); the writer and checks exist by the time it is used. */
  private exactlyOncePort(): TransactionCyclePort {
    return exactlyOncePort({
      writer: () => this.writer,
      batches: () => this.batches,
      table: this.table,
      ownership: this.ownership,
      store: this.store,
      adopt: (partitions) => this.checks.adoptAssigned(partitions),
      hooks: this.handoverHooks,
      listener: this.listener,
      sink: this.transactionSink,
      remoteTopic: (topic) => this.discovery.remoteTopic(topic),
      group: () => this.membership?.transactionGroup?.(),
      writeProgress: (states) => this.flushProgress(states),
      reassignNow: () => this.assign(),
      requestReassign: () => this.requestReassign(),
      clock: this.clock,
      logger: this.log,
    });
  }

  /** The liveness tick saw the event loop stand still: fetching and progress writes pause (partition-ownership.ts). */
  private onStall(stallMs: number): void {
    this.log.warn(
      { event: 'membership_stall', stallMs, pauseMs: leaseFor(this.settings.heartbeatIntervalMs).confirmMs },
      `The engine did not run for ${stallMs} ms (more than heartbeat.interval.ms): fetching and progress writes pause until the group has had time to report a lost assignment`,
    );
  }

  /** Current per-partition view for status output. */
  snapshot(): { topic: string; partition: number; topicId: string; nextOffset: number; ackedNextOffset: number; status: string }[] {
    return [...this.table.values()].map((s) => ({
      topic: s.topic,
      partition: s.partition,
      topicId: s.topicId,
      nextOffset: s.nextOffset,
      ackedNextOffset: s.ackedNextOffset,
      status: s.status,
    }));
  }

  // ---- PartitionCheckActions ---------------------------------------------------------------

  /** Asks the loop to re-assign the consumer (positions changed) or rebuild it (topic incarnation changed). */
  requestReassign(rebuild = false): void {
    this.reassignNeeded = true;
    if (rebuild) this.rebuildNeeded = true;
  }

  /** Ensures remote topics for (re)discovered topics, and that the target producer knows all their partitions. */
  async ensureRemoteTopics(topics: TopicDescription[]): Promise<void> {
    const discovered = topics.map((t) => ({ ...t, remoteTopic: this.discovery.remoteTopic(t.name) }));
    await this.discovery.ensureRemoteTopics(discovered);
    await this.awaitPartitions(discovered);
  }

  /** Waits until every produced record (and batch) is acknowledged (used before repositioning a partition). */
  async drainInFlight(timeoutMs = 60_000): Promise<void> {
    await Promise.all([this.writer.drain(timeoutMs), this.batches?.drain(timeoutMs)]);
  }

  /** Stops the task with a fatal error (truncation under `fail`, divergence, delivery failure). */
  failWith(error: MirrorError): void {
    if (this.fatal) return;
    this.fatal = error;
    this.running = false;
    this.writer.halt();
    this.batches?.halt();
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
    if (this.writer.failure) return this.onDeliveryFailure();
    if (this.cycle?.due(this.clock()) && !this.handover?.pending) await this.cycle.commit();
    if (this.handover?.pending) {
      // Exactly-once: adopting a partition re-reads its progress and offset syncs read_committed, which waits for
      // the previous owner's open transaction (a killed instance's: up to transaction.timeout.ms). Our own open
      // transaction must not wait with it: the coordinator would abort it on its timeout, and the abort is
      // only seen after the adoption. Commit it first.
      if (this.cycle && this.handover.assignmentPending) await this.cycle.commit();
      await this.handover.applyPending();
    }
    if (this.rebuildNeeded) await this.rebuildConsumer();
    else if (this.reassignNeeded) this.assign();
    // Back-pressure: a slow or unreachable target stops fetching; stop() and group events release the wait.
    await this.writer.waitForRoom();
    if (!this.running || this.handover?.pending) return;
    if (this.ownership.fenced(this.clock())) {
      await idle(this.consumeTimeoutMs); // the group may have given our partitions away: fetch and write nothing
      return;
    }
    const batchesFetched = this.batches ? await this.batches.step(this.consumeTimeoutMs) : false;
    let batch: SourceRecord[] = [];
    try {
      batch = this.consumer && this.assignedCount > 0 ? await this.consumer.consume(BATCH_MAX) : batchesFetched ? [] : await idle(this.consumeTimeoutMs);
    } catch (err) {
      this.checks.onConsumeError(err as { code: number; message: string });
    }
    // Records of partitions the batch path took back since the consumer fetched them are not this path's.
    if (this.batches && batch.length > 0) batch = batch.filter((m) => this.carriedByRecords(m.topic, m.partition));
    const fetchedAtMs = this.clock();
    if (batch.length > 0 && this.running) {
      // Topic-ID fence: the batch is attributed to the incarnations known when it was fetched, and
      // only records whose incarnation a describe started after the fetch confirms are produced. If
      // the check finds a reset, that topic's records are dropped: they may belong to either
      // incarnation (librdkafka keeps fetching a recreated topic by name at the old position).
      const topics = [...new Set(batch.map((m) => m.topic))];
      const fetchedFrom = new Map(topics.map((t) => [t, this.table.knownTopic(t)?.topicId]));
      try {
        await this.checks.verifyTopicIds(topics, fetchedAtMs);
        await this.writer.produceBatch(batch, fetchedFrom);
      } catch (err) {
        // The consumer's position is already past this batch: fetch it again from the partitions' own positions,
        // or the next batch would be accepted after a hole (a later offset reads as a legitimate gap) — silent loss.
        this.requestReassign();
        throw err;
      }
      if (this.writer.failure) return this.onDeliveryFailure();
      if (this.cycle?.due(this.clock())) await this.cycle.commit();
    }
    this.batches?.afterRecords();
    await this.periodic();
  }

  /**
   * The target side failed: stop the flow, or skip a rejected record (`record.rejected.policy`). Exactly-once:
   * a record the target rejects for good stops the flow (its transaction is aborted at shutdown; `skip` is not
   * offered in this mode), anything else aborts the transaction and resumes from committed progress.
   */
  private async onDeliveryFailure(): Promise<void> {
    if (this.cycle && !this.writer.failure?.rejection) {
      await this.cycle.abort(`delivery failed: ${this.writer.failure?.deliveryError().message ?? 'unknown'}`);
      return;
    }
    await this.batches?.drain(30_000); // the decision may rewind every partition: no batch may be in flight then
    return handleDeliveryFailure({
      settings: this.cycle ? { ...this.settings, recordRejectedPolicy: 'fail' } : this.settings,
      writer: this.writer,
      table: this.table,
      clock: this.clock,
      log: this.log,
      failWith: (error) => this.failWith(error),
      refetch: () => this.requestReassign(true),
    });
  }

  private async periodic(): Promise<void> {
    const now = this.clock();
    await this.checks.runDueChecks(now);
    // refresh.topics.enabled=false (MM2): no periodic discovery; topics found at start are still checked above.
    if (this.settings.refreshTopicsEnabled && now - this.lastRefreshAtMs >= this.settings.refreshTopicsIntervalMs) {
      this.lastRefreshAtMs = now;
      const topics = await this.discovery.refresh();
      await this.awaitPartitions(topics);
      await this.checks.adoptTopics(topics);
      this.subscribe();
    }
    if (this.cycle) {
      if (this.cycle.due(now)) await this.cycle.commit();
    } else if (now - this.lastProgressFlushAtMs >= this.settings.progressFlushIntervalMs) {
      this.lastProgressFlushAtMs = now;
      await this.flushProgress();
    }
  }

  /** Stores the acknowledged position of `states` (default: every partition) where it moved, through the fence (ProgressWriter). */
  private flushProgress(states: Iterable<PartitionState> = this.table.values()): Promise<void> {
    return this.progress.flushAll(states);
  }

  private assign(): void {
    this.reassignNeeded = false;
    this.batches?.reposition();
    if (!this.consumer) return;
    const assignment = [...this.table.values()]
      .filter((s) => s.status === PARTITION_STATUS.MIRRORING && this.carriedByRecords(s.topic, s.partition))
      .map((s) => ({ topic: s.topic, partition: s.partition, offset: s.nextOffset }));
    this.consumer.assign(assignment);
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
    if (old) await old.disconnect();
    // Beside the batch path the consumer only carries stragglers: it must not hold the loop (the batch fetch waits instead).
    const consumeTimeoutMs = this.batches ? BATCH_PATH_CONSUME_TIMEOUT_MS : this.consumeTimeoutMs;
    this.consumer = await this.clients.createSourceConsumer({ consumeTimeoutMs, onError: (err) => this.checks.onConsumeError(err) });
    this.rebuildNeeded = false;
    this.assign();
  }

  /** Waits until both producers know the partitions of the remote topics (created or grown a moment ago). */
  private async awaitPartitions(topics: readonly { remoteTopic: string; partitionCount: number }[]): Promise<void> {
    await this.writer.awaitPartitions(topics);
    await this.batches?.awaitPartitions(topics);
  }

  /** Whether the record path carries a partition: always on the record path alone; beside the batch path, what it hands over. */
  private carriedByRecords(topic: string, partition: number): boolean {
    if (!this.batches) return true;
    const state = this.table.statesOf(topic)?.[partition];
    return state !== undefined && this.batches.carriedByRecords(state);
  }

  /** The batch path when `data.path = batches` (its acknowledgements feed the same listener chain as the record path's). */
  private createBatchPath(options: MirrorTaskOptions): BatchPath | undefined {
    if (this.settings.dataPath !== 'batches') return undefined;
    const endpoints = this.clients.createBatchEndpoints?.();
    if (!endpoints) throw new Error(`flow ${this.settings.name}: data.path = batches but the task's clients have no batch endpoints`);
    return new BatchPath({
      flow: this.settings.name, table: this.table, ...endpoints, telemetry: options.telemetry, listener: this.progress.targetListener,
      remoteTopic: (topic) => this.discovery.remoteTopic(topic), isHeartbeatsTopic: (topic) => this.settings.replicationPolicy.isHeartbeatsTopic(topic),
      readCommitted: this.settings.isolationLevel === 'read_committed', mergeMaxRecords: this.settings.progressFlushMaxRecords, clock: this.clock, logger: this.log,
      onResetRecovered: (state, nowMs) => this.checks.onResetRecovered(state, nowMs), onSourceError: (err) => this.checks.onConsumeError(err),
      onRecordPathChange: () => this.requestReassign(), failWith: (error) => this.failWith(error),
    });
  }

  private async shutdown(): Promise<void> {
    this.running = false;
    const t0 = this.clock();
    // Each step's duration at debug level: a stop that takes long (a cluster down) shows where the time went.
    const step = async (name: string, run: () => unknown): Promise<void> => {
      const started = this.clock();
      await run();
      this.log.debug({ step: name, durationMs: this.clock() - started }, `shutdown step ${name} done`);
    };
    try {
      if (this.cycle) {
        const cycle = this.cycle;
        await step('final-commit', () => cycle.finish(this.fatal === undefined));
      } else {
        await step('drain', () => this.drainInFlight(30_000));
        await step('offset-syncs', () => this.listener?.flush?.());
        await step('progress', () => this.flushProgress());
        await step('progress-store', () => this.store.flush());
      }
    } catch (err) {
      this.log.error({ err }, 'final flush failed; progress may trail the target by the last records (at-least-once)');
    }
    // Only now, with the final progress stored, may the group give our partitions to the other members.
    this.handover?.close();
    this.ownership.stop();
    const membership = this.membership;
    if (membership) await step('leave-group', () => membership.leave().catch((err: unknown) => this.log.warn({ err }, 'leaving the group failed; its members take over after session.timeout.ms')));
    const consumer = this.consumer;
    if (consumer) await step('source-consumer', () => consumer.disconnect());
    await step('target-producer', () => this.writer.disconnect());
    this.transactionSink?.bind(undefined); // nothing more goes into a transaction of this task
    await step('batch-clients', () => this.batches?.close());
    this.consumer = undefined;
    await step('admin-clients', () => {
      this.clients.sourceAdmin.close();
      this.clients.targetAdmin.close();
    });
    this.log.info({ durationMs: this.clock() - t0, partitions: this.snapshot() }, `Mirror task ${this.settings.name} stopped`);
    this.resolveDone(this.fatal ? { status: 'failed', error: this.fatal } : { status: 'stopped' });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function idle(ms: number): Promise<SourceRecord[]> {
  await delay(ms);
  return [];
}
