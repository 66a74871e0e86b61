/**
 * What a mirror task does once its target side failed (DESIGN.md invariants 6 and 7): after the delivery
 * reports settled, a record the target rejects for good — too large for the remote topic or the
 * producer, an invalid timestamp or record — either stops the flow (`record.rejected.policy=fail`, the
 * default: RecordRejectedError, exit code 6) or is skipped (`skip`: logged at error, kept as a gap with
 * the progress) and mirroring goes on after it. Any other failure stops the flow (DELIVERY_FAILED).
 *
 * Either way the remote partition stays a prefix of the source partition: the producer's gap-less
 * guarantee writes nothing after a rejected batch, and under `skip` every partition is rewound to its
 * acknowledged position and fetched again through a new producer. A record is skipped only once the
 * target rejected it on its own: when a rejected batch started with it but may hold others, it is first
 * sent again alone ({@link TargetWriter.isolate}).
 */
import { RecordRejectedError, type MirrorError, type RecordRejection } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { PARTITION_STATUS, type PartitionState } from '../partitions/partition-state.ts';
import type { PartitionTable } from '../partitions/partition-table.ts';
import type { RejectedRecord } from './delivery-failure.ts';
import type { TargetWriter } from './target-writer.ts';

/** What the decision needs from the task (MirrorTask provides it). */
export interface RejectionContext {
  readonly settings: { readonly name: string; readonly targetAlias: string; readonly recordRejectedPolicy: 'fail' | 'skip' };
  readonly writer: TargetWriter;
  readonly table: PartitionTable;
  /** Epoch ms. */
  readonly clock: () => number;
  /** The task's logger (binds `flow`). */
  readonly log: Logger;
  /** Stops the task with `error`. */
  failWith(error: MirrorError): void;
  /**
   * Fetches again from every partition's next offset with a new consumer: positions moved backwards, and
   * records the old one prefetched beyond them would pass PartitionState.accept (they are above nextOffset).
   */
  refetch(): void;
}

/**
 * Handles the writer's pending failure (no-op without one). Waits for the reports to settle, then fails
 * the task or resumes (policy `skip`). Throws MirrorError when a new producer cannot connect (the
 * failure stays pending: call again).
 */
export async function handleDeliveryFailure(c: RejectionContext): Promise<void> {
  const settled = await c.writer.settle();
  const failure = c.writer.failure;
  if (!failure) return;
  const r = failure.rejection;
  if (r === undefined) return c.failWith(failure.deliveryError());
  const evidence = await rejectionEvidence(c, r);
  const fields = logFields(evidence, c.settings.recordRejectedPolicy);
  if (c.settings.recordRejectedPolicy === 'fail') {
    c.log.error({ event: 'record_rejected', ...fields }, `Record ${r.state.key}@${r.offset} (${r.bytes} bytes) rejected by the target: ${r.error}`);
    return c.failWith(new RecordRejectedError(evidence));
  }
  await c.writer.resume(settled);
  for (const state of c.table.values()) state.rewindToAcknowledged();
  const s = r.state;
  if (r.alone && s.status === PARTITION_STATUS.MIRRORING && s.topicId === r.topicId && s.ackedNextOffset === r.offset) {
    skipRecord(c, s, r, fields);
  } else if (!r.alone) {
    c.writer.isolate(s, r.offset);
    c.log.warn(
      { event: 'record_rejected_isolating', ...fields },
      `The target rejected a batch of ${s.key} starting at offset ${r.offset} (${r.error}); sending that record alone to learn whether the target rejects it (record.rejected.policy=skip)`,
    );
  }
  c.refetch();
}

/** The rejection with the limits on both sides, read now (the remote topic's config may have changed since). */
async function rejectionEvidence(c: RejectionContext, r: RejectedRecord): Promise<RecordRejection> {
  const limits = await c.writer.recordLimits(r.remoteTopic);
  return {
    flow: c.settings.name,
    targetAlias: c.settings.targetAlias,
    topic: r.state.topic,
    partition: r.state.partition,
    offset: r.offset,
    bytes: r.bytes,
    remoteTopic: r.remoteTopic,
    rejectedBy: r.rejectedBy,
    errorCode: r.errorCode,
    error: r.error,
    remoteMaxMessageBytes: limits.remoteMaxMessageBytes,
    producerMaxMessageBytes: limits.producerMaxMessageBytes,
  };
}

/** Skips the record at `r.offset` (everything before it is acknowledged): a gap of one record, logged at error; mirroring resumes after it. */
function skipRecord(c: RejectionContext, s: PartitionState, r: RejectedRecord, fields: Record<string, unknown>): void {
  const detectedAt = new Date(c.clock()).toISOString();
  // Persisted with the next progress write; a restart before it meets the record again and skips it again (one gap).
  if (!s.gaps.some((g) => g.reason === 'record-rejected' && g.expectedOffset === r.offset)) {
    s.gaps = [
      ...s.gaps,
      { expectedOffset: r.offset, logStartOffset: r.offset + 1, gap: 1, detectedAt, acknowledgedAt: detectedAt, acknowledgedBy: 'record-rejected-policy', reason: 'record-rejected', bytes: r.bytes, error: r.error },
    ];
  }
  s.restartAt(r.offset + 1, s.topicId, c.clock());
  c.log.error(
    { event: 'record_rejected_skipped', ...fields, detectedAt },
    `Skipped record ${s.key}@${r.offset} (${r.bytes} bytes) that the target rejects: ${r.error}; recorded as a gap, mirroring resumes at offset ${r.offset + 1} (record.rejected.policy=skip)`,
  );
}

/** Log fields of a rejection (`flow` is bound by the task's logger). */
function logFields(e: RecordRejection, policy: 'fail' | 'skip'): Record<string, unknown> {
  const { flow: _flow, targetAlias: _target, ...rest } = e;
  return { ...rest, policy };
}
