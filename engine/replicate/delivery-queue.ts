/**
 * Matches delivery reports to the records they acknowledge without passing a context object through
 * librdkafka per record: the idempotent producer acknowledges the records of one partition in the
 * order they were produced, so one FIFO per remote partition is enough.
 */
import type { PartitionState } from '../partitions/partition-state.ts';

/** Context of one in-flight record, queued per remote partition until its delivery report (see {@link DeliveryQueue}). */
export interface InFlight {
  state: PartitionState;
  topicId: string;
  offset: number;
  timestamp: number;
  /** Epoch ms at which the task read the record from the source (MM2 `record-age-ms` is measured there). */
  readAtMs: number;
  bytes: number;
  /** Emission time (epoch ms) of a heartbeat record (MM2 `Heartbeat`), -1 for every other record. */
  heartbeatAtMs: number;
}

/**
 * A FIFO of in-flight records with O(1) push and shift: an array with a moving head, compacted once
 * the consumed head is both over 1024 entries and over half of the array.
 */
export class DeliveryQueue {
  private items: (InFlight | undefined)[] = [];
  private head = 0;
  /**
   * Downstream offset of the newest successful report (-1: none since the last {@link clear}). Reports of
   * one producer come in produce order, so each is above it; one that is not shows the matching is off.
   */
  lastDownstream = -1;

  push(ctx: InFlight): void {
    this.items.push(ctx);
  }

  shift(): InFlight | undefined {
    if (this.head >= this.items.length) return undefined;
    const ctx = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return ctx;
  }

  /** The oldest record (what {@link shift} would return), left in place. */
  peek(): InFlight | undefined {
    return this.items[this.head];
  }

  /**
   * Takes the newest record. A failed delivery report is matched from this end: once a record of a
   * partition failed, nothing after it is written (`enable.gapless.guarantee`), so the failed records of
   * a partition are the newest ones, while their reports may come in any order (purged ones first).
   */
  pop(): InFlight | undefined {
    if (this.head >= this.items.length) return undefined;
    const ctx = this.items.pop();
    if (this.head >= this.items.length) this.clear();
    return ctx;
  }

  /** Records still queued. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Drops every record (their producer is gone). */
  clear(): void {
    this.items = [];
    this.head = 0;
    this.lastDownstream = -1;
  }
}

