/**
 * The partitions one mirror task knows about: their states (by `topic-partition` key, and by topic
 * indexed by partition for the per-record lookup), the incarnation of every tracked source topic, the
 * partition counts taken into account so far, and which partitions the task owns (`tasks.max`).
 * Shared by the replicate loop (reads it per record) and the partition checks (change it).
 *
 * Invariants (asserted by partition-table.test.ts):
 * - A: a state is in {@link PartitionTable.get} under its key iff it is in {@link PartitionTable.statesOf}
 *   of its topic at its partition index; at most one state per topic partition.
 * - B: {@link PartitionTable.partitionCount} of a topic never decreases.
 * - C: only owned partitions get a state ({@link PartitionTable.add} throws otherwise); a state leaves the
 *   table only by {@link PartitionTable.remove} (its partition moved to another group member).
 */
import type { TopicDescription } from '../kafka/kafka-admin.ts';
import type { PartitionState } from './partition-state.ts';
import { PartitionOwnership } from './partition-ownership.ts';

/** Partition states and topic incarnations of one mirror task. */
export class PartitionTable {
  /** Which partitions of the flow this task owns (the group's assignment, or the whole flow). */
  readonly ownership: PartitionOwnership;
  private readonly byKey = new Map<string, PartitionState>();
  /** The same states by topic, indexed by partition: the per-record lookup, without building a `topic-partition` key. */
  private readonly byTopic = new Map<string, (PartitionState | undefined)[]>();
  /** Source topic → incarnation being mirrored (undefined while the topic is missing). */
  private readonly topics = new Map<string, TopicDescription | undefined>();
  /** Source topic → partitions taken into account so far (owned by this task or not; the highest count seen). */
  private readonly counts = new Map<string, number>();

  /** `ownership` (default: the whole flow) decides which partitions get a state. */
  constructor(ownership: PartitionOwnership = new PartitionOwnership()) {
    this.ownership = ownership;
  }

  /** Partition states by `topic-partition`, in the order added. */
  get states(): ReadonlyMap<string, PartitionState> {
    return this.byKey;
  }

  /** Number of partition states. */
  get size(): number {
    return this.byKey.size;
  }

  /** The state of `topic-partition` `key`, if any. */
  get(key: string): PartitionState | undefined {
    return this.byKey.get(key);
  }

  /** Every partition state, in the order added. */
  values(): IterableIterator<PartitionState> {
    return this.byKey.values();
  }

  /** The states of `topic` indexed by partition (holes: partitions without a state); undefined for an unknown topic. One Map lookup: the hot path's. */
  statesOf(topic: string): readonly (PartitionState | undefined)[] | undefined {
    return this.byTopic.get(topic);
  }

  /** The states of `topic` in partition order (empty for an unknown topic). */
  partitionsOf(topic: string): PartitionState[] {
    const states: PartitionState[] = [];
    for (const s of this.byTopic.get(topic) ?? []) if (s !== undefined) states.push(s);
    return states;
  }

  /** Adds the state of a new topic partition. Throws when the partition is not owned or already has a state (invariants A, C). */
  add(state: PartitionState): void {
    if (!this.owns(state.topic, state.partition)) throw new Error(`partition ${state.key} is not owned by this task (not in its group assignment)`);
    if (this.byKey.has(state.key)) throw new Error(`partition ${state.key} already has a state`);
    this.byKey.set(state.key, state);
    let byPartition = this.byTopic.get(state.topic);
    if (byPartition === undefined) this.byTopic.set(state.topic, (byPartition = []));
    byPartition[state.partition] = state;
  }

  /** Removes the state of `key` (its partition moved to another member); returns it, if there was one (invariant C). */
  remove(key: string): PartitionState | undefined {
    const state = this.byKey.get(key);
    if (state === undefined) return undefined;
    this.byKey.delete(key);
    const byPartition = this.byTopic.get(state.topic);
    if (byPartition !== undefined) byPartition[state.partition] = undefined;
    return state;
  }

  /** Whether this task owns `partition` of `topic` (always without a group). */
  owns(topic: string, partition: number): boolean {
    return this.ownership.owns(topic, partition);
  }

  /** The incarnation being mirrored for a topic (undefined when missing or unknown). One Map lookup. */
  knownTopic(topic: string): TopicDescription | undefined {
    return this.topics.get(topic);
  }

  /** Records the incarnation of a topic (undefined = missing); the topic is tracked from then on. */
  setKnownTopic(topic: string, description: TopicDescription | undefined): void {
    this.topics.set(topic, description);
  }

  /** Whether `topic` is tracked (known, possibly missing right now). */
  isTracked(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** Names of every source topic tracked, missing ones included. */
  trackedTopics(): string[] {
    return [...this.topics.keys()];
  }

  /** How many partitions of `topic` were taken into account so far, owned or not (0 for a new topic). */
  partitionCount(topic: string): number {
    return this.counts.get(topic) ?? 0;
  }

  /** Whether every partition taken into account of every tracked topic is owned (always true without a group). */
  ownsEveryPartition(): boolean {
    for (const topic of this.topics.keys()) {
      for (let p = 0; p < this.partitionCount(topic); p++) if (!this.owns(topic, p)) return false;
    }
    return true;
  }

  /** Notes that partitions below `count` of `topic` were taken into account (invariant B: never decreases). */
  notePartitionCount(topic: string, count: number): void {
    this.counts.set(topic, Math.max(count, this.partitionCount(topic)));
  }
}
