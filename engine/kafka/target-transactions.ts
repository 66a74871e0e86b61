/**
 * Exactly-once on the target (issue 15; KIP-98 transactions, KIP-447 group-generation fencing, as
 * KIP-618 does for Connect source tasks): the transactional half of the target producer
 * (engine/kafka/target-producer.ts). One transaction is always open; the mirror task commits it at the
 * progress cadence (engine/replicate/transaction-cycle.ts) with the mirrored records, the progress
 * records and the target-side offset syncs in it, and the group metadata of the flow's membership
 * consumer (engine/kafka/group-membership.ts) attached through `sendOffsetsToTransaction`.
 *
 * Fencing (DESIGN.md invariant 8): `sendOffsetsToTransaction` makes the group coordinator on the target
 * check the member id and generation of the instance (TxnOffsetCommit, KIP-447). An instance frozen past
 * `session.timeout.ms` whose partitions went to another member is refused (ILLEGAL_GENERATION /
 * UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID): its transaction is aborted and none of its records become
 * visible to `read_committed` readers. The `transactional.id` is stable per instance slot
 * (`<group>-<instance id>-<task>`, engine/runtime/mirror-engine.ts), so a restarted instance's
 * `initTransactions` aborts what its killed predecessor left open at once, instead of read_committed readers
 * waiting `transaction.timeout.ms` for the coordinator to do it.
 *
 * With `data.path = batches` the task's {@link TargetTransactions} are the batch path's own instead
 * (engine/kafka/batch/batch-record-producer.ts over engine/kafka/batch/batch-transactions.ts: the same commit
 * round, sent as AddOffsetsToTxn / TxnOffsetCommit / EndTxn by the engine, the member id and generation taken
 * from {@link TransactionGroup.metadata}).
 *
 * librdkafka (2.15, INTRODUCTION.md "Transactional Producer"): `initTransactions` / `beginTransaction` /
 * `sendOffsetsToTransaction` / `commitTransaction` / `abortTransaction`; an error with `isTxnRequiresAbort`
 * leaves the transaction abortable, `isFatal` leaves the producer unusable (PRODUCER_FENCED, …).
 */
import type { KafkaConsumer, LibrdKafkaError, Producer } from '@confluentinc/kafka-javascript';
import { TransactionError } from '../core/errors.ts';

/** Called once an internal record sent into the transaction was acknowledged (`err` undefined) or failed. */
export type InternalDelivery = (err: { message: string; code?: number } | undefined) => void;

/** One offset sent to the group in a transaction: partition `partition` of `topic` (a remote topic), `offset`. */
export interface TransactionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * Whose group generation fences a commit: the flow's membership (GroupMembership.transactionGroup). Opaque
 * outside engine/kafka/.
 */
export interface TransactionGroup {
  /** The membership consumer (its `rd_kafka_consumer_group_metadata` is read at send time). */
  readonly consumer: unknown;
  /**
   * Whether librdkafka considers the assignment lost (`rd_kafka_assignment_lost`: session timed out, member
   * expelled). Checked before and after `sendOffsetsToTransaction`: once librdkafka reset the member id and
   * generation (-1) on losing the group, the coordinator would accept a transactional offset commit without a
   * generation check (ClassicGroup.validateOffsetCommit: generation < 0 and no member id), so the lost flag —
   * set in the same librdkafka step, before the rebalance callback reaches us — closes that window.
   */
  lost(): boolean;
  /**
   * The member id and generation the consumer holds now (what librdkafka's `rd_kafka_consumer_group_metadata`
   * carries), for a producer that sends TxnOffsetCommit itself (the batch path's transactions,
   * engine/kafka/batch/batch-transactions.ts). Undefined while not known (not joined yet, member id reset).
   */
  metadata?(): GroupMemberMetadata | undefined;
}

/**
 * A group member as TxnOffsetCommit v3+ names it (KIP-447): the coordinator refuses the offsets — and so the
 * transaction cannot commit them — unless `memberId` is a current member and `generationId` the group's
 * generation (classic protocol; KIP-848 groups: the member epoch), else ILLEGAL_GENERATION (22) /
 * UNKNOWN_MEMBER_ID (25) / FENCED_INSTANCE_ID (82) / STALE_MEMBER_EPOCH (113).
 */
export interface GroupMemberMetadata {
  groupId: string;
  memberId: string;
  /** Classic protocol: the generation of the JoinGroup response; KIP-848: the member epoch. */
  generationId: number;
  /** `group.instance.id` (static membership, KIP-345), or null. */
  groupInstanceId: string | null;
}

/** The transactional operations of a target producer (present only in exactly-once mode). */
export interface TargetTransactions {
  /**
   * Sends one internal record (progress: `value` null for a tombstone; offset sync) to partition
   * `partition` of `topic` inside the open transaction. False when the local queue is full.
   */
  sendInternal(topic: string, partition: number, key: Buffer, value: Buffer | null, timestampMs: number, onDelivery?: InternalDelivery): boolean;
  /**
   * Commits the open transaction and begins the next one: with `group`, first
   * `sendOffsetsToTransaction(offsets, group)` (KIP-447 fencing; `offsets` must not be empty then). Throws
   * {@link TransactionError} (the transaction is then to be {@link abort}ed; `producerUnusable`: replace the
   * producer instead). `timeoutMs` bounds each step.
   */
  commit(offsets: readonly TransactionOffset[], group: TransactionGroup | undefined, timeoutMs: number): Promise<void>;
  /** Aborts the open transaction and begins the next one. Throws {@link TransactionError} (`producerUnusable`: replace it). */
  abort(timeoutMs: number): Promise<void>;
}

/** The librdkafka settings a transactional target producer adds (ms). */
export interface TransactionalSettings {
  /** `transactional.id`: stable per instance slot, unique among live instances. */
  transactionalId: string;
  /** `transaction.timeout.ms`; also the records' `message.timeout.ms` (librdkafka requires ≤). */
  transactionTimeoutMs: number;
}

/** The producer config entries of a transactional producer (librdkafka CONFIGURATION.md). */
export function transactionalProducerConfig(s: TransactionalSettings): Record<string, string | number | boolean> {
  return { 'transactional.id': s.transactionalId, 'transaction.timeout.ms': s.transactionTimeoutMs, 'message.timeout.ms': s.transactionTimeoutMs };
}

/** `initTransactions` (fences older producers with the same id, aborting their open transaction) then `beginTransaction`. Throws TransactionError. */
export async function initTransactions(producer: Producer, timeoutMs: number): Promise<void> {
  await step('init', (cb) => producer.initTransactions(timeoutMs, cb));
  await step('init', (cb) => producer.beginTransaction(cb));
}

/** {@link TargetTransactions} over an initialised rdkafka-style transactional Producer. */
export class RdTargetTransactions implements TargetTransactions {
  private readonly producer: Producer;

  constructor(producer: Producer) {
    this.producer = producer;
  }

  sendInternal(topic: string, partition: number, key: Buffer, value: Buffer | null, timestampMs: number, onDelivery?: InternalDelivery): boolean {
    try {
      // The opaque routes the delivery report to `onDelivery` instead of the mirrored records' handler (target-producer.ts).
      this.producer.produce(topic, partition, value, key, timestampMs, onDelivery ?? noop);
      return true;
    } catch (err) {
      if ((err as LibrdKafkaError).isFatal) throw transactionError('produce', err as LibrdKafkaError);
      return false;
    }
  }

  async commit(offsets: readonly TransactionOffset[], group: TransactionGroup | undefined, timeoutMs: number): Promise<void> {
    if (group && offsets.length > 0) {
      assertMember(group);
      await step('send-offsets', (cb) => this.producer.sendOffsetsToTransaction(offsets.map((o) => ({ ...o })), group.consumer as KafkaConsumer, timeoutMs, cb));
      assertMember(group);
    }
    await step('commit', (cb) => this.producer.commitTransaction(timeoutMs, cb));
    await step('commit', (cb) => this.producer.beginTransaction(cb));
  }

  async abort(timeoutMs: number): Promise<void> {
    await step('abort', (cb) => this.producer.abortTransaction(timeoutMs, cb));
    await step('abort', (cb) => this.producer.beginTransaction(cb));
  }
}

function noop(): void {}

/** Throws TransactionError(send-offsets) when the member lost its assignment: the commit must not go through. */
function assertMember(group: TransactionGroup): void {
  if (group.lost()) throw new TransactionError('transaction send-offsets refused locally: the group membership was lost (session expired); a newer member owns the partitions', { stage: 'send-offsets', producerUnusable: false });
}

function step(stage: TransactionError['stage'], call: (cb: (err: LibrdKafkaError) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      call((err) => (err ? reject(transactionError(stage, err)) : resolve()));
    } catch (err) {
      reject(transactionError(stage, err as LibrdKafkaError));
    }
  });
}

function transactionError(stage: TransactionError['stage'], err: LibrdKafkaError): TransactionError {
  // Not fatal and not abortable (a retriable timeout of commit/abort): librdkafka lets the same call be retried,
  // but the caller aborts instead, which is always allowed after a failed commit (KIP-98).
  return new TransactionError(`transaction ${stage} failed: ${err.message}`, { stage, producerUnusable: err.isFatal === true, kafkaCode: err.code }, { cause: err });
}
