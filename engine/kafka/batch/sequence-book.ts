/**
 * Idempotent-producer sequences per target partition (KIP-98): the broker accepts a batch of producer
 * id P, epoch E on a partition only when its base sequence is exactly the next one after the last batch of
 * (P, E) it appended there (`ProducerAppendInfo.checkSequence` in apache/kafka; OUT_OF_ORDER_SEQUENCE_NUMBER
 * otherwise). Every writer of one producer identity — the batch lanes (engine/replicate/batch-path.ts) and,
 * in exactly-once mode, the record path and the internal records going through the same transactional
 * identity (./batch-record-producer.ts) — takes its sequences here, so a partition handed from one writer to
 * the other goes on where the other stopped.
 *
 * Invariant: an entry counts in the producer generation it was last written in; read in another generation
 * (a new identity: new producer id or epoch) it starts again at 0, as the broker expects after an epoch bump.
 */
import { nextSequence } from './producer-fields.ts';

/** Next base sequence per `topic`-`partition` for the current producer generation. */
export class SequenceBook {
  private readonly generation: () => number;
  private readonly entries = new Map<string, { generation: number; next: number }>();

  /** `generation`: the current producer generation (ProducerIdentity.generation; 1 = the first identity). */
  constructor(generation: () => number) {
    this.generation = generation;
  }

  /** The base sequence for a batch of `recordCount` records to `partition` of `topic`, and the generation it counts in; advances the entry past it. */
  claim(topic: string, partition: number, recordCount: number): { sequence: number; generation: number } {
    const generation = this.generation();
    const key = `${topic}\0${partition}`;
    const entry = this.entries.get(key);
    const sequence = entry && entry.generation === generation ? entry.next : 0;
    this.entries.set(key, { generation, next: nextSequence(sequence, recordCount) });
    return { sequence, generation };
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
