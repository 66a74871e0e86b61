/**
 * Exactly-once on the batch data path: the transaction state of the batch producer's TRANSACTIONAL identity
 * (KIP-98), driven with the coordinator requests a Java producer's `TransactionManager` sends, over a small
 * port ({@link TxnProtocol}; ./txn-protocol.ts speaks it on @platformatic/kafka connections, unit tests fake it).
 *
 * Protocol (transaction version 1 on the wire: AddPartitionsToTxn v3, AddOffsetsToTxn v4, TxnOffsetCommit v4,
 * EndTxn v4, Produce v11 — KIP-890 part 2's transaction version 2 starts at EndTxn v5 / Produce v12, whose
 * epoch bump per transaction would invalidate our sequences; measured against the pinned 4.1.1 brokers: the
 * epoch stays across commits with these versions, test/exactly-once.int.test.ts commits without an abort):
 * - InitProducerId v5 with the `transactional.id` and `transaction.timeout.ms` to the transaction coordinator
 *   gives the producer id and a new epoch; it fences older epochs of the id and aborts (or completes) the
 *   transaction they left open (`TransactionCoordinator.handleInitProducerId`).
 * - Before the first batch to a partition in a transaction: AddPartitionsToTxn (the broker refuses a
 *   transactional batch to a partition not added, KIP-890 part 1 verification). {@link enlist} does it once per
 *   partition and transaction; every batch of the partition waits for it.
 * - Commit round (engine/replicate/transaction-cycle.ts calls {@link commit} once every record of the
 *   transaction was acknowledged): AddOffsetsToTxn(group) to the transaction coordinator, TxnOffsetCommit with
 *   the membership consumer's member id and generation to the group coordinator (KIP-447: a zombie whose
 *   generation is gone is refused there: ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID), then
 *   EndTxn(commit). {@link abort}: EndTxn(abort). Nothing added (no partition, no offsets): no EndTxn (the
 *   coordinator answers INVALID_TXN_STATE for an empty transaction).
 * - Retriable answers (coordinator moving or loading, CONCURRENT_TRANSACTIONS while the previous transaction's
 *   markers are written, a failed request) are retried with backoff within the step's deadline.
 *
 * Invariants (batch-transactions.test.ts):
 * - A: a transaction whose records may be gone — a new epoch was taken while it had partitions
 *   ({@link init} without `fresh`), or a write into it failed ({@link doom}) — is never committed: {@link commit}
 *   throws until {@link abort} ran.
 * - B: a failed EndTxn leaves the transaction counted as open, so the {@link abort} that follows sends
 *   EndTxn(abort) instead of letting the next records join the same coordinator-side transaction.
 * - C: {@link enlist} answers for the identity it was asked with: a batch signed with an older epoch is
 *   never added to the new epoch's transaction (it gets INVALID_PRODUCER_EPOCH and is renumbered).
 */
import { TransactionError } from '../../core/errors.ts';
import type { TransactionGroup, GroupMemberMetadata, TransactionOffset } from '../target-transactions.ts';

/** The producer identity a coordinator request is sent for. */
export interface TxnIdentity {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

/**
 * The coordinator requests of a transactional producer (Kafka protocol guide; KIP-98, KIP-447). Each resolves
 * with the Kafka error code of the answer (0 success; the worst partition's code for per-partition answers)
 * or -1 when the request failed (connection, timeout); none rejects.
 */
export interface TxnProtocol {
  /** InitProducerId v5 to the transaction coordinator of `transactionalId`. */
  initProducerId(transactionalId: string, transactionTimeoutMs: number): Promise<{ errorCode: number; producerId: number; producerEpoch: number }>;
  /** AddPartitionsToTxn v3: `partitions` of `topic` join the open transaction. */
  addPartitions(t: TxnIdentity, topic: string, partitions: readonly number[]): Promise<number>;
  /** AddOffsetsToTxn: the group's offsets partition joins the transaction. */
  addOffsets(t: TxnIdentity, groupId: string): Promise<number>;
  /** TxnOffsetCommit v4 to the group coordinator, carrying the member's id and generation (KIP-447). */
  txnOffsetCommit(t: TxnIdentity, member: GroupMemberMetadata, offsets: readonly TransactionOffset[]): Promise<number>;
  /** EndTxn v4: commit (`commit` true) or abort the open transaction. */
  endTxn(t: TxnIdentity, commit: boolean): Promise<number>;
}

/** Options of {@link BatchTransactions}. */
export interface BatchTransactionsOptions {
  protocol: TxnProtocol;
  /** `transactional.id`: stable per instance slot (engine/runtime/mirror-engine.ts). */
  transactionalId: string;
  /** `transaction.timeout.ms`: the coordinator aborts a transaction open longer. */
  transactionTimeoutMs: number;
  /** Waits `ms` (backoff); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/** Kafka codes a coordinator request is retried on (TransactionManager's handlers): -1 request failed, 7 REQUEST_TIMED_OUT, 13 NETWORK_EXCEPTION, 14/15/16 coordinator loading / unavailable / moved, 3 UNKNOWN_TOPIC_OR_PARTITION (metadata propagating), 51 CONCURRENT_TRANSACTIONS, 55 OPERATION_NOT_ATTEMPTED. */
export const RETRIABLE_TXN_CODES: ReadonlySet<number> = new Set([-1, 3, 7, 13, 14, 15, 16, 51, 55]);

/** Kafka codes after which the producer identity is unusable (take a new one): 47 INVALID_PRODUCER_EPOCH, 48 INVALID_TXN_STATE, 49 INVALID_PRODUCER_ID_MAPPING, 53 TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 90 PRODUCER_FENCED. */
export const UNUSABLE_TXN_CODES: ReadonlySet<number> = new Set([47, 48, 49, 53, 90]);

/** Kafka INVALID_PRODUCER_EPOCH (47): what {@link BatchTransactions.enlist} answers for a batch of a replaced identity. */
const INVALID_PRODUCER_EPOCH = 47;

/** The transaction state of one transactional batch producer. See the module doc. */
export class BatchTransactions {
  private readonly o: BatchTransactionsOptions;
  private readonly sleep: (ms: number) => Promise<void>;
  private current = { producerId: -1, producerEpoch: -1 };
  /** `topic\0partition` → the AddPartitionsToTxn answer for the open transaction (shared by every batch of the partition). */
  private enlisted = new Map<string, Promise<number>>();
  private offsetsAdded = false;
  /** Why the open transaction must be aborted (invariant A), if it must. */
  private doomedBy: string | undefined;
  /** Resolves once a running EndTxn finished: enlisting waits for it (the next transaction starts after). */
  private ending: Promise<unknown> | undefined;

  constructor(options: BatchTransactionsOptions) {
    this.o = options;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The producer id and epoch batches are signed with ({@link init} first). */
  get identity(): { producerId: number; producerEpoch: number } {
    return this.current;
  }

  /** Whether anything was added to the open transaction (a partition or a group's offsets). */
  get open(): boolean {
    return this.enlisted.size > 0 || this.offsetsAdded;
  }

  /** Why the open transaction can only be aborted, if so. */
  get doomed(): string | undefined {
    return this.doomedBy;
  }

  /**
   * InitProducerId with the transactional id: a new epoch (the coordinator aborts what an older epoch left
   * open). Without `fresh` (a batch lane asked for a new identity after OUT_OF_ORDER_SEQUENCE_NUMBER /
   * UNKNOWN_PRODUCER_ID / INVALID_PRODUCER_EPOCH), an open transaction is doomed: its acknowledged records were
   * just aborted (invariant A). `fresh`: the caller re-adopts from committed progress anyway (start, producer
   * replacement after an abort). Throws TransactionError(init) when the coordinator refuses or `timeoutMs` passes.
   */
  async init(timeoutMs: number, fresh: boolean): Promise<{ producerId: number; producerEpoch: number }> {
    const deadline = Date.now() + timeoutMs;
    let answer!: { errorCode: number; producerId: number; producerEpoch: number };
    await this.retry(deadline, async () => (answer = await this.o.protocol.initProducerId(this.o.transactionalId, this.o.transactionTimeoutMs)).errorCode);
    if (answer.errorCode !== 0) {
      throw new TransactionError(`transaction init failed: InitProducerId for transactional id ${this.o.transactionalId} answered Kafka error code ${answer.errorCode}`, { stage: 'init', producerUnusable: true, kafkaCode: answer.errorCode });
    }
    if (!fresh && this.open) this.doomedBy ??= 'a new producer epoch (InitProducerId) aborted the open transaction';
    this.current = { producerId: answer.producerId, producerEpoch: answer.producerEpoch };
    this.enlisted = new Map();
    this.offsetsAdded = false;
    if (fresh) this.doomedBy = undefined;
    return this.current;
  }

  /** A write into the open transaction failed for good: it can only be aborted (invariant A). */
  doom(reason: string): void {
    this.doomedBy ??= reason;
  }

  /**
   * Adds `partition` of `topic` to the open transaction once (AddPartitionsToTxn), for a batch signed with
   * `identity`. Resolves 0 when the batch may be produced, else a Kafka code for the Produce result (47 for a
   * replaced identity, invariant C; a coordinator error; -1 when retries ran out). Never rejects.
   */
  async enlist(topic: string, partition: number, identity: { producerId: number; producerEpoch: number }, timeoutMs: number): Promise<number> {
    await this.ending;
    if (identity.producerId !== this.current.producerId || identity.producerEpoch !== this.current.producerEpoch) return INVALID_PRODUCER_EPOCH;
    const key = `${topic}\0${partition}`;
    let added = this.enlisted.get(key);
    if (added === undefined) {
      const map = this.enlisted;
      const t = this.txn();
      added = this.retry(Date.now() + timeoutMs, () => this.o.protocol.addPartitions(t, topic, [partition]));
      map.set(key, added);
      void added.then((code) => {
        if (code !== 0 && map.get(key) === added) map.delete(key); // asked again by the next batch
      });
    }
    return added;
  }

  /**
   * Commits the open transaction (see the module doc): with `group` and `offsets`, the offsets go to the
   * group first through TxnOffsetCommit with the member's id and generation (KIP-447), checked against the
   * local lost flag before and after. Throws TransactionError: `send-offsets` (refused: a zombie; kafkaCode),
   * `commit`; `producerUnusable` for codes after which only a new epoch helps. `timeoutMs` bounds each step.
   */
  async commit(offsets: readonly TransactionOffset[], group: TransactionGroup | undefined, timeoutMs: number): Promise<void> {
    if (this.doomedBy !== undefined) throw new TransactionError(`transaction commit refused: ${this.doomedBy}; it must be aborted`, { stage: 'commit', producerUnusable: false });
    if (group && offsets.length > 0) {
      assertMember(group);
      const member = group.metadata?.();
      if (!member) throw new TransactionError('transaction send-offsets refused locally: the membership consumer\'s member id and generation are not known (not joined, or its member id was reset)', { stage: 'send-offsets', producerUnusable: false });
      const deadline = Date.now() + timeoutMs;
      const t = this.txn();
      if (!this.offsetsAdded) {
        const code = await this.retry(deadline, () => this.o.protocol.addOffsets(t, member.groupId));
        if (code !== 0) throw failed('send-offsets', `AddOffsetsToTxn for group ${member.groupId}`, code);
        this.offsetsAdded = true;
      }
      const code = await this.retry(deadline, () => this.o.protocol.txnOffsetCommit(t, member, offsets));
      if (code !== 0) throw failed('send-offsets', `TxnOffsetCommit as member ${member.memberId} of generation ${member.generationId} of group ${member.groupId}`, code);
      assertMember(group);
    }
    await this.end(true, timeoutMs);
  }

  /** Aborts the open transaction (EndTxn(abort) when anything was added) and clears a doom. Throws TransactionError(abort). */
  async abort(timeoutMs: number): Promise<void> {
    await this.end(false, timeoutMs);
    this.doomedBy = undefined;
  }

  private async end(commit: boolean, timeoutMs: number): Promise<void> {
    if (!this.open) return;
    const t = this.txn();
    // Enlisting waits for this: a batch of the next transaction must not be added to the one ending.
    const ended = this.retry(Date.now() + timeoutMs, () => this.o.protocol.endTxn(t, commit));
    this.ending = ended;
    const code = await ended;
    if (this.ending === ended) this.ending = undefined;
    // Invariant B: a failed EndTxn leaves the transaction open for the abort that follows.
    if (code !== 0) throw failed(commit ? 'commit' : 'abort', `EndTxn(${commit ? 'commit' : 'abort'})`, code);
    this.enlisted = new Map();
    this.offsetsAdded = false;
  }

  private txn(): TxnIdentity {
    return { transactionalId: this.o.transactionalId, ...this.current };
  }

  /** Calls `request` until it answers a code that is not retriable, or until `deadlineMs` (epoch ms); resolves the last code. */
  private async retry(deadlineMs: number, request: () => Promise<number>): Promise<number> {
    for (let backoffMs = 20; ; backoffMs = Math.min(backoffMs * 2, 500)) {
      const code = await request();
      if (code === 0 || !RETRIABLE_TXN_CODES.has(code) || Date.now() + backoffMs > deadlineMs) return code;
      await this.sleep(backoffMs);
    }
  }
}

function failed(stage: TransactionError['stage'], what: string, code: number): TransactionError {
  return new TransactionError(`transaction ${stage} failed: ${what} answered Kafka error code ${code}`, { stage, producerUnusable: UNUSABLE_TXN_CODES.has(code), kafkaCode: code });
}

/** Throws TransactionError(send-offsets) when the member lost its assignment (librdkafka's lost flag; see TransactionGroup.lost). */
function assertMember(group: TransactionGroup): void {
  if (group.lost()) throw new TransactionError('transaction send-offsets refused locally: the group membership was lost (session expired); a newer member owns the partitions', { stage: 'send-offsets', producerUnusable: false });
}
