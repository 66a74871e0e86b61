/**
 * Who hears about mirrored records, and what the record path tells telemetry: the contract between the
 * mirror task's target side (engine/replicate/target-writer.ts) and its listeners (the offset-sync writer).
 */
import type { Telemetry } from '../telemetry/telemetry.ts';

/** A mirrored partition as listeners see it (PartitionState satisfies it; the object is stable per partition). */
export interface MirroredPartition {
  readonly topic: string;
  readonly partition: number;
  /** Topic ID of the incarnation being mirrored; changes on a topic reset. */
  readonly topicId: string;
  /** Set while a detected topic reset waits for the new incarnation's first record (also after a reset while the engine was down). */
  readonly resetDetectedAtMs?: number | undefined;
}

/**
 * Told about every record the target acknowledged (current incarnation only), in partition order,
 * from the producer's delivery-report callback: must be synchronous and cheap (the offset-sync writer).
 */
export interface MirrorListener {
  /** Upstream offset `upstream` of `partition` was written at `downstream` in the remote topic; `nowMs` epoch ms. */
  onMirrored(partition: MirroredPartition, upstream: number, downstream: number, nowMs: number): void;
  /**
   * The highest next offset of `partition` that may be stored as progress now (undefined: no limit).
   * The offset-sync writer holds progress behind offset syncs not yet written, so a restart re-mirrors
   * what they describe (translation stays exact across crashes).
   */
  persistableNextOffset?(partition: MirroredPartition): number | undefined;
  /** Called at shutdown after the last acknowledgement and before the final progress write. */
  flush?(): Promise<void>;
  /** Exactly-once: called before each commit, after the round's acknowledgements; the listener keeps running (default: {@link flush}). */
  flushForCommit?(): Promise<void>;
}

/** The telemetry a mirror task records (Telemetry satisfies it). */
export type MirrorTelemetry = Pick<Telemetry, 'recordMirrored' | 'recordHeartbeatLatency' | 'recordLost'>;
