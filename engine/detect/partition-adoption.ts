/**
 * Positions the partitions a mirror task starts to mirror and checks them as on start — at start for the
 * topics discovery found, for partitions a source topic gained, and for partitions the flow's group
 * moves to this task from another member (issue 15):
 * - stored progress of the current topic ID: resume at its next offset, then the truncation and
 *   divergence checks against the broker's log start / end (PartitionChecks' evaluateOffsets);
 * - progress only under other topic IDs: the topic was reset while nobody here mirrored it — the three
 *   reset lines' first two, and mirroring restarts at the new incarnation's log start;
 * - no progress: log start (a new topic or partition) — or, with `auto.offset.reset = latest`, the log end
 *   the partition had when the task started, for a partition that already existed then and was never
 *   mirrored under any topic ID: records written before the task started are not mirrored, every later one
 *   is, however late the group assigns the partition here (one `started_at_latest` line per adoption gives
 *   the records not mirrored, by topic). The position is stored at once, so neither a restart nor a later
 *   move skips again.
 * The caller re-reads the progress of partitions that come from another member first: that member wrote
 * their last progress while releasing them.
 *
 * A partition assigned while its source topic is missing (deleted) waits in {@link PartitionAdoption.pending}
 * until the topic is described again, then is adopted like any other.
 */
import type { Logger } from '../core/logger.ts';
import type { PartitionOffsets, TopicDescription, TopicPartition } from '../kafka/kafka-admin.ts';
import type { SourceAdminPort } from '../kafka/admin-ports.ts';
import { tpKey } from '../kafka/kafka-admin.ts';
import { PartitionState } from '../partitions/partition-state.ts';
import type { PartitionTable } from '../partitions/partition-table.ts';
import { persistProgress, type ProgressPort } from '../partitions/partition-progress.ts';
import { checkIncarnation } from './topic-reset-detector.ts';

/** Collaborators of {@link PartitionAdoption}; `clock` gives epoch ms. */
export interface PartitionAdoptionOptions {
  table: PartitionTable;
  admin: Pick<SourceAdminPort, 'partitionOffsets'>;
  progress: ProgressPort;
  readCommitted: boolean;
  /** Remote topic of a source topic (progress records carry it). */
  remoteTopic: (topic: string) => string;
  /** Truncation and divergence checks of a resumed partition against its offsets. */
  evaluateOffsets: (state: PartitionState, offsets: PartitionOffsets) => Promise<void>;
  /** The consumer must be re-assigned (a state was added). */
  requestReassign: () => void;
  /** MM2's source `consumer.auto.offset.reset`: where a partition without any progress that existed at task start begins. */
  autoOffsetReset: 'earliest' | 'latest';
  clock: () => number;
  logger: Logger;
}

/** Adoption of partitions by one mirror task. */
export class PartitionAdoption {
  private readonly o: PartitionAdoptionOptions;
  /** Source topic → partitions assigned while the topic was missing. */
  private readonly waiting = new Map<string, Set<number>>();
  /** `topic-partition` of partitions a source topic gained while another member owned them: announced when adopted here. */
  private readonly grown = new Set<string>();
  /** `topic-partition` → incarnation and log end when the task started (`latest` only; filled once by {@link noteStartTopics}). */
  private readonly startEnds = new Map<string, { topicId: string; logEndOffset: number }>();
  private startNoted = false;

  constructor(options: PartitionAdoptionOptions) {
    this.o = options;
  }

  /**
   * Records the log end of every partition of the topics discovered at task start (first call only; with
   * `autoOffsetReset` = `latest`, else nothing): their partitions without any stored progress start there
   * whenever the group assigns them here. Partitions and topics created later start at their log start —
   * all of their records were written after mirroring began (MM2 would skip up to a refresh interval of
   * them). One offsets request; throws the admin's MirrorError.
   */
  async noteStartTopics(topics: readonly TopicDescription[]): Promise<void> {
    if (this.startNoted) return;
    this.startNoted = true;
    if (this.o.autoOffsetReset !== 'latest' || topics.length === 0) return;
    const partitions = topics.flatMap((t) => Array.from({ length: t.partitionCount }, (_, partition) => ({ topic: t.name, partition })));
    const offsets = await this.o.admin.partitionOffsets(partitions, this.o.readCommitted);
    const topicIds = new Map(topics.map((t) => [t.name, t.topicId]));
    for (const tp of partitions) this.startEnds.set(tpKey(tp), { topicId: topicIds.get(tp.topic)!, logEndOffset: offsets.get(tpKey(tp))!.logEndOffset });
  }

  /**
   * Adopts owned `partitions` of topics described as `topics` (by name): one offsets request, then each
   * partition positioned and checked in order, its partition count noted once it is taken into account
   * (a failure part-way resumes at the next one). `announce`: log `Mirroring new partition` for partitions
   * without progress (a source topic that grew). Throws the admin's MirrorError.
   */
  async adopt(partitions: readonly TopicPartition[], topics: ReadonlyMap<string, TopicDescription>, announce = false): Promise<void> {
    // A partition the group has not assigned here yet (it learns of it a moment later) is announced when it is.
    if (announce) for (const tp of partitions) if (!this.o.table.owns(tp.topic, tp.partition)) this.grown.add(tpKey(tp));
    const todo = partitions.filter((tp) => this.o.table.owns(tp.topic, tp.partition) && this.o.table.get(tpKey(tp)) === undefined);
    if (todo.length === 0) return;
    const offsets = await this.o.admin.partitionOffsets(todo, this.o.readCommitted);
    const startedAtEnd: { topic: string; skipped: number }[] = [];
    for (const tp of todo) {
      const t = topics.get(tp.topic)!;
      await this.adoptOne(t, tp.partition, offsets.get(tpKey(tp))!, announce, startedAtEnd);
      this.o.table.notePartitionCount(tp.topic, tp.partition + 1);
    }
    if (startedAtEnd.length > 0) logStartedAtEnd(this.o.logger, startedAtEnd);
  }

  /**
   * Partitions the group assigned (source names): those of a described topic are adopted now; those of a
   * missing topic wait for it ({@link adoptWaiting}); partitions the source does not have (a remote
   * topic with more partitions than its source) and untracked topics are skipped with a debug line.
   *
   * `lost`: states this task had when the group declared their partitions lost (by `topic-partition`). One
   * comes back as it was — fetch position and acknowledged position kept, so what its producer delivered
   * meanwhile is not copied again — when the group gives the partition back, its topic incarnation is
   * unchanged, and no progress stored since goes past what the task had acknowledged (nobody else
   * mirrored further): typically a coordinator outage longer than the session timeout. Otherwise the
   * partition is adopted from its stored progress like any other.
   */
  async adoptAssigned(partitions: readonly TopicPartition[], lost: ReadonlyMap<string, PartitionState> = new Map()): Promise<void> {
    const described = new Map<string, TopicDescription>();
    const now: TopicPartition[] = [];
    for (const tp of partitions) {
      const previous = lost.get(tpKey(tp));
      if (previous && this.o.table.owns(tp.topic, tp.partition) && this.resumable(previous)) {
        await this.resume(previous);
        continue;
      }
      const t = this.o.table.knownTopic(tp.topic);
      if (t === undefined && this.o.table.isTracked(tp.topic)) {
        let set = this.waiting.get(tp.topic);
        if (set === undefined) this.waiting.set(tp.topic, (set = new Set()));
        set.add(tp.partition);
      } else if (t === undefined || tp.partition >= t.partitionCount) {
        this.o.logger.debug({ topic: tp.topic, partition: tp.partition }, 'assigned partition has no source partition to mirror; skipped');
      } else {
        described.set(t.name, t);
        now.push(tp);
      }
    }
    await this.adopt(now, described);
  }

  /** The source topic `d` is described again: adopts the partitions assigned while it was missing. */
  async adoptWaiting(d: TopicDescription): Promise<void> {
    const set = this.waiting.get(d.name);
    if (set === undefined) return;
    this.waiting.delete(d.name);
    const partitions = [...set].filter((p) => p < d.partitionCount).map((partition) => ({ topic: d.name, partition }));
    await this.adopt(partitions, new Map([[d.name, d]]));
  }

  /** Forgets waiting partitions the group took away again. */
  forget(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.waiting.get(tp.topic)?.delete(tp.partition);
  }

  /** Partitions assigned while their topic was missing (status output, tests). */
  pending(): TopicPartition[] {
    return [...this.waiting].flatMap(([topic, set]) => [...set].map((partition) => ({ topic, partition })));
  }

  /** Whether a lost state may come back as it was (see {@link adoptAssigned}). */
  private resumable(previous: PartitionState): boolean {
    if (this.o.table.get(previous.key) !== undefined || this.o.table.knownTopic(previous.topic)?.topicId !== previous.topicId) return false;
    const stored = this.o.progress.get(previous.topic, previous.partition, previous.topicId);
    return stored === undefined || stored.nextOffset <= previous.ackedNextOffset;
  }

  /** Puts a lost state back as a new state object at the same positions (the old one is forgotten by the offset-sync writer), then checks it. */
  private async resume(previous: PartitionState): Promise<void> {
    const now = this.o.clock();
    const state = new PartitionState(previous, previous.topicId, previous.nextOffset, now);
    state.ackedNextOffset = previous.ackedNextOffset;
    state.persistedNextOffset = previous.persistedNextOffset;
    state.gaps = previous.gaps;
    state.status = previous.status;
    state.resetDetectedAtMs = previous.resetDetectedAtMs;
    this.o.table.add(state);
    this.o.requestReassign();
    this.o.logger.info(
      { event: 'partition_resumed', topic: state.topic, partition: state.partition, nextOffset: state.nextOffset, ackedNextOffset: state.ackedNextOffset },
      `Resuming ${state.key} where this instance was when it lost it (nobody mirrored it further meanwhile)`,
    );
    const offsets = await this.o.admin.partitionOffsets([state], this.o.readCommitted);
    await this.o.evaluateOffsets(state, offsets.get(state.key)!);
  }

  /**
   * Where a partition without progress of this incarnation starts under `latest`: its log end at task start
   * when it existed then (same topic ID) and was never mirrored under any topic ID; undefined otherwise
   * (log start: a new partition, or a topic reset, mirrored from the new incarnation's start).
   */
  private startAtEnd(t: TopicDescription, partition: number): number | undefined {
    const atStart = this.startEnds.get(tpKey({ topic: t.name, partition }));
    if (atStart === undefined || atStart.topicId !== t.topicId || this.o.progress.incarnations(t.name, partition).length > 0) return undefined;
    return atStart.logEndOffset;
  }

  /** Positions and checks one partition; one started at its end is added to `startedAtEnd` with the records it skips. */
  private async adoptOne(t: TopicDescription, partition: number, o: PartitionOffsets, announce: boolean, startedAtEnd: { topic: string; skipped: number }[]): Promise<void> {
    const { table, progress, logger: log } = this.o;
    const now = this.o.clock();
    const stored = progress.get(t.name, partition, t.topicId);
    // A start below today's log start (records deleted since the task started) is reported by the truncation check.
    const atEnd = stored === undefined ? this.startAtEnd(t, partition) : undefined;
    if (atEnd !== undefined) startedAtEnd.push({ topic: t.name, skipped: Math.max(0, atEnd - o.logStartOffset) });
    const state = new PartitionState({ topic: t.name, partition }, t.topicId, stored?.nextOffset ?? atEnd ?? o.logStartOffset, now);
    state.gaps = stored?.gaps ?? [];
    table.add(state);
    this.o.requestReassign();
    if (stored) {
      state.persistedNextOffset = stored.nextOffset;
      await this.o.evaluateOffsets(state, o);
      return;
    }
    // Progress only under other topic IDs: the topic was reset while nobody here mirrored it.
    const previous = progress.incarnations(t.name, partition).at(-1);
    const check = checkIncarnation(previous?.topicId, t);
    if (check.kind === 'reset') {
      logResetDetected(log, state, check.oldTopicId, check.newTopicId, previous!.nextOffset - 1);
      logResetHandling(log, state, o.logStartOffset);
      state.resetDetectedAtMs = now;
    } else if (this.grown.delete(state.key) || announce) {
      log.info({ topic: t.name, partition, startOffset: state.nextOffset }, `Mirroring new partition ${state.key}`);
    }
    await persistProgress(progress, state, this.o.remoteTopic(t.name));
  }
}

/** The `started_at_latest` line (info): partitions without progress started at their end, and the records before it not mirrored. */
function logStartedAtEnd(log: Logger, partitions: readonly { topic: string; skipped: number }[]): void {
  const byTopic: Record<string, number> = {};
  for (const p of partitions) byTopic[p.topic] = (byTopic[p.topic] ?? 0) + p.skipped;
  const skipped = partitions.reduce((sum, p) => sum + p.skipped, 0);
  log.info(
    { event: 'started_at_latest', partitions: partitions.length, topics: Object.keys(byTopic), skippedRecords: skipped, skippedRecordsByTopic: byTopic },
    `Started ${partitions.length} partitions without stored progress at their end (auto.offset.reset = latest): ${skipped} earlier records are not mirrored`,
  );
}

/** The first of the three reset lines (`topic_reset_detected`, warn). */
export function logResetDetected(log: Logger, state: PartitionState, oldTopicId: string, newTopicId: string, lastMirroredOffset: number): void {
  log.warn(
    { event: 'topic_reset_detected', topic: state.topic, partition: state.partition, oldTopicId, newTopicId, lastMirroredOffset },
    `Topic reset detected for ${state.key} (topic ID ${oldTopicId} -> ${newTopicId})`,
  );
}

/** The second reset line (`topic_reset_handling`, info): where the new incarnation is mirrored from. */
export function logResetHandling(log: Logger, state: PartitionState, startOffset: number): void {
  log.info(
    { event: 'topic_reset_handling', topic: state.topic, partition: state.partition, startOffset },
    `Handling topic reset for ${state.key}. Seeking to beginning offset ${startOffset}`,
  );
}
