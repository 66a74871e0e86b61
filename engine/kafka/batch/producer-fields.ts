/**
 * Re-signing a fetched batch for our producer: producer id, producer epoch and base sequence are
 * replaced by the target producer's (idempotence: the target broker checks them per partition,
 * `ProducerStateManager` / `ProducerAppendInfo` in apache/kafka), the transactional bit is cleared
 * (an idempotent producer must not write transactional batches: the broker would look for an ongoing
 * transaction of our producer id), and the CRC-32C is patched. baseOffset and partitionLeaderEpoch are
 * outside the CRC and assigned by the broker (`LogValidator.assignOffsetsNonCompressed` /
 * `validateMessagesAndAssignOffsetsCompressed`: `setLastOffset`, `setPartitionLeaderEpoch`); baseOffset
 * must still be 0 in a client's Produce (`UnifiedLog.analyzeAndValidateRecords` answers INVALID_RECORD
 * "The baseOffset of the record batch in the append to … should be 0" — measured against the pinned
 * 4.1.1 brokers), so the rewrite zeroes it: read the upstream offsets from the batch's BatchHeader first.
 */
import { patchCrc32c } from './crc32c.ts';
import { ATTR, BATCH, writeInt64 } from './record-batch.ts';

/** The producer identity a batch is re-signed with (from InitProducerId; sequence kept per partition). */
export interface ProducerFields {
  /** int64 producer id from InitProducerId (≥ 0). */
  producerId: number;
  /** int16 producer epoch from InitProducerId. */
  producerEpoch: number;
  /** int32 sequence of the batch's first record for this producer and partition (wraps at 2^31). */
  baseSequence: number;
  /**
   * Whether the batch is written inside a transaction of this producer (KIP-98; attributes bit 4 set:
   * exactly-once, engine/kafka/batch/batch-transactions.ts). Absent or false: the bit is cleared (idempotent producer).
   */
  transactional?: boolean;
}

/** Bytes from `attributes` to the end of `baseSequence`: everything the rewrite may change inside the CRC. */
const HEAD_START = BATCH.ATTRIBUTES;
const HEAD_END = BATCH.RECORD_COUNT;
/** Scratch copy of the old head (one per module: the rewrite is synchronous, so it is never shared). */
const oldHead = Buffer.alloc(HEAD_END - HEAD_START);

/**
 * Rewrites a v2 batch IN PLACE for `fields`: baseOffset zeroed, producer id, epoch, base sequence set,
 * transactional bit set as `fields.transactional` says (cleared by default), CRC patched in O(1) of the batch
 * size. `batch` is the whole batch, or its first bytes (at least the 61-byte header: a `BatchBytes`'
 * `chunks[0]`, ./record-batch.ts) with `size` the whole batch's length in bytes. Control batches must never
 * reach here (clients may not write them:
 * `LogValidator.validateBatch`). Returns the new CRC (uint32). Copies no batch bytes.
 */
export function rewriteProducerFields(batch: Buffer, fields: ProducerFields, size = batch.length): number {
  batch.copy(oldHead, 0, HEAD_START, HEAD_END);
  writeInt64(batch, BATCH.BASE_OFFSET, 0);
  const attributes = batch.readInt16BE(BATCH.ATTRIBUTES);
  batch.writeInt16BE(fields.transactional === true ? attributes | ATTR.TRANSACTIONAL : attributes & ~ATTR.TRANSACTIONAL, BATCH.ATTRIBUTES);
  writeInt64(batch, BATCH.PRODUCER_ID, fields.producerId);
  batch.writeInt16BE(fields.producerEpoch, BATCH.PRODUCER_EPOCH);
  batch.writeInt32BE(fields.baseSequence, BATCH.BASE_SEQUENCE);
  const crc = patchCrc32c(batch.readUInt32BE(BATCH.CRC), oldHead, batch.subarray(HEAD_START, HEAD_END), size - HEAD_END);
  batch.writeUInt32BE(crc, BATCH.CRC);
  return crc;
}

/** The base sequence after a batch of `recordCount` records sent at `baseSequence` (int32, wraps to 0 like `DefaultRecordBatch.incrementSequence`). */
export function nextSequence(baseSequence: number, recordCount: number): number {
  const next = baseSequence + recordCount;
  return next > 0x7fffffff ? next - 0x80000000 : next;
}
