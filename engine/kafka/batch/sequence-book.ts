/**
 * Idempotent-producer sequences per target partition (KIP-98): the broker accepts a batch of producer
 * id P, epoch E on a partition only when its base sequence is exactly the next one after the last batch of
 * (P, E) it appended there (`ProducerAppendInfo.checkSequence` in apache/kafka; OUT_OF_ORDER_SEQUENCE_NUMBER
 * otherwise). The single owner of those sequences for one producer (./batch-sink.ts holds one per sink, for the
 * task's life): every writer of the identity — the batch lanes (engine/replicate/batch-path.ts; successive
 * lanes of one remote partition) and, in exactly-once mode, the record path and the internal records going
 * through the same transactional identity (./batch-record-producer.ts) — claims its sequences here.
 *
 * Why per remote partition and not per writer: the broker keeps a producer's last sequence per partition
 * (`ProducerStateManager`, until `producer.id.expiration.ms`, 1 day by default) whoever owned the source
 * partition meanwhile. A partition the group takes away and gives back (a new partition state, a new lane),
 * or one handed from the batch lane to the record producer, must go on where this producer stopped: starting
 * again at 0 under the same identity is answered OUT_OF_ORDER_SEQUENCE_NUMBER or — when the range equals one
 * of the 5 batches the broker caches for the producer (`ProducerStateEntry.findDuplicateBatch`) —
 * acknowledged with that old batch's offset without being written: silent loss.
 *
 * Invariants (sequence-book.test.ts):
 * - A: an entry counts in the producer identity it was last claimed in; claimed under another identity (a new
 *   producer id or epoch: a new generation) it starts again at 0, as the broker expects after an epoch bump.
 * - B: a claim returns the identity its sequence counts in, and the batch must be signed with exactly that
 *   identity — never with whatever identity is current when the request is finally written (a new producer
 *   id on a sequence counted for the old one is a duplicate-drop or OUT_OF_ORDER_SEQUENCE_NUMBER), and a
 *   resend of the batch is signed with it again.
 */
import { nextSequence, type ProducerFields } from './producer-fields.ts';

/** The producer identity batches are signed with; `generation` counts identities taken since start (1 = the first). */
export interface ProducerIdentity {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly generation: number;
}

/** A claimed base sequence and the identity it counts in (invariant B: sign the batch with exactly this). */
export interface SequenceClaim {
  readonly sequence: number;
  readonly identity: ProducerIdentity;
}

/** The {@link ProducerFields} to stamp a batch of `claim` with (its identity and sequence; the transactional bit is the sink's). */
export function claimFields(claim: SequenceClaim): ProducerFields {
  return { producerId: claim.identity.producerId, producerEpoch: claim.identity.producerEpoch, baseSequence: claim.sequence };
}

/** Next base sequence per `topic`-`partition` for the current producer identity. See the module doc. */
export class SequenceBook {
  private readonly identity: () => ProducerIdentity;
  private readonly entries = new Map<string, { generation: number; next: number }>();

  /** `identity`: the producer's current identity (ProducerIdentity.generation 1 = the first one taken). */
  constructor(identity: () => ProducerIdentity) {
    this.identity = identity;
  }

  /**
   * The base sequence for a batch of `recordCount` records to `partition` of `topic`, and the identity it
   * counts in (the current one; invariant A); advances the entry past it.
   */
  claim(topic: string, partition: number, recordCount: number): SequenceClaim {
    const identity = this.identity();
    const key = `${topic}\0${partition}`;
    const entry = this.entries.get(key);
    const sequence = entry && entry.generation === identity.generation ? entry.next : 0;
    this.entries.set(key, { generation: identity.generation, next: nextSequence(sequence, recordCount) });
    return { sequence, identity };
  }

  /**
   * The batches from `sequence` on were not appended (the broker rejected one of them for good): the next
   * claim starts at `sequence` again. Ignored when the entry is of another generation than `generation`.
   */
  rewind(topic: string, partition: number, generation: number, sequence: number): void {
    const key = `${topic}\0${partition}`;
    const entry = this.entries.get(key);
    if (entry && entry.generation === generation) entry.next = sequence;
  }
}
