/**
 * What went wrong on the target side of a mirror task once a record failed: the first record the target
 * rejects for good (if any) and the first other error, collected from every failed delivery report and
 * refused produce call until the task decides what to do (engine/replicate/record-rejection.ts).
 *
 * A single failure fans out into many reports: with `enable.gapless.guarantee` the producer raises a
 * fatal error, purges what it queued and fails the retries of the rejected partition, and those reports
 * may arrive before the one of the rejected batch. So the decision is taken once the reports settled,
 * from the most telling error, not from the first report.
 */
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import type { ClientErrorLike } from '../kafka/source-consumer.ts';
import type { PartitionState } from '../partitions/partition-state.ts';

/**
 * Kafka error codes with which a broker refuses the records of a batch themselves (Kafka protocol error
 * codes): MESSAGE_TOO_LARGE (10, also librdkafka's local check against `message.max.bytes`),
 * RECORD_LIST_TOO_LARGE (18), INVALID_TIMESTAMP (32, `message.timestamp.*` of the topic), INVALID_RECORD
 * (87, e.g. a record without key in a compacted topic). Retrying never helps.
 */
export const REJECTION_CODES: ReadonlySet<number> = new Set([10, 18, 32, 87]);

/**
 * Errors that only follow another failure: librdkafka ERR__GAPLESS_GUARANTEE (-148), ERR__FATAL (-150),
 * ERR__PURGE_INFLIGHT (-151), ERR__PURGE_QUEUE (-152); Kafka OUT_OF_ORDER_SEQUENCE_NUMBER (45),
 * INVALID_PRODUCER_EPOCH (47), UNKNOWN_PRODUCER_ID (59) for the requests after a rejected one.
 */
const CONSEQUENTIAL_CODES: ReadonlySet<number> = new Set([-148, -150, -151, -152, 45, 47, 59]);

/** The first record of a partition the target rejected. Offsets are upstream offsets. */
export interface RejectedRecord {
  readonly state: PartitionState;
  /** Incarnation the record was fetched from. */
  readonly topicId: string;
  readonly offset: number;
  /** Key + value bytes. */
  readonly bytes: number;
  readonly remoteTopic: string;
  readonly errorCode: number;
  readonly error: string;
  /** `producer`: refused by the producer's own size check before sending; `broker`: in a delivery report. */
  readonly rejectedBy: 'broker' | 'producer';
  /**
   * Whether the record is known to be rejected on its own: refused by the producer (checked alone), or
   * the only record of its partition in flight when the broker rejected it. Otherwise the broker
   * rejected a batch that started with it, and another record of that batch may be the culprit.
   */
  readonly alone: boolean;
}

/** Failures collected since the first one; see the module doc. */
export class DeliveryFailure {
  /** The first record the target rejected (a {@link REJECTION_CODES} error). */
  rejection: RejectedRecord | undefined;
  /** The first error that is neither a rejection nor a consequence of one, with what it was about. */
  private cause: string | undefined;
  /** The first error of all, for when only consequential errors were seen. */
  private first: string | undefined;

  /** Notes one failed record; `rejected` is the record it names (the oldest of its partition still unacknowledged). */
  note(err: ClientErrorLike, what: string, rejected: Omit<RejectedRecord, 'errorCode' | 'error'> | undefined): void {
    const text = `${what}: ${err.message}`;
    this.first ??= text;
    if (REJECTION_CODES.has(err.code) && rejected !== undefined) {
      this.rejection ??= { ...rejected, errorCode: err.code, error: err.message };
    } else if (!CONSEQUENTIAL_CODES.has(err.code) && !REJECTION_CODES.has(err.code)) {
      this.cause ??= text;
    }
  }

  /** The error that stops the task when no rejection explains the failure: MirrorError(DELIVERY_FAILED). */
  deliveryError(): MirrorError {
    return new MirrorError(ERROR_CODES.DELIVERY_FAILED, this.cause ?? this.first ?? 'delivery failed');
  }
}
