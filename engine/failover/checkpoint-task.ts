/**
 * The checkpoint task of one flow (MM2 `MirrorCheckpointTask`): every `emit.checkpoints.interval.seconds`
 * it reads the committed offsets of the source cluster's consumer groups (`groups` / `groups.exclude`,
 * group list refreshed every `refresh.groups.interval.seconds`), translates them with the flow's offset
 * syncs and writes MM2-format checkpoints to `<source>.checkpoints.internal` on the target — only when
 * one changed. With `sync.group.offsets.enabled` it also writes the translated offsets into the target's
 * consumer groups, only while a group has no members there and never backwards.
 *
 * Which checkpoints are emitted (as MM2's `checkpointIsMoreRecent`, decisions logged at debug with
 * their reason): the first for a group-partition; after an upstream rewind (the group was reset to an
 * earlier offset); when the downstream offset advanced. A checkpoint that would move the downstream
 * offset backwards without an upstream rewind is skipped (a store rebuilt after a restart translates
 * conservatively for a while; the target must not see the group jump back). On start the task reads the
 * checkpoints topic, so these rules hold across restarts.
 *
 * Partitions are skipped while the mirror task reports a topic reset waiting for its first record
 * (group offsets then refer to the new incarnation, the syncs still to the old one).
 *
 * Failback (with a {@link FailbackTranslator}): a group's offset in a topic that came FROM the target
 * (`primary.commit-log` read on the standby after a failover, for flow `standby->primary`) is translated
 * back with the reverse flow's syncs and checkpointed for the topic it came from (`commit-log`), as MM2's
 * `renameTopicPartition` names it; such topics are never mirrored (cycles), so the `topics` lists are
 * matched against either name. MM2 emits no such checkpoint (failback-syncs.ts says why).
 */
import type { Logger } from '../core/logger.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import type { ReplicationPolicy } from '../mm2/replication-policy.ts';
import type { GroupFilter, TopicFilter } from '../config/topic-filter.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';
import type { OffsetSyncStore } from './offset-sync-store.ts';
import type { InternalRecordSink } from '../kafka/record-sink.ts';
import { isInactive, type GroupAdmin, type GroupOffset, type GroupState } from '../kafka/consumer-groups.ts';
import { decodeCheckpoint, encodeCheckpointKey, encodeCheckpointValue, type Checkpoint } from '../mm2/checkpoint.ts';
import { readInternalTopic } from '../kafka/internal-topics.ts';
import type { FailbackTranslator } from './failback-syncs.ts';

/** What the checkpoint task needs from its flow's config (FlowConfig satisfies it). */
export interface CheckpointSettings {
  name: string;
  sourceAlias: string;
  /** Topics that came from this cluster are failback topics (see the module doc). */
  targetAlias: string;
  target: ClusterClientSettings;
  topicFilter: TopicFilter;
  groupFilter: GroupFilter;
  replicationPolicy: ReplicationPolicy;
  emitCheckpointsIntervalMs: number;
  refreshGroupsEnabled: boolean;
  refreshGroupsIntervalMs: number;
  syncGroupOffsetsEnabled: boolean;
  syncGroupOffsetsIntervalMs: number;
}

/** A source partition's mirroring status as the mirror task sees it (undefined: not mirrored by this engine). */
export type PartitionStatusLookup = (topic: string, partition: number) => { resetPending: boolean } | undefined;

/** Options of {@link CheckpointTask}. */
export interface CheckpointTaskOptions {
  settings: CheckpointSettings;
  store: OffsetSyncStore;
  sourceGroups: GroupAdmin;
  targetGroups: GroupAdmin;
  /** Producer for checkpoints on the target. */
  sink: InternalRecordSink;
  partitionStatus?: PartitionStatusLookup;
  /**
   * Whether this task checkpoints a source partition (default: all). With `tasks.max` > 1 each task
   * checkpoints the partitions it mirrors: its offset-sync store is current only for those.
   */
  owns?: (topic: string, partition: number) => boolean;
  /**
   * Whether this task emits the failback checkpoints (default true). No group member mirrors their
   * partitions (topics that came from the target), so {@link owns} cannot pick one: the engine lets one
   * process per instance emit them (FlowDuties.heartbeats); instances compute the same checkpoints from the
   * same syncs topic, so several instances only repeat identical records.
   */
  emitsFailback?: boolean;
  telemetry?: Telemetry;
  /** Translates offsets in topics that came from the target back to them (failback checkpoints); none = MM2's behaviour. */
  failback?: FailbackTranslator;
  logger: Logger;
  now?: () => number;
}

/** Groups whose committed offsets are fetched in parallel. */
const OFFSET_FETCH_CONCURRENCY = 8;

/** Why a checkpoint was emitted. */
type EmitReason = 'first for this group' | 'first for this partition' | 'upstream offset rewind' | 'downstream offset advanced';

/** Runs checkpoints (and optional group offset sync) for one flow. `start()`, then `stop()`. */
export class CheckpointTask {
  private readonly o: CheckpointTaskOptions;
  private readonly log: Logger;
  private readonly topic: string;
  private readonly now: () => number;
  /** group → `remoteTopic\0partition` → last checkpoint emitted (or read back at start). */
  private readonly last = new Map<string, Map<string, Checkpoint>>();
  /** group → partitions translated in the latest round (what group offset sync may write: still committed, still mirrored). */
  private readonly current = new Map<string, Set<string>>();
  private groups: string[] = [];
  private lastGroupRefreshAtMs = -Infinity;
  private lastGroupSyncAtMs = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastFailureLogAtMs = -Infinity;

  constructor(options: CheckpointTaskOptions) {
    this.o = options;
    this.log = options.logger;
    this.topic = options.settings.replicationPolicy.checkpointsTopic(options.settings.sourceAlias);
    this.now = options.now ?? Date.now;
  }

  /** Checkpoint topic name (`<source>.checkpoints.internal`). */
  get checkpointsTopic(): string {
    return this.topic;
  }

  /** The last checkpoint emitted per partition of `group` (remote topic names). */
  checkpointsOf(group: string): Checkpoint[] {
    return [...(this.last.get(group)?.values() ?? [])];
  }

  /** Reads back the checkpoints already on the target (so emission rules hold across restarts). Returns how many. */
  async load(): Promise<number> {
    let read = 0;
    await readInternalTopic(this.o.settings.target, this.topic, (r) => {
      if (!r.value) return;
      try {
        this.remember(decodeCheckpoint(r.key, r.value));
        read++;
      } catch {
        /* not a checkpoint (MM2 skips such records too) */
      }
    });
    return read;
  }

  /** Starts the periodic rounds (the first one right away). */
  start(): void {
    this.stopped = false;
    const loop = async (): Promise<void> => {
      if (this.stopped) return;
      this.running = this.runOnce().then(
        () => undefined,
        (err: unknown) => this.logFailure(err),
      );
      await this.running;
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.o.settings.emitCheckpointsIntervalMs);
    };
    void loop();
  }

  /**
   * Stops the rounds. Waits up to `graceMs` for the round in progress (a round stuck on an unreachable
   * source cluster would hold shutdown for the admin timeout; what it still sends is refused once the
   * producer is closed, and the next engine's first round catches up).
   */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }

  /** One round: refresh groups if due, emit changed checkpoints, sync group offsets if due. Throws on admin failures. */
  async runOnce(): Promise<number> {
    const s = this.o.settings;
    const now = this.now();
    if (this.groups.length === 0 || (s.refreshGroupsEnabled && now - this.lastGroupRefreshAtMs >= s.refreshGroupsIntervalMs)) {
      await this.refreshGroups(now);
    }
    let emitted = 0;
    // Committed offsets are one OffsetFetch per group: a few at a time, so a round stays short with many groups.
    for (let i = 0; i < this.groups.length; i += OFFSET_FETCH_CONCURRENCY) {
      const chunk = this.groups.slice(i, i + OFFSET_FETCH_CONCURRENCY);
      const offsets = await Promise.all(chunk.map((g) => this.o.sourceGroups.committedOffsets(g)));
      for (let j = 0; j < chunk.length; j++) emitted += await this.checkpointGroup(chunk[j]!, offsets[j]!);
    }
    if (s.syncGroupOffsetsEnabled && now - this.lastGroupSyncAtMs >= s.syncGroupOffsetsIntervalMs) {
      this.lastGroupSyncAtMs = now;
      await this.syncGroupOffsets();
    }
    return emitted;
  }

  private async refreshGroups(now: number): Promise<void> {
    const all = await this.o.sourceGroups.listGroups();
    const groups = all.map((g) => g.groupId).filter((g) => this.o.settings.groupFilter.shouldReplicateGroup(g)).sort();
    const added = groups.filter((g) => !this.groups.includes(g));
    if (added.length > 0) this.log.info({ groups: added }, `Checkpointing ${added.length} new consumer group(s): ${added.join(', ')}`);
    this.groups = groups;
    this.lastGroupRefreshAtMs = now;
  }

  /** Translates one group's committed offsets and emits the checkpoints that changed. Returns how many. */
  private async checkpointGroup(group: string, offsets: readonly GroupOffset[]): Promise<number> {
    const s = this.o.settings;
    let emitted = 0;
    const current = new Set<string>();
    this.current.set(group, current);
    let failbackRefreshed = false;
    for (const o of offsets) {
      const origin = this.failbackOrigin(o.topic);
      if (origin === undefined && !s.topicFilter.shouldReplicateTopic(o.topic)) continue;
      if (origin === undefined ? this.o.owns && !this.o.owns(o.topic, o.partition) : this.o.emitsFailback === false) continue;
      if (origin === undefined && this.o.partitionStatus?.(o.topic, o.partition)?.resetPending) continue;
      if (origin !== undefined && !failbackRefreshed) {
        await this.o.failback!.refresh();
        failbackRefreshed = true;
      }
      const translation = origin === undefined
        ? this.o.store.translate(o.topic, o.partition, o.offset)
        : this.o.failback!.translate(origin, o.partition, o.offset);
      if (!translation) continue; // no sync at or below the committed offset: nothing safe to say (as MM2)
      const checkpoint: Checkpoint = {
        group,
        topic: origin ?? s.replicationPolicy.formatRemoteTopic(s.sourceAlias, o.topic),
        partition: o.partition,
        upstreamOffset: o.offset,
        downstreamOffset: 'downstreamOffset' in translation ? translation.downstreamOffset : translation.upstreamOffset,
        metadata: o.metadata,
      };
      current.add(partitionKey(checkpoint.topic, checkpoint.partition));
      const reason = this.emitReason(checkpoint);
      if (!reason) continue;
      const createdAtMs = this.now();
      // MM2 checkpoint-latency-ms: creation → acknowledgement by the target (MirrorCheckpointTask.commitRecord).
      const onDelivery = (err: unknown): void => {
        if (!err) this.o.telemetry?.recordCheckpointLatency({ flow: s.name, group, topic: checkpoint.topic, partition: checkpoint.partition }, this.now() - createdAtMs);
      };
      if (!this.o.sink.send(this.topic, encodeCheckpointKey(checkpoint), encodeCheckpointValue(checkpoint), createdAtMs, onDelivery)) continue; // queue full: next round
      this.remember(checkpoint);
      this.o.telemetry?.recordCheckpoint({ flow: s.name });
      this.log.debug({ group, topic: checkpoint.topic, partition: checkpoint.partition, upstreamOffset: checkpoint.upstreamOffset, downstreamOffset: checkpoint.downstreamOffset, rule: translation.rule, reason, failback: origin !== undefined }, `Emitting checkpoint (${reason})`);
      emitted++;
    }
    return emitted;
  }

  /**
   * The topic `topic` came from when it is a failback topic of this flow: a remote topic one hop from the
   * target (`primary.commit-log` for flow `standby->primary` → `commit-log`), not internal nor heartbeats,
   * whose name or origin the `topics` lists include. Undefined otherwise, or without a failback translator.
   */
  private failbackOrigin(topic: string): string | undefined {
    const s = this.o.settings;
    const policy = s.replicationPolicy;
    if (!this.o.failback || policy.topicSource(topic) !== s.targetAlias) return undefined;
    const origin = policy.upstreamTopic(topic);
    if (origin === undefined || origin === topic || policy.isInternalTopic(topic) || policy.isHeartbeatsTopic(topic)) return undefined;
    return s.topicFilter.matchesLists(topic) || s.topicFilter.matchesLists(origin) ? origin : undefined;
  }

  /** MM2's `checkpointIsMoreRecent`, with the reason; undefined = skip. */
  private emitReason(c: Checkpoint): EmitReason | undefined {
    const group = this.last.get(c.group);
    if (!group) return 'first for this group';
    const previous = group.get(partitionKey(c.topic, c.partition));
    if (!previous) return 'first for this partition';
    if (c.upstreamOffset < previous.upstreamOffset) return 'upstream offset rewind';
    if (c.downstreamOffset > previous.downstreamOffset) return 'downstream offset advanced';
    if (c.downstreamOffset < previous.downstreamOffset) {
      this.log.trace({ group: c.group, topic: c.topic, partition: c.partition, downstreamOffset: c.downstreamOffset, previous: previous.downstreamOffset }, 'Skipping checkpoint (preventing downstream rewind)');
    }
    return undefined;
  }

  /**
   * Writes the latest checkpoints into the target's consumer groups that have no members there, for
   * partitions where the target group is behind (never backwards). The broker refuses a group that
   * became active meanwhile; it is skipped until the next round.
   */
  private async syncGroupOffsets(): Promise<void> {
    const groups = [...this.current.keys()].filter((g) => this.groups.includes(g) && (this.current.get(g)?.size ?? 0) > 0);
    if (groups.length === 0) return;
    const states = await this.o.targetGroups.groupStates(groups);
    for (const group of groups) {
      try {
        await this.syncGroup(group, states.get(group) ?? 'Dead');
      } catch (err) {
        this.logFailure(err); // one group's failure (e.g. its remote topic was just deleted) does not hold the others back
      }
    }
  }

  private async syncGroup(group: string, state: GroupState): Promise<void> {
    if (!isInactive(state)) {
      this.log.debug({ group, state }, `Not syncing offsets of group ${group}: it is ${state} on the target`);
      return;
    }
    const live = this.current.get(group) ?? new Set<string>();
    const current = new Map((await this.o.targetGroups.committedOffsets(group)).map((o) => [partitionKey(o.topic, o.partition), o.offset]));
    const behind = this.checkpointsOf(group).filter((c) => live.has(partitionKey(c.topic, c.partition)) && (current.get(partitionKey(c.topic, c.partition)) ?? -1) < c.downstreamOffset);
    if (behind.length === 0) return;
    const offsets = behind.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.downstreamOffset, metadata: c.metadata }));
    const outcome = await this.o.targetGroups.commitOffsets(group, offsets);
    if (outcome === 'group-active') {
      this.log.info({ group }, `Not syncing offsets of group ${group}: it became active on the target`);
      return;
    }
    this.log.info(
      { event: 'group_offsets_synced', group, offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, was: current.get(partitionKey(o.topic, o.partition)) ?? null })) },
      `Synced offsets of group ${group} on the target: ${offsets.map((o) => `${o.topic}-${o.partition}=${o.offset}`).join(', ')}`,
    );
  }

  private remember(c: Checkpoint): void {
    let group = this.last.get(c.group);
    if (!group) this.last.set(c.group, (group = new Map()));
    group.set(partitionKey(c.topic, c.partition), c);
  }

  private logFailure(err: unknown): void {
    const now = this.now();
    if (now - this.lastFailureLogAtMs < 30_000) return;
    this.lastFailureLogAtMs = now;
    this.log.warn({ err: (err as Error).message, status: 'DEGRADED' }, `checkpoint round failed (retried every ${this.o.settings.emitCheckpointsIntervalMs} ms): ${(err as Error).message}`);
  }
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
