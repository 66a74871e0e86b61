/**
 * The broker checks of a mirror task and what it does with their findings: start positions on
 * (re)assignment, the topic-ID fence and periodic topic-ID check (topic resets), and the stall check
 * (log truncation, divergence). The decisions themselves are the pure functions of
 * truncation-detector.ts and topic-reset-detector.ts; this module runs them and acts.
 *
 * It talks to small ports only: the task's {@link PartitionTable}, the source admin (describe topics,
 * partition offsets), the progress store, telemetry, a clock, and {@link PartitionCheckActions}
 * (implemented by the mirror task: re-assign the consumer, drain in-flight records, ensure remote
 * topics, fail the task).
 */
import type { Logger } from '../core/logger.ts';
import type { MirrorError } from '../core/errors.ts';
import type { ReplicationPolicy } from '../mm2/replication-policy.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import type { PartitionOffsets, TopicDescription, TopicPartition } from '../kafka/kafka-admin.ts';
import type { SourceAdminPort } from '../kafka/admin-ports.ts';
import { isOffsetOutOfRange, isTopicGone, type ClientErrorLike } from '../kafka/source-consumer.ts';
import { describeConsumeError } from '../kafka/client-features.ts';
import { PARTITION_STATUS, type PartitionState } from '../partitions/partition-state.ts';
import type { PartitionTable } from '../partitions/partition-table.ts';
import { persistProgress, type ProgressPort } from '../partitions/partition-progress.ts';
import { detectTruncation, isDueForCheck, type TruncationFinding } from './truncation-detector.ts';
import { checkIncarnation, checkTopic } from './topic-reset-detector.ts';
import { PartitionAdoption, logResetDetected, logResetHandling } from './partition-adoption.ts';
import { DivergenceError, TruncationError } from '../core/errors.ts';

/** What the checks need from a flow's config (FlowConfig and MirrorTaskSettings satisfy it). Intervals in ms. */
export interface PartitionCheckSettings {
  /** Flow name, e.g. `primary->standby`. */
  readonly name: string;
  readonly sourceAlias: string;
  /** Names remote topics (progress records carry the remote topic). */
  readonly replicationPolicy: Pick<ReplicationPolicy, 'formatRemoteTopic'>;
  readonly isolationLevel: 'read_committed' | 'read_uncommitted';
  readonly truncationPolicy: 'fail' | 'continue';
  readonly topicResetCheckIntervalMs: number;
  readonly truncationCheckIntervalMs: number;
  /**
   * MM2's source `consumer.auto.offset.reset` (FlowConfig carries it; default `earliest`): `latest` starts the
   * partitions that have no stored progress when the task starts at their end instead of their log start.
   */
  readonly autoOffsetReset?: 'earliest' | 'latest';
}

/** What the checks ask of the mirror task that runs them. */
export interface PartitionCheckActions {
  /** Re-assign the consumer at the next iteration (positions changed), or rebuild it (`rebuild`: topic incarnation changed). */
  requestReassign(rebuild?: boolean): void;
  /** Waits until every produced record is acknowledged (before repositioning a partition). */
  drainInFlight(): Promise<void>;
  /** Ensures the remote topics of `topics` exist with enough partitions, and that the producer knows them. */
  ensureRemoteTopics(topics: TopicDescription[]): Promise<void>;
  /** Stops the task with a fatal error (truncation under `fail`, divergence). */
  failWith(error: MirrorError): void;
}

/** The source-admin calls the checks make. */
export type CheckAdminPort = Pick<SourceAdminPort, 'describeTopics' | 'partitionOffsets'>;

/** Collaborators of {@link PartitionChecks}; `clock` gives epoch ms. */
export interface PartitionChecksOptions {
  settings: PartitionCheckSettings;
  table: PartitionTable;
  admin: CheckAdminPort;
  progress: ProgressPort;
  telemetry: Pick<Telemetry, 'recordLost'>;
  actions: PartitionCheckActions;
  clock: () => number;
  /** The task's logger (binds `flow`). */
  logger: Logger;
}

/** Runs the checks of one mirror task. */
export class PartitionChecks {
  private readonly settings: PartitionCheckSettings;
  private readonly table: PartitionTable;
  private readonly admin: CheckAdminPort;
  private readonly progress: ProgressPort;
  private readonly telemetry: Pick<Telemetry, 'recordLost'>;
  private readonly actions: PartitionCheckActions;
  private readonly clock: () => number;
  private readonly log: Logger;
  private lastTopicIdCheckAtMs = 0;
  private lastMissingCheckAtMs = 0;
  private forceTopicIdCheck = false;
  private forceStallCheck = false;
  private lastConsumeErrorLogAtMs = 0;
  private readonly adoption: PartitionAdoption;

  constructor(options: PartitionChecksOptions) {
    this.settings = options.settings;
    this.table = options.table;
    this.admin = options.admin;
    this.progress = options.progress;
    this.telemetry = options.telemetry;
    this.actions = options.actions;
    this.clock = options.clock;
    this.log = options.logger;
    this.adoption = new PartitionAdoption({
      table: this.table,
      admin: this.admin,
      progress: this.progress,
      readCommitted: this.readCommitted,
      remoteTopic: (topic) => this.settings.replicationPolicy.formatRemoteTopic(this.settings.sourceAlias, topic),
      evaluateOffsets: (state, o) => this.evaluateOffsets(state, o),
      requestReassign: () => this.actions.requestReassign(),
      autoOffsetReset: this.settings.autoOffsetReset ?? 'earliest',
      clock: this.clock,
      logger: this.log,
    });
  }

  /**
   * Takes in discovered topics: the owned partitions of new ones are adopted (partition-adoption.ts:
   * stored progress of the same topic ID, checked for truncation; only older topic IDs: reset while not
   * mirrored here; none: log start — or, for partitions present at task start with `autoOffsetReset` =
   * `latest`, their log end at task start). Known ones go through {@link applyDescription}.
   */
  async adoptTopics(topics: readonly TopicDescription[]): Promise<void> {
    const fresh = topics.filter((t) => !this.table.isTracked(t.name));
    for (const t of topics) if (!fresh.includes(t)) await this.applyDescription(t.name, t);
    // The first call is the task's start: what exists now is what `auto.offset.reset = latest` may start at its end.
    await this.adoption.noteStartTopics(fresh);
    for (const t of fresh) {
      this.table.setKnownTopic(t.name, t);
      await this.adoption.adopt(range(t.partitionCount).map((partition) => ({ topic: t.name, partition })), new Map([[t.name, t]]));
      this.table.notePartitionCount(t.name, t.partitionCount); // the other members' partitions are taken into account too
    }
  }

  /**
   * Partitions the flow's group just assigned to this task (source names; re-read their progress first):
   * adopted and checked as on start (truncation, reset while another member or nobody mirrored them), or
   * resumed from `lost` states when nobody mirrored them further (PartitionAdoption.adoptAssigned).
   */
  adoptAssigned(partitions: readonly TopicPartition[], lost?: ReadonlyMap<string, PartitionState>): Promise<void> {
    return this.adoption.adoptAssigned(partitions, lost);
  }

  /** The group took `partitions` away: forgets those still waiting for their topic. */
  forgetAssigned(partitions: readonly TopicPartition[]): void {
    this.adoption.forget(partitions);
  }

  /**
   * The topic-ID fence: describes `topics` (the call starts after `fetchedAtMs`, by construction of
   * the caller's sequence) and applies any change before the fetched records are produced.
   */
  async verifyTopicIds(topics: readonly string[], fetchedAtMs: number): Promise<void> {
    const described = await this.admin.describeTopics(topics);
    if (this.clock() < fetchedAtMs) throw new Error('clock went backwards during the topic-ID fence');
    for (const [name, d] of described) await this.applyDescription(name, d);
  }

  /** Periodic work at `nowMs` (epoch ms): the topic-ID check on its own interval and the stall check of idle partitions. */
  async runDueChecks(nowMs: number): Promise<void> {
    const s = this.settings;
    if (this.forceTopicIdCheck || nowMs - this.lastTopicIdCheckAtMs >= s.topicResetCheckIntervalMs) {
      this.forceTopicIdCheck = false;
      this.lastTopicIdCheckAtMs = nowMs;
      const described = await this.admin.describeTopics(this.table.trackedTopics());
      for (const [name, d] of described) await this.applyDescription(name, d);
    } else if (nowMs - this.lastMissingCheckAtMs >= s.truncationCheckIntervalMs) {
      // A deleted topic is watched closely (it is likely being recreated), whatever the periodic interval.
      this.lastMissingCheckAtMs = nowMs;
      const missing = this.table.trackedTopics().filter((t) => this.table.knownTopic(t) === undefined);
      if (missing.length > 0) for (const [name, d] of await this.admin.describeTopics(missing)) await this.applyDescription(name, d);
    }
    const force = this.forceStallCheck;
    this.forceStallCheck = false;
    const due = [...this.table.values()].filter(
      (p) => p.status === PARTITION_STATUS.MIRRORING && (force || isDueForCheck(nowMs, p.lastProgressAtMs, p.lastCheckAtMs, s.truncationCheckIntervalMs)),
    );
    if (due.length === 0) return;
    let offsets: Map<string, PartitionOffsets>;
    try {
      offsets = await this.admin.partitionOffsets(due, this.readCommitted);
    } catch (err) {
      // Usually a topic that just disappeared: let the topic-ID check sort it out.
      this.forceTopicIdCheck = true;
      this.log.debug({ err }, 'stall check could not read offsets');
      return;
    }
    for (const state of due) {
      state.lastCheckAtMs = nowMs;
      const o = offsets.get(state.key);
      if (o && state.status === PARTITION_STATUS.MIRRORING) await this.evaluateOffsetsWithTopicCheck(state, o);
    }
  }

  /** Consumer errors: out of range (-140) forces a stall check of every partition; topic errors force a topic-ID check. */
  onConsumeError(err: ClientErrorLike): void {
    if (isOffsetOutOfRange(err)) {
      this.forceStallCheck = true;
      this.log.debug({ code: err.code }, 'offset out of range reported by the consumer; checking partitions against the broker');
      return;
    }
    if (isTopicGone(err)) this.forceTopicIdCheck = true;
    const now = this.clock();
    if (now - this.lastConsumeErrorLogAtMs > 5000) {
      this.lastConsumeErrorLogAtMs = now;
      this.log.warn({ code: err.code, err: err.message, status: 'DEGRADED' }, `source consumer error: ${describeConsumeError(err)}`);
    }
  }

  /** Logs the third reset line once the first record of the new incarnation is acknowledged at `nowMs` (epoch ms). */
  onResetRecovered(state: PartitionState, nowMs: number): void {
    const recoveryMs = nowMs - (state.resetDetectedAtMs ?? nowMs);
    state.resetDetectedAtMs = undefined;
    this.log.info(
      { event: 'topic_reset_recovered', topic: state.topic, partition: state.partition, newTopicId: state.topicId, recoveryMs },
      `Successfully recovered from topic reset for ${state.key} in ${recoveryMs} ms`,
    );
  }

  private get readCommitted(): boolean {
    return this.settings.isolationLevel === 'read_committed';
  }

  /** Writes the progress of one partition now (gaps included), at its acknowledged position. */
  private persist(state: PartitionState): Promise<void> {
    return persistProgress(this.progress, state, this.settings.replicationPolicy.formatRemoteTopic(this.settings.sourceAlias, state.topic));
  }

  /** Applies one topic description (undefined = missing) to the partitions of that topic. */
  private async applyDescription(name: string, d: TopicDescription | undefined): Promise<void> {
    const known = this.table.knownTopic(name);
    const states = this.table.partitionsOf(name);
    // The incarnation being mirrored: the last one described, else the one the partitions still hold (topic missing).
    const check = checkIncarnation(known?.topicId ?? states[0]?.topicId, d);
    if (check.kind === 'missing' || !d) {
      if (known === undefined && states.every((s) => s.status !== PARTITION_STATUS.MIRRORING)) return;
      this.table.setKnownTopic(name, undefined);
      for (const s of states) if (s.status === PARTITION_STATUS.MIRRORING) s.status = PARTITION_STATUS.WAITING_FOR_TOPIC;
      this.log.warn(
        { event: 'topic_missing', topic: name, lastTopicId: states[0]?.topicId },
        `Source topic ${name} no longer exists; its partitions wait for it to be recreated`,
      );
      this.actions.requestReassign(true);
      return;
    }
    if (check.kind === 'reset') return this.handleReset(d, states);
    if (!known) {
      // Back with the same topic ID (a describe that failed transiently): resume where we were.
      for (const s of states) if (s.status === PARTITION_STATUS.WAITING_FOR_TOPIC) s.status = PARTITION_STATUS.MIRRORING;
      this.actions.requestReassign(true);
    }
    this.table.setKnownTopic(name, d);
    await this.adoption.adoptWaiting(d);
    const counted = this.table.partitionCount(name);
    if (counted < d.partitionCount) await this.addPartitions(d, counted);
  }

  /** The topic was recreated as `d`: each partition restarts at the new incarnation's log start, or is REMOVED when `d` lacks it. */
  private async handleReset(d: TopicDescription, states: PartitionState[]): Promise<void> {
    const now = this.clock();
    await this.actions.drainInFlight();
    const detected = states.map((s) => ({ state: s, oldTopicId: s.topicId, lastMirroredOffset: s.ackedNextOffset - 1 }));
    for (const x of detected) logResetDetected(this.log, x.state, x.oldTopicId, d.topicId, x.lastMirroredOffset);
    await this.actions.ensureRemoteTopics([d]);
    const checks = states.map((s) => ({ state: s, check: checkTopic(s, d) }));
    const removed = ({ check }: (typeof checks)[number]) => check.kind === 'partition-missing' || (check.kind === 'reset' && !check.partitionExists);
    const offsets = await this.admin.partitionOffsets(checks.filter((c) => !removed(c)).map((c) => c.state), this.readCommitted);
    for (const c of checks) {
      const s = c.state;
      if (removed(c)) {
        s.status = PARTITION_STATUS.REMOVED;
        this.log.warn(
          { event: 'partition_removed', topic: s.topic, partition: s.partition, newTopicId: d.topicId },
          `Partition ${s.key} does not exist in the recreated topic (${d.partitionCount} partitions); its remote partition keeps the old records`,
        );
        continue;
      }
      const start = offsets.get(s.key)!.logStartOffset;
      logResetHandling(this.log, s, start);
      s.restartAt(start, d.topicId, now);
      s.resetDetectedAtMs = now;
      await this.persist(s);
    }
    this.table.setKnownTopic(d.name, d);
    await this.adoption.adoptWaiting(d);
    const counted = this.table.partitionCount(d.name);
    if (counted < d.partitionCount) await this.addPartitions(d, counted);
    this.actions.requestReassign(true);
  }

  /** `d` has more partitions than taken into account: ensures them on the target, adopts the owned ones (the others are other members'). */
  private async addPartitions(d: TopicDescription, from: number): Promise<void> {
    await this.actions.ensureRemoteTopics([d]);
    const partitions = range(d.partitionCount).slice(from).map((partition) => ({ topic: d.name, partition }));
    await this.adoption.adopt(partitions, new Map([[d.name, d]]), true);
    this.table.notePartitionCount(d.name, d.partitionCount);
  }

  /** Truncation and divergence from a partition's offsets; divergence is confirmed by a topic-ID check first. */
  private async evaluateOffsetsWithTopicCheck(state: PartitionState, o: PartitionOffsets): Promise<void> {
    if (o.logEndOffset < state.nextOffset) {
      const d = (await this.admin.describeTopics([state.topic])).get(state.topic);
      await this.applyDescription(state.topic, d);
      if (state.status !== PARTITION_STATUS.MIRRORING || state.topicId !== d?.topicId) return;
    }
    await this.evaluateOffsets(state, o);
  }

  private async evaluateOffsets(state: PartitionState, o: PartitionOffsets): Promise<void> {
    const finding = detectTruncation(state.nextOffset, o);
    if (finding) return this.handleTruncation(state, finding);
    const check = checkTopic(state, this.table.knownTopic(state.topic), o);
    if (check.kind === 'divergence') {
      state.status = PARTITION_STATUS.FAILED;
      this.log.error(
        { event: 'log_divergence_detected', topic: state.topic, partition: state.partition, topicId: state.topicId, ...check },
        `Log divergence detected for ${state.key}: log end offset ${check.logEndOffset} is below the next expected offset ${check.expectedOffset} (same topic ID)`,
      );
      this.actions.failWith(new DivergenceError({ topic: state.topic, partition: state.partition, expectedOffset: check.expectedOffset, logEndOffset: check.logEndOffset }));
    }
  }

  private async handleTruncation(state: PartitionState, f: TruncationFinding): Promise<void> {
    const detectedAt = new Date(this.clock()).toISOString();
    const policy = this.settings.truncationPolicy;
    const flow = this.settings.name;
    const evidence = { flow, topic: state.topic, partition: state.partition, expectedOffset: f.expectedOffset, logStartOffset: f.logStartOffset, gap: f.gap, detectedAt };
    this.log.critical(
      { event: 'log_truncation_detected', ...logFields(evidence), topicId: state.topicId, policy },
      `CRITICAL: Log truncation detected for ${state.key}. Expected offset ${f.expectedOffset}, but got ${f.logStartOffset}. Gap of ${f.gap} messages detected`,
    );
    this.telemetry.recordLost(f.gap, { flow, topic: state.topic });
    const gap = { expectedOffset: f.expectedOffset, logStartOffset: f.logStartOffset, gap: f.gap, detectedAt };
    if (policy === 'continue') {
      await this.actions.drainInFlight();
      state.gaps = [...state.gaps, { ...gap, acknowledgedAt: detectedAt, acknowledgedBy: 'continue-policy' }];
      state.restartAt(f.logStartOffset, state.topicId, this.clock());
      await this.persist(state);
      this.log.warn({ event: 'truncation_gap_skipped', ...logFields(evidence) }, `Resuming ${state.key} at log start offset ${f.logStartOffset} (truncation.policy=continue)`);
      this.actions.requestReassign();
      return;
    }
    state.status = PARTITION_STATUS.FAILED;
    if (!state.gaps.some((g) => g.expectedOffset === gap.expectedOffset && !g.acknowledgedAt)) state.gaps = [...state.gaps.filter((g) => g.acknowledgedAt), gap];
    await this.persist(state);
    this.actions.failWith(new TruncationError(evidence));
  }
}

/** Evidence without `flow`: the task's child logger binds it already. */
function logFields<T extends { flow: string }>(evidence: T): Omit<T, 'flow'> {
  const { flow: _flow, ...rest } = evidence;
  return rest;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
