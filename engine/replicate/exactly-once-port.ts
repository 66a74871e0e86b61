/**
 * The mirror task's side of the exactly-once mode (transaction-cycle.ts): the {@link TransactionCyclePort}
 * over the task's writer, partition table, progress store, checks and offset-sync hooks, and the
 * re-adoption of every partition from committed progress after an abort. Kept out of mirror-task.ts, which
 * only wires it.
 */
import type { Logger } from '../core/logger.ts';
import type { TopicPartition } from '../kafka/kafka-admin.ts';
import type { TransactionGroup } from '../kafka/target-transactions.ts';
import type { TransactionSink } from '../kafka/transaction-sink.ts';
import type { PartitionOwnership } from '../partitions/partition-ownership.ts';
import type { PartitionState } from '../partitions/partition-state.ts';
import type { PartitionTable } from '../partitions/partition-table.ts';
import type { MirrorListener } from './mirror-listener.ts';
import type { TaskProgressStore } from './mirror-task-settings.ts';
import type { HandoverHooks } from './partition-handover.ts';
import type { TargetWriter } from './target-writer.ts';
import type { TransactionCycle, TransactionCyclePort } from './transaction-cycle.ts';

/** The task collaborators the port works on; functions where the task creates them later or replaces them. */
export interface ExactlyOncePortParts {
  writer: () => TargetWriter;
  /** With `data.path = batches`: the batch path, whose batches are in the same transaction (drained with the writer). */
  batches?: () => { drain(timeoutMs: number): Promise<boolean> } | undefined;
  table: PartitionTable;
  ownership: PartitionOwnership;
  store: TaskProgressStore;
  /** Adopts partitions as on assignment (PartitionChecks.adoptAssigned, no lost states). */
  adopt: (partitions: readonly TopicPartition[]) => Promise<void>;
  hooks: HandoverHooks | undefined;
  listener: MirrorListener | undefined;
  sink: TransactionSink | undefined;
  remoteTopic: (topic: string) => string;
  group: () => TransactionGroup | undefined;
  /** Writes the progress of `states` through the fence and the offset-sync gate (ProgressWriter.flushAll). */
  writeProgress: (states: readonly PartitionState[]) => Promise<void>;
  /** Re-assigns the source consumer to the table now; and asks the loop to do it again. */
  reassignNow: () => void;
  requestReassign: () => void;
  /** Epoch ms. */
  clock: () => number;
  logger: Logger;
}

/** The {@link TransactionCyclePort} of one mirror task. */
export function exactlyOncePort(p: ExactlyOncePortParts): TransactionCyclePort {
  /** Partitions dropped by an abort and not yet adopted again (a failed re-adoption is retried). */
  let pending: TopicPartition[] = [];
  return {
    transactions: () => p.writer().transactions,
    states: () => p.table.values(),
    drain: async (timeoutMs) => {
      const writer = p.writer();
      if (writer.failure) return false;
      const [, batchesDrained] = await Promise.all([writer.drain(timeoutMs), p.batches?.()?.drain(timeoutMs) ?? true]);
      return batchesDrained && !writer.failure && [...p.table.values()].every((s) => s.inFlight === 0);
    },
    flushSyncs: async () => void (await (p.listener?.flushForCommit ? p.listener.flushForCommit() : p.listener?.flush?.())),
    writeProgress: (states) => p.writeProgress(states),
    flushInternal: async (timeoutMs) => (p.sink ? p.sink.flush(timeoutMs) : true),
    remoteTopic: p.remoteTopic,
    group: p.group,
    fenced: () => p.ownership.fenced(p.clock()),
    replaceProducer: async () => {
      p.sink?.bind(undefined);
      await p.writer().resume(false); // the new producer's initTransactions aborts the old one's transaction
      p.sink?.bind(p.writer().transactions);
    },
    /**
     * Drops every partition state (their positions may be past committed state) and adopts the partitions
     * again as on assignment — committed progress re-read (read_committed), checks run, offset syncs restarted
     * as a new series. Throws what adoption throws; the partitions stay pending and it is retried.
     */
    readoptFromCommitted: async () => {
      const states = [...p.table.values()];
      for (const s of states) p.table.remove(s.key);
      if (states.length > 0) {
        p.hooks?.afterRelease?.(states, true);
        pending.push(...states.map((s) => ({ topic: s.topic, partition: s.partition })));
        p.reassignNow();
      }
      const partitions = pending.filter((tp) => p.ownership.owns(tp.topic, tp.partition));
      if (partitions.length > 0) {
        await p.store.reload?.(partitions);
        await p.hooks?.beforeAdopt?.(partitions);
        await p.adopt(partitions);
      }
      pending = [];
      p.requestReassign();
      p.logger.info({ event: 'partitions_readopted', partitions: partitions.map((tp) => `${tp.topic}-${tp.partition}`) }, `Resumed ${partitions.length} partitions from their committed progress`);
    },
  };
}

/**
 * Exactly-once revocation: the leaving partitions' records commit with their progress now, or the
 * transaction is aborted — never left open for a later commit that the new owner's copies would duplicate.
 */
export async function commitReleasing(cycle: TransactionCycle, leaving: readonly PartitionState[]): Promise<void> {
  if ((await cycle.commit(leaving)) !== 'deferred') return;
  cycle.poison('revoked partitions could not commit');
  await cycle.commit();
}
