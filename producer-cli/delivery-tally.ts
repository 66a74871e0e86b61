/**
 * Book-keeping of one producer run: what was handed to the client, what its delivery reports
 * confirmed or failed, per-partition offsets, and a way to wait until in-flight drops.
 * A record counts as delivered only when its delivery report says so (librdkafka `dr_cb`).
 */

/** Offsets that one partition received in this run. Offsets are JS numbers (exact below 2^53, as the client reports them). */
export interface PartitionDeliveries {
  partition: number;
  /** Records confirmed on this partition. */
  records: number;
  /** Lowest offset confirmed. */
  firstOffset: number;
  /** Highest offset confirmed. */
  lastOffset: number;
}

/** Counters of a run at one instant. */
export interface DeliveryCounts {
  /** Records handed to the client (produce() accepted them). */
  sent: number;
  /** Records confirmed by a successful delivery report. */
  delivered: number;
  /** Records that failed: a delivery report with an error, or produce() rejecting them synchronously. */
  failed: number;
  /** Value bytes of the delivered records. */
  deliveredBytes: number;
}

/**
 * Invariants: `delivered + failedAfterSend <= sent` (a report is counted once per sent record);
 * `inFlight = sent - delivered - failedAfterSend >= 0`; per-partition `records` sum to `delivered`.
 */
export class DeliveryTally {
  private sentCount = 0;
  private deliveredCount = 0;
  private failedAfterSend = 0;
  private failedBeforeSend = 0;
  private bytes = 0;
  private readonly partitions = new Map<number, PartitionDeliveries>();
  private readonly reasons = new Map<string, number>();
  private waiters: Array<{ below: number; resolve: () => void }> = [];

  /** Records produce() accepted and whose delivery report has not arrived yet. */
  get inFlight(): number {
    return this.sentCount - this.deliveredCount - this.failedAfterSend;
  }

  /** A record was accepted by produce(). */
  recordSent(): void {
    this.sentCount += 1;
  }

  /** A successful delivery report for a record of `valueBytes` at `partition`/`offset`. */
  recordDelivered(partition: number, offset: number, valueBytes: number): void {
    this.deliveredCount += 1;
    this.bytes += valueBytes;
    const p = this.partitions.get(partition);
    if (p === undefined) {
      this.partitions.set(partition, { partition, records: 1, firstOffset: offset, lastOffset: offset });
    } else {
      p.records += 1;
      p.firstOffset = Math.min(p.firstOffset, offset);
      p.lastOffset = Math.max(p.lastOffset, offset);
    }
    this.wake();
  }

  /** A failed delivery report (`afterSend` true) or a record produce() rejected (`afterSend` false), with the reason. */
  recordFailed(reason: string, afterSend: boolean): void {
    if (afterSend) this.failedAfterSend += 1;
    else this.failedBeforeSend += 1;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    this.wake();
  }

  /** Resolves once fewer than `below` records are in flight (at once if already so). */
  waitUntilInFlightBelow(below: number): Promise<void> {
    if (this.inFlight < below) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ below, resolve }));
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const inFlight = this.inFlight;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (inFlight < w.below) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Current counters. */
  counts(): DeliveryCounts {
    return { sent: this.sentCount, delivered: this.deliveredCount, failed: this.failedAfterSend + this.failedBeforeSend, deliveredBytes: this.bytes };
  }

  /** Confirmed offsets per partition, ascending by partition. */
  partitionDeliveries(): PartitionDeliveries[] {
    return [...this.partitions.values()].sort((a, b) => a.partition - b.partition).map((p) => ({ ...p }));
  }

  /** Failure count per reason (the client's error message), e.g. `{ 'Local: Message timed out': 3 }`. */
  failureReasons(): Record<string, number> {
    return Object.fromEntries(this.reasons);
  }
}
