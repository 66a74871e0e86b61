/**
 * Exactly-once: where the internal records that must commit with the mirrored records go — progress
 * (engine/progress/progress-store.ts) and the offset syncs when they live on the target
 * (engine/failover/offset-sync-writer.ts). Both are created before the mirror task connects its
 * transactional producer, and that producer is replaced after a fatal error, so they get this sink and
 * the task {@link TransactionSink.bind}s it to whichever producer holds the open transaction. Records
 * go to partition 0 (MM2's internal topics have one). While unbound, `send` refuses (false): nothing can
 * be written outside a transaction.
 */
import type { DeliveryCallback, InternalRecordSink } from './record-sink.ts';
import type { InternalDelivery, TargetTransactions } from './target-transactions.ts';

/** An {@link InternalRecordSink} into the open transaction of the mirror task's target producer. */
export class TransactionSink implements InternalRecordSink {
  private tx: TargetTransactions | undefined;
  /** Records sent through the current binding whose delivery report has not arrived. */
  private pending = 0;
  /** Bumped per binding: reports of a replaced producer do not count. */
  private binding = 0;

  /** Routes records into `tx`'s open transaction from now on (undefined: refuse them). */
  bind(tx: TargetTransactions | undefined): void {
    this.tx = tx;
    this.binding++;
    this.pending = 0;
  }

  /** Whether a transaction is bound. */
  get bound(): boolean {
    return this.tx !== undefined;
  }

  /** Enqueues a record for partition 0 of `topic` in the open transaction (`value` null: tombstone); false when unbound or the queue is full. */
  send(topic: string, key: Buffer, value: Buffer | null, timestampMs: number, onDelivery?: DeliveryCallback): boolean {
    if (!this.tx) return false;
    const binding = this.binding;
    const report: InternalDelivery = (err) => {
      if (binding === this.binding) this.pending--;
      onDelivery?.(err as Parameters<DeliveryCallback>[0]);
    };
    if (!this.tx.sendInternal(topic, 0, key, value, timestampMs, report)) return false;
    this.pending++;
    return true;
  }

  /** Waits up to `timeoutMs` for the delivery reports of every record sent (in the log, not yet committed). False when some are missing. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 2));
    }
    return true;
  }
}
