/**
 * Which source partitions an engine task mirrors when a flow runs with `tasks.max` > 1.
 *
 * MM2 spreads a connector's partitions over its tasks round-robin from one sorted list held by the
 * Connect leader (MirrorSourceConnector.taskConfigs), and reassigns everything when that list changes.
 * Our tasks are independent processes with no leader, so the assignment is a pure function of the
 * partition alone and never moves a partition when topics or partitions are added:
 *
 *     owner(topic, partition) = (FNV-1a-32(UTF-8 topic) + partition) mod tasks.max
 *
 * Adding the partition number spreads the partitions of each topic evenly (consecutive partitions go to
 * consecutive tasks: 6 partitions over 2 tasks are 3 + 3); the topic hash rotates where each topic starts,
 * so many small topics do not all land on task 0. Every partition has exactly one owner, so the tasks'
 * progress records, offset syncs and checkpoints (all keyed per partition) never collide.
 */

/** The part of a flow one task mirrors: task `index` of `count` (0 ≤ index < count). */
export interface TaskAssignment {
  readonly index: number;
  readonly count: number;
}

/** The whole flow in one task (`tasks.max` = 1, and library use). */
export const WHOLE_FLOW: TaskAssignment = Object.freeze({ index: 0, count: 1 });

/** 32-bit FNV-1a over the UTF-8 bytes of `text`, as an unsigned integer. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Index of the task (0 ≤ result < `count`) that mirrors `partition` of `topic`. Throws RangeError for count < 1. */
export function ownerTask(topic: string, partition: number, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`task count must be a positive integer, got ${count}`);
  return (fnv1a32(topic) + partition) % count;
}

/** Whether `assignment` mirrors `partition` of `topic`. */
export function ownsPartition(assignment: TaskAssignment, topic: string, partition: number): boolean {
  return assignment.count === 1 || ownerTask(topic, partition, assignment.count) === assignment.index;
}
