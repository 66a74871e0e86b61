/**
 * When a mirror task writes a partition's progress: every `progress.flush.interval.ms` (the task's timer
 * calls {@link ProgressWriter.flushAll}), at shutdown, and — with `progress.flush.max.records` = N > 0 —
 * once N of its records were acknowledged since the last write, so the re-copy after a crash is bounded
 * by records as well as by time. Progress never passes an offset sync not yet written (the flow listener's
 * `persistableNextOffset` gate) and never goes backwards.
 */
import type { Logger } from '../core/logger.ts';
import type { PartitionState } from '../partitions/partition-state.ts';
import { persistProgress, type ProgressPort } from '../partitions/partition-progress.ts';
import type { MirrorListener, MirroredPartition } from './mirror-listener.ts';

/** Writes the progress of a task's partitions (see the module doc). */
export class ProgressWriter {
  private readonly store: ProgressPort;
  private readonly listener: MirrorListener | undefined;
  /** `progress.flush.max.records`, read once (the per-record path compares against it). */
  private readonly flushMaxRecords: number;
  private readonly remoteTopic: (topic: string) => string;
  private readonly log: Logger;
  /** Exactly-once: the record-count trigger asks for a commit round (transaction-cycle.ts) instead of writing. */
  private readonly onDue: (() => void) | undefined;

  /** `onDue` (exactly-once): called when the record-count trigger fires, instead of writing progress at once. */
  constructor(options: { store: ProgressPort; listener: MirrorListener | undefined; flushMaxRecords: number; remoteTopic: (topic: string) => string; logger: Logger; onDue?: () => void }) {
    this.onDue = options.onDue;
    this.store = options.store;
    this.listener = options.listener;
    this.flushMaxRecords = options.flushMaxRecords;
    this.remoteTopic = options.remoteTopic;
    this.log = options.logger;
  }

  /** The listener TargetWriter calls per acknowledged record: {@link onAcknowledged} when N > 0, else the flow's own. */
  get targetListener(): MirrorListener | undefined {
    return this.flushMaxRecords > 0 ? { onMirrored: this.onAcknowledged } : this.listener;
  }

  /** Time-based flush (`progress.flush.interval.ms`, and at shutdown): every partition whose position moved. */
  async flushAll(states: Iterable<PartitionState>): Promise<void> {
    for (const state of states) await this.write(state);
  }

  /**
   * On the hot path when N > 0: tells the flow's listener, then writes progress once an acknowledgement lies
   * outside `[due − N, due)` — N records since the last write, or below it (restarted lower: reset, gap).
   * Per record: a call, a field read, 1–2 compares.
   */
  private readonly onAcknowledged = (p: MirroredPartition, upstream: number, downstream: number, nowMs: number): void => {
    this.listener?.onMirrored(p, upstream, downstream, nowMs);
    const state = p as PartitionState; // TargetWriter reports the PartitionState it acknowledged (target-writer.ts, onDelivery)
    const due = state.progressDueAtOffset;
    if (upstream < due && upstream >= due - this.flushMaxRecords) return;
    if (this.onDue) {
      state.progressDueAtOffset = upstream + this.flushMaxRecords; // once per N records until the commit writes it
      return this.onDue();
    }
    this.write(state)?.catch((err: unknown) => this.log.warn({ err, topic: state.topic, partition: state.partition }, 'progress write failed; the next flush writes it again'));
  };

  /**
   * Writes the progress of `state` when its acknowledged position moved since the last write — never past
   * an offset sync not yet written (the listener's gate), never backwards — and sets its next record-count
   * trigger: N records after what is stored; while the gate holds progress back, ⌈N/10⌉ records after the
   * acknowledged position (a sync is written within milliseconds: progress catches up soon after, at the
   * cost of one attempt per N/10 records, never one per record). Undefined when nothing was written.
   */
  write(state: PartitionState): Promise<void> | undefined {
    const acked = state.ackedNextOffset;
    let next = acked;
    if (acked !== state.persistedNextOffset) {
      const limit = this.listener?.persistableNextOffset?.(state);
      next = limit === undefined || limit >= acked ? acked : Math.max(limit, state.persistedNextOffset);
    }
    state.progressDueAtOffset = next < acked ? acked + Math.ceil(this.flushMaxRecords / 10) - 1 : next + this.flushMaxRecords - 1;
    return next !== state.persistedNextOffset ? persistProgress(this.store, state, this.remoteTopic(state.topic), next) : undefined;
  }
}
