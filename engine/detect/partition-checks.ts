/**
 * The broker checks of a mirror task and what it does with their findings: start positions on
 * (re)assignment, the topic-ID fence and periodic topic-ID check (topic resets), and the stall check
 * (log truncation, divergence). The decisions themselves are the pure functions of
 * truncation-detector.ts and topic-reset-detector.ts; this module runs them and acts.
 */
import type { LibrdKafkaError } from '@confluentinc/kafka-javascript';
import type { Logger } from '../core/logger.ts';
import type { KafkaAdmin, PartitionOffsets, TopicDescription } from '../kafka/kafka-admin.ts';
import type { MirrorTask } from '../replicate/mirror-task.ts';
import { tpKey } from '../kafka/kafka-admin.ts';
import { PARTITION_STATUS, PartitionState } from '../partitions/partition-state.ts';
import { detectTruncation, isDueForCheck, type TruncationFinding } from './truncation-detector.ts';
import { checkTopic } from './topic-reset-detector.ts';
import { DivergenceError, TruncationError } from '../core/errors.ts';

/** librdkafka: out-of-range with `auto.offset.reset=error` (arrives without its partition). */
const ERR_AUTO_OFFSET_RESET = -140;
/** Kafka errors meaning the topic is gone or changed: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, INCONSISTENT_TOPIC_ID. */
const TOPIC_ERRORS = new Set([3, 100, 103]);

/** Runs the checks for one {@link MirrorTask}. */
export class PartitionChecks {
  private readonly task: MirrorTask;
  private readonly admin: KafkaAdmin;
  private readonly log: Logger;
  private lastTopicIdCheckAtMs = 0;
  private lastMissingCheckAtMs = 0;
  private forceTopicIdCheck = false;
  private forceStallCheck = false;
  private lastConsumeErrorLogAtMs = 0;

  constructor(options: { task: MirrorTask; admin: KafkaAdmin; logger: Logger }) {
    this.task = options.task;
    this.admin = options.admin;
    this.log = options.logger;
  }

  private get flow(): string {
    return this.task.settings.name;
  }

  /**
   * Takes in discovered topics: new ones get partition states positioned from the progress store
   * (same topic ID: stored next offset, checked for truncation; only older topic IDs: the topic was
   * reset while the engine was down; none: log start). Known ones go through {@link applyDescription}.
   */
  async adoptTopics(topics: readonly TopicDescription[]): Promise<void> {
    const fresh = topics.filter((t) => !this.task.trackedTopics().includes(t.name));
    for (const t of topics) if (!fresh.includes(t)) await this.applyDescription(t.name, t);
    if (fresh.length === 0) return;
    const owned = (t: TopicDescription) => range(t.partitionCount).filter((partition) => this.task.owns(t.name, partition));
    const partitions = fresh.flatMap((t) => owned(t).map((partition) => ({ topic: t.name, partition })));
    const offsets = await this.admin.partitionOffsets(partitions, this.readCommitted);
    const now = Date.now();
    for (const t of fresh) {
      this.task.setKnownTopic(t.name, t);
      for (const partition of range(t.partitionCount)) {
        // Counted once taken into account (added, or another task's), so a failure part-way resumes at the next one.
        if (!this.task.owns(t.name, partition)) {
          this.task.notePartitionCount(t.name, partition + 1);
          continue;
        }
        const o = offsets.get(tpKey({ topic: t.name, partition }))!;
        const stored = this.task.progressStore.get(t.name, partition, t.topicId);
        const older = this.task.progressStore.incarnations(t.name, partition).filter((r) => r.topicId !== t.topicId);
        const state = new PartitionState({ topic: t.name, partition }, t.topicId, stored?.nextOffset ?? o.logStartOffset, now);
        state.gaps = stored?.gaps ?? [];
        this.task.addPartition(state);
        this.task.notePartitionCount(t.name, partition + 1);
        if (stored) {
          state.persistedNextOffset = stored.nextOffset;
          await this.evaluateOffsets(state, o);
        } else {
          if (older.length > 0) {
            const last = older[older.length - 1]!;
            this.logResetDetected(state, last.topicId, t.topicId, last.nextOffset - 1);
            this.logResetHandling(state, o.logStartOffset);
            state.resetDetectedAtMs = now;
          }
          await this.task.persist(state);
        }
      }
    }
  }

  /**
   * The topic-ID fence: describes `topics` (the call starts after `fetchedAtMs`, by construction of
   * the caller's sequence) and applies any change before the fetched records are produced.
   */
  async verifyTopicIds(topics: readonly string[], fetchedAtMs: number): Promise<void> {
    const described = await this.admin.describeTopics(topics);
    if (Date.now() < fetchedAtMs) throw new Error('clock went backwards during the topic-ID fence');
    for (const [name, d] of described) await this.applyDescription(name, d);
  }

  /** Periodic work: the topic-ID check on its own interval and the stall check of idle partitions. */
  async runDueChecks(nowMs: number): Promise<void> {
    const s = this.task.settings;
    if (this.forceTopicIdCheck || nowMs - this.lastTopicIdCheckAtMs >= s.topicResetCheckIntervalMs) {
      this.forceTopicIdCheck = false;
      this.lastTopicIdCheckAtMs = nowMs;
      const described = await this.admin.describeTopics(this.task.trackedTopics());
      for (const [name, d] of described) await this.applyDescription(name, d);
    } else if (nowMs - this.lastMissingCheckAtMs >= s.truncationCheckIntervalMs) {
      // A deleted topic is watched closely (it is likely being recreated), whatever the periodic interval.
      this.lastMissingCheckAtMs = nowMs;
      const missing = this.task.trackedTopics().filter((t) => this.task.knownTopic(t) === undefined);
      if (missing.length > 0) for (const [name, d] of await this.admin.describeTopics(missing)) await this.applyDescription(name, d);
    }
    const force = this.forceStallCheck;
    this.forceStallCheck = false;
    const due = [...this.task.partitionStates.values()].filter(
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

  /** Consumer errors: -140 (out of range) forces a stall check of every partition; topic errors force a topic-ID check. */
  onConsumeError(err: LibrdKafkaError): void {
    if (err.code === ERR_AUTO_OFFSET_RESET) {
      this.forceStallCheck = true;
      this.log.debug({ code: err.code }, 'offset out of range reported by the consumer; checking partitions against the broker');
      return;
    }
    if (TOPIC_ERRORS.has(err.code)) this.forceTopicIdCheck = true;
    const now = Date.now();
    if (now - this.lastConsumeErrorLogAtMs > 5000) {
      this.lastConsumeErrorLogAtMs = now;
      this.log.warn({ code: err.code, err: err.message, status: 'DEGRADED' }, `source consumer error: ${err.message}`);
    }
  }

  /** Logs the third reset line once the first record of the new incarnation is acknowledged. */
  onResetRecovered(state: PartitionState, nowMs: number): void {
    const recoveryMs = nowMs - (state.resetDetectedAtMs ?? nowMs);
    state.resetDetectedAtMs = undefined;
    this.log.info(
      { event: 'topic_reset_recovered', topic: state.topic, partition: state.partition, newTopicId: state.topicId, recoveryMs },
      `Successfully recovered from topic reset for ${state.key} in ${recoveryMs} ms`,
    );
  }

  private get readCommitted(): boolean {
    return this.task.settings.isolationLevel === 'read_committed';
  }

  /** Applies one topic description (undefined = missing) to the partitions of that topic. */
  private async applyDescription(name: string, d: TopicDescription | undefined): Promise<void> {
    const known = this.task.knownTopic(name);
    const states = [...this.task.partitionStates.values()].filter((s) => s.topic === name);
    if (!d) {
      if (known === undefined && states.every((s) => s.status !== PARTITION_STATUS.MIRRORING)) return;
      this.task.setKnownTopic(name, undefined);
      for (const s of states) if (s.status === PARTITION_STATUS.MIRRORING) s.status = PARTITION_STATUS.WAITING_FOR_TOPIC;
      this.log.warn(
        { event: 'topic_missing', topic: name, lastTopicId: states[0]?.topicId },
        `Source topic ${name} no longer exists; its partitions wait for it to be recreated`,
      );
      this.task.requestReassign(true);
      return;
    }
    const oldTopicId = known?.topicId ?? states[0]?.topicId;
    if (oldTopicId !== undefined && oldTopicId !== d.topicId) return this.handleReset(d, states);
    if (!known) {
      // Back with the same topic ID (a describe that failed transiently): resume where we were.
      for (const s of states) if (s.status === PARTITION_STATUS.WAITING_FOR_TOPIC) s.status = PARTITION_STATUS.MIRRORING;
      this.task.requestReassign(true);
    }
    this.task.setKnownTopic(name, d);
    const counted = this.task.partitionCount(name);
    if (counted < d.partitionCount) await this.addPartitions(d, counted);
  }

  private async handleReset(d: TopicDescription, states: PartitionState[]): Promise<void> {
    const now = Date.now();
    await this.task.drainInFlight();
    const detected = states.map((s) => ({ state: s, oldTopicId: s.topicId, lastMirroredOffset: s.ackedNextOffset - 1 }));
    for (const x of detected) this.logResetDetected(x.state, x.oldTopicId, d.topicId, x.lastMirroredOffset);
    await this.task.ensureRemoteTopics([d]);
    const live = states.filter((s) => s.partition < d.partitionCount);
    const offsets = await this.admin.partitionOffsets(live, this.readCommitted);
    for (const s of states) {
      if (s.partition >= d.partitionCount) {
        s.status = PARTITION_STATUS.REMOVED;
        this.log.warn(
          { event: 'partition_removed', topic: s.topic, partition: s.partition, newTopicId: d.topicId },
          `Partition ${s.key} does not exist in the recreated topic (${d.partitionCount} partitions); its remote partition keeps the old records`,
        );
        continue;
      }
      const start = offsets.get(s.key)!.logStartOffset;
      this.logResetHandling(s, start);
      s.restartAt(start, d.topicId, now);
      s.resetDetectedAtMs = now;
      await this.task.persist(s);
    }
    this.task.setKnownTopic(d.name, d);
    const counted = this.task.partitionCount(d.name);
    if (counted < d.partitionCount) await this.addPartitions(d, counted);
    this.task.requestReassign(true);
  }

  private async addPartitions(d: TopicDescription, from: number): Promise<void> {
    await this.task.ensureRemoteTopics([d]);
    const partitions = range(d.partitionCount).slice(from).map((partition) => ({ topic: d.name, partition }));
    const offsets = await this.admin.partitionOffsets(partitions.filter((tp) => this.task.owns(tp.topic, tp.partition)), this.readCommitted);
    for (const tp of partitions) {
      if (!this.task.owns(tp.topic, tp.partition)) {
        this.task.notePartitionCount(d.name, tp.partition + 1); // another task's
        continue;
      }
      const state = new PartitionState(tp, d.topicId, offsets.get(tpKey(tp))!.logStartOffset, Date.now());
      this.task.addPartition(state);
      this.task.notePartitionCount(d.name, tp.partition + 1);
      await this.task.persist(state);
      this.log.info({ topic: tp.topic, partition: tp.partition, startOffset: state.nextOffset }, `Mirroring new partition ${state.key}`);
    }
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
    const check = checkTopic(state, this.task.knownTopic(state.topic), o);
    if (check.kind === 'divergence') {
      state.status = PARTITION_STATUS.FAILED;
      this.log.error(
        { event: 'log_divergence_detected', topic: state.topic, partition: state.partition, topicId: state.topicId, ...check },
        `Log divergence detected for ${state.key}: log end offset ${check.logEndOffset} is below the next expected offset ${check.expectedOffset} (same topic ID)`,
      );
      this.task.failWith(new DivergenceError({ topic: state.topic, partition: state.partition, expectedOffset: check.expectedOffset, logEndOffset: check.logEndOffset }));
    }
  }

  private async handleTruncation(state: PartitionState, f: TruncationFinding): Promise<void> {
    const detectedAt = new Date().toISOString();
    const policy = this.task.settings.truncationPolicy;
    const evidence = { flow: this.flow, topic: state.topic, partition: state.partition, expectedOffset: f.expectedOffset, logStartOffset: f.logStartOffset, gap: f.gap, detectedAt };
    this.log.critical(
      { event: 'log_truncation_detected', ...logFields(evidence), topicId: state.topicId, policy },
      `CRITICAL: Log truncation detected for ${state.key}. Expected offset ${f.expectedOffset}, but got ${f.logStartOffset}. Gap of ${f.gap} messages detected`,
    );
    this.task.telemetrySink.recordLost(f.gap, { flow: this.flow, topic: state.topic });
    const gap = { expectedOffset: f.expectedOffset, logStartOffset: f.logStartOffset, gap: f.gap, detectedAt };
    if (policy === 'continue') {
      await this.task.drainInFlight();
      state.gaps = [...state.gaps, { ...gap, acknowledgedAt: detectedAt, acknowledgedBy: 'continue-policy' }];
      state.restartAt(f.logStartOffset, state.topicId, Date.now());
      await this.task.persist(state);
      this.log.warn({ event: 'truncation_gap_skipped', ...logFields(evidence) }, `Resuming ${state.key} at log start offset ${f.logStartOffset} (truncation.policy=continue)`);
      this.task.requestReassign();
      return;
    }
    state.status = PARTITION_STATUS.FAILED;
    if (!state.gaps.some((g) => g.expectedOffset === gap.expectedOffset && !g.acknowledgedAt)) state.gaps = [...state.gaps.filter((g) => g.acknowledgedAt), gap];
    await this.task.persist(state);
    this.task.failWith(new TruncationError(evidence));
  }

  private logResetDetected(state: PartitionState, oldTopicId: string, newTopicId: string, lastMirroredOffset: number): void {
    this.log.warn(
      { event: 'topic_reset_detected', topic: state.topic, partition: state.partition, oldTopicId, newTopicId, lastMirroredOffset },
      `Topic reset detected for ${state.key} (topic ID ${oldTopicId} -> ${newTopicId})`,
    );
  }

  private logResetHandling(state: PartitionState, startOffset: number): void {
    this.log.info(
      { event: 'topic_reset_handling', topic: state.topic, partition: state.partition, startOffset },
      `Handling topic reset for ${state.key}. Seeking to beginning offset ${startOffset}`,
    );
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
