/**
 * Exactly-once mode of a mirror task (`exactly.once.source.support = enabled`; KIP-98, KIP-447, as KIP-618
 * does for Connect source tasks): when the open transaction of the target producer is committed, and what
 * happens when it cannot be.
 *
 * Commit cadence = the progress cadence: every `progress.flush.interval.ms` (default 1000), or once a
 * partition had `progress.flush.max.records` (500) records acknowledged since the last commit, and on
 * revocation and shutdown. A `read_committed` consumer of a remote topic sees a record only after its
 * commit, so this bounds the end-to-end latency those consumers see (≈ the interval + one commit round).
 *
 * One commit round ({@link TransactionCycle.commit}), run by the task's loop between iterations:
 * 1. every record produced is acknowledged (in the log, inside the transaction);
 * 2. the offset syncs are flushed (target side: into the transaction; source side: acknowledged there,
 *    which opens the listener's progress gate);
 * 3. the progress of every partition is written into the transaction at exactly its acknowledged position,
 *    and acknowledged — a progress record below the records it covers would re-copy them after a crash,
 *    so a round whose progress cannot be exact (gate closed, ownership fence) is not committed;
 * 4. `sendOffsetsToTransaction` with the membership consumer's group metadata (KIP-447): the offsets are
 *    the upstream next offsets of those partitions, on the remote partitions (metadata-free; the group
 *    never consumes); the coordinator refuses a member whose generation is gone (a zombie);
 * 5. `commitTransaction`, and the next transaction begins.
 *
 * A round that fails, or partitions the group declared LOST (their records may be in the open
 * transaction), abort the transaction — replacing the producer when it is unusable, whose
 * `initTransactions` with the same `transactional.id` aborts the old one — and then every partition is
 * dropped and adopted again from its COMMITTED progress (read read_committed), checks included: nothing is
 * ever written past committed state, and nothing committed is copied twice.
 *
 * Invariants (transaction-cycle.test.ts):
 * - A: a commit carries, for every partition with records in it, progress equal to its acknowledged position.
 * - B: after {@link TransactionCycle.poison}, the open transaction is aborted, never committed.
 * - C: after an abort, no partition state survives: each is re-adopted from committed progress.
 */
import type { Logger } from '../core/logger.ts';
import { TransactionError } from '../core/errors.ts';
import type { TargetTransactions, TransactionGroup, TransactionOffset } from '../kafka/target-transactions.ts';
import type { PartitionState } from '../partitions/partition-state.ts';

/** What a commit round needs from its mirror task (MirrorTask wires it). */
export interface TransactionCyclePort {
  /** The producer's transactions (undefined while the producer is being replaced). */
  transactions(): TargetTransactions | undefined;
  /** Partitions mirrored now (the table). */
  states(): Iterable<PartitionState>;
  /** Waits for every delivery report (with a deadline); false when some did not come or the writer failed. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Flushes the offset syncs (the flow listener), with a deadline. */
  flushSyncs(): Promise<void>;
  /** Writes the progress of `states` into the transaction (through the fence and the sync gate). */
  writeProgress(states: readonly PartitionState[]): Promise<void>;
  /** Waits (with a deadline) until every progress / sync record sent into the transaction is acknowledged. */
  flushInternal(timeoutMs: number): Promise<boolean>;
  /** Remote topic of a source topic. */
  remoteTopic(topic: string): string;
  /** The membership whose generation fences the commit (undefined without a group). */
  group(): TransactionGroup | undefined;
  /** Whether the ownership lease is in doubt now (partition-ownership.ts): no commit then. */
  fenced(): boolean;
  /** Replaces the producer (its open transaction is aborted by the new one's initTransactions). Throws when it cannot connect. */
  replaceProducer(): Promise<void>;
  /** Drops every partition state and adopts the partitions again from committed progress. Throws (retried by the loop). */
  readoptFromCommitted(): Promise<void>;
}

/** Options of {@link TransactionCycle}; ms. */
export interface TransactionCycleOptions {
  port: TransactionCyclePort;
  /** `progress.flush.interval.ms`. */
  commitIntervalMs: number;
  /** `transaction.timeout.ms`: the deadline of each step. */
  transactionTimeoutMs: number;
  clock: () => number;
  logger: Logger;
}

/** Outcome of one {@link TransactionCycle.commit}. */
export type CommitOutcome = 'committed' | 'nothing' | 'deferred' | 'aborted';

/** Commits and aborts the transactions of one exactly-once mirror task. See the module doc. */
export class TransactionCycle {
  private readonly o: TransactionCycleOptions;
  private readonly log: Logger;
  private lastCommitAtMs: number;
  private requested = false;
  /** Why the open transaction must be aborted (LOST partitions), if it must. */
  private poisoned: string | undefined;
  /** Whether a rewind is still owed after an abort (the re-adoption failed and is retried). */
  private readoptOwed = false;
  /** Set by {@link finish}: an abort does not replace the producer nor re-adopt anything. */
  private closing = false;
  /** Commits and aborts so far (status, tests). */
  readonly counts = { committed: 0, aborted: 0 };

  constructor(options: TransactionCycleOptions) {
    this.o = options;
    this.log = options.logger;
    this.lastCommitAtMs = options.clock();
  }

  /** The record-count trigger (`progress.flush.max.records`) fired: commit at the next opportunity. */
  readonly request = (): void => {
    this.requested = true;
  };

  /** The open transaction may hold records of partitions this task no longer owns (LOST): it will be aborted, never committed (invariant B). */
  poison(reason: string): void {
    this.poisoned ??= reason;
  }

  /** Whether a commit round is due at `nowMs` (interval, record-count trigger), or an abort/rewind is owed. */
  due(nowMs: number): boolean {
    return this.requested || this.poisoned !== undefined || this.readoptOwed || nowMs - this.lastCommitAtMs >= this.o.commitIntervalMs;
  }

  /**
   * One commit round (module doc) for the table's partitions plus `leaving` (partitions being revoked, out
   * of the table already). Resolves `committed`, `nothing` (no transaction open), `deferred` (the lease is in
   * doubt or progress cannot be exact yet: the transaction stays open), or `aborted` (then every partition was
   * re-adopted from committed progress, or that is retried). Throws only what the re-adoption throws.
   */
  async commit(leaving: readonly PartitionState[] = []): Promise<CommitOutcome> {
    const p = this.o.port;
    if (this.readoptOwed) return this.readopt();
    if (this.poisoned !== undefined) return this.abort(this.poisoned);
    const tx = p.transactions();
    if (!tx) return 'nothing';
    if (p.fenced()) return 'deferred';
    const t0 = this.o.clock();
    const timeoutMs = this.o.transactionTimeoutMs;
    try {
      if (!(await p.drain(timeoutMs))) return await this.abort('records of the transaction were not all acknowledged');
      await p.flushSyncs();
      const states = [...p.states(), ...leaving];
      await p.writeProgress(states);
      if (!(await p.flushInternal(timeoutMs))) return await this.abort('progress records of the transaction were not all acknowledged');
      const behind = states.filter((s) => s.persistedNextOffset !== s.ackedNextOffset);
      if (behind.length > 0) {
        this.log.debug({ partitions: behind.map((s) => s.key) }, 'commit deferred: progress cannot be written at the acknowledged position yet (offset-sync gate or ownership fence)');
        return 'deferred';
      }
      if (this.poisoned !== undefined) return await this.abort(this.poisoned);
      const offsets: TransactionOffset[] = states.map((s) => ({ topic: p.remoteTopic(s.topic), partition: s.partition, offset: s.persistedNextOffset }));
      await tx.commit(offsets, p.group(), timeoutMs);
    } catch (err) {
      return this.abort(describe(err), err);
    }
    this.requested = false;
    this.lastCommitAtMs = this.o.clock();
    this.counts.committed++;
    this.log.debug({ event: 'transaction_committed', partitions: [...p.states()].length + leaving.length, durationMs: this.lastCommitAtMs - t0 }, 'transaction committed');
    return 'committed';
  }

  /** Aborts the open transaction (or replaces the producer) and re-adopts every partition from committed progress (invariant C). */
  async abort(reason: string, cause?: unknown): Promise<CommitOutcome> {
    const p = this.o.port;
    const fencedZombie = cause instanceof TransactionError && cause.stage === 'send-offsets';
    this.log.warn(
      { event: 'transaction_aborted', reason, err: cause, fencedZombie, kafkaCode: cause instanceof TransactionError ? cause.kafkaCode : undefined },
      fencedZombie
        ? `Transaction aborted: the group refused this instance's generation (a newer owner has its partitions; KIP-447): ${reason}`
        : `Transaction aborted: ${reason}; every partition resumes from its committed progress`,
    );
    this.poisoned = undefined;
    this.requested = false;
    this.counts.aborted++;
    const tx = p.transactions();
    let replace = !tx || cause instanceof TransactionError && cause.producerUnusable;
    if (!replace) {
      try {
        // In-flight records must be reported before the abort purges them (their reports would read as failures).
        replace = !(await p.drain(Math.min(5000, this.o.transactionTimeoutMs))) || (await tx!.abort(this.o.transactionTimeoutMs), false);
      } catch (err) {
        this.log.warn({ err }, 'abortTransaction failed; replacing the producer (its initTransactions aborts the open transaction)');
        replace = true;
      }
    }
    if (this.closing) return 'aborted'; // a transaction left open is aborted by the restarted instance's initTransactions, or times out
    this.readoptOwed = true;
    if (replace) await p.replaceProducer();
    return this.readopt();
  }

  /**
   * The task stops: commits the open transaction when `commit` (a clean stop), else aborts it (the task
   * failed: what it produced since the last commit must not become visible). Nothing is re-adopted.
   */
  async finish(commit: boolean): Promise<CommitOutcome> {
    if (commit && this.poisoned === undefined && !this.readoptOwed) {
      this.closing = true;
      const outcome = await this.commit();
      if (outcome !== 'deferred') return outcome;
      return this.abort('the final commit could not carry exact progress');
    }
    this.closing = true;
    return this.abort(this.poisoned ?? 'the task stopped on a failure');
  }

  private async readopt(): Promise<CommitOutcome> {
    await this.o.port.readoptFromCommitted();
    this.readoptOwed = false;
    this.lastCommitAtMs = this.o.clock();
    return 'aborted';
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
