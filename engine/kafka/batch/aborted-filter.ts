/**
 * read_committed on whole batches: drop the batches of aborted transactions and every control batch
 * (transaction markers), as the Java consumer does (`CompletedFetch.nextFetchedRecord`,
 * `consumeAbortedTransactionsUpTo`, `isBatchAborted` in apache/kafka clients). A Fetch with
 * isolation_level=1 stops at the last stable offset and lists, per partition, the aborted transactions
 * that overlap the returned range: `(producerId, firstOffset)` (Kafka protocol doc, Fetch response
 * `aborted_transactions`).
 *
 * Invariant: a batch of producer P is dropped iff it is transactional and an aborted transaction of P
 * with firstOffset ≤ the batch's last offset has been seen and its ABORT marker has not been passed yet.
 */
import { BATCH, isControlBatch, isTransactionalBatch, lastOffsetOf, type BatchHeader } from './record-batch.ts';
import { readVarint } from './varint.ts';

/** One entry of a Fetch response's `aborted_transactions` (int64s as numbers). */
export interface AbortedTransaction {
  producerId: number;
  /** First offset of the aborted transaction in this partition. */
  firstOffset: number;
}

/** Control record types (`ControlRecordType` in apache/kafka: key = version int16, type int16). */
export const CONTROL_TYPE = { ABORT: 0, COMMIT: 1 } as const;

/**
 * The control record type of a control batch (its first record's key), or -1 when the key cannot be
 * read (a compressed control batch — brokers write them uncompressed — or an unknown layout).
 */
export function controlType(batch: BatchHeader): number {
  if ((batch.attributes & 0x07) !== 0 || batch.recordCount < 1) return -1;
  const b = batch.bytes;
  let at: number = BATCH.HEADER_SIZE;
  at = readVarint(b, at).next; // record length
  at += 1; // attributes
  at = readVarint(b, at).next; // timestamp delta
  at = readVarint(b, at).next; // offset delta
  const keyLength = readVarint(b, at);
  if (keyLength.value < 4) return -1;
  return b.readInt16BE(keyLength.next + 2);
}

/**
 * Decides, batch by batch in offset order, which batches of ONE partition's fetch response a
 * read_committed mirror forwards. Create one per partition response (the aborted list is per response).
 */
export class AbortedTransactionFilter {
  /** Aborted transactions not yet reached, by firstOffset ascending. */
  private readonly pending: AbortedTransaction[];
  private next = 0;
  /** Producers whose aborted transaction is open at the current position. */
  private readonly aborting = new Set<number>();

  /** `aborted`: the partition's `aborted_transactions` (any order; null/empty for read_uncommitted). */
  constructor(aborted: readonly AbortedTransaction[] | null | undefined) {
    this.pending = aborted && aborted.length > 0 ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : [];
  }

  /**
   * Whether `batch` is forwarded: false for every control batch and for the batches of aborted
   * transactions; true otherwise. Call in offset order for every batch of the response.
   */
  keep(batch: BatchHeader): boolean {
    if (this.pending.length > 0 && batch.producerId >= 0) {
      const last = lastOffsetOf(batch);
      while (this.next < this.pending.length && this.pending[this.next]!.firstOffset <= last) {
        this.aborting.add(this.pending[this.next]!.producerId);
        this.next++;
      }
    }
    if (isControlBatch(batch)) {
      if (this.aborting.size > 0 && controlType(batch) === CONTROL_TYPE.ABORT) this.aborting.delete(batch.producerId);
      return false;
    }
    return !(isTransactionalBatch(batch) && this.aborting.has(batch.producerId));
  }
}
