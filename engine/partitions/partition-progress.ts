/**
 * How a partition's position reaches the progress store (engine/progress/progress-store.ts): the
 * store operations the mirror path uses, as a port, and the one way to write a partition's progress.
 */
import type { ProgressRecord } from '../progress/progress-store.ts';
import type { PartitionState } from './partition-state.ts';

/** The progress-store operations of the mirror path (ProgressStore satisfies it). Offsets are upstream offsets. */
export interface ProgressPort {
  /** The record of one incarnation (`topicId`) of a partition, if any. */
  get(topic: string, partition: number, topicId: string): ProgressRecord | undefined;
  /** Every recorded incarnation of a partition, oldest first (empty when never mirrored). */
  incarnations(topic: string, partition: number): readonly ProgressRecord[];
  /** Writes a record; the in-memory view changes at once, the write completes asynchronously (errors surface on the store's flush). */
  write(record: Omit<ProgressRecord, 'sourceCluster' | 'updatedAt'> & { updatedAt?: string }): Promise<void>;
  /**
   * The fence (engine/partitions/partition-ownership.ts): whether progress of `partition` of `topic` may be
   * written now. Absent: always. {@link persistProgress} writes nothing when it says no.
   */
  mayWrite?(topic: string, partition: number): boolean;
}

/**
 * Writes the progress of `state` now, gaps included: next offset `nextOffset` (default: the acknowledged
 * position) of its current incarnation, mirrored to `remoteTopic`; remembers it as persisted. Writes
 * nothing (and remembers nothing) when the store's fence says no ({@link ProgressPort.mayWrite}).
 */
export function persistProgress(store: ProgressPort, state: PartitionState, remoteTopic: string, nextOffset = state.ackedNextOffset): Promise<void> {
  if (store.mayWrite && !store.mayWrite(state.topic, state.partition)) return Promise.resolve();
  state.persistedNextOffset = nextOffset;
  return store.write({ topic: state.topic, partition: state.partition, topicId: state.topicId, nextOffset, remoteTopic, gaps: state.gaps });
}
