import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.ts';
import { FIXTURES, loadFixture } from './fixtures/load-fixture.ts';
import { nextSequence, rewriteProducerFields } from './producer-fields.ts';
import { BATCH, isTransactionalBatch, readBatches, readBatchHeader } from './record-batch.ts';

describe('rewriteProducerFields on batches real Kafka built', () => {
  it.each(FIXTURES.filter((f) => f !== 'transactions'))('%s: new producer fields, base offset 0, transactional bit cleared, CRC valid, records untouched', (name) => {
    for (const b of readBatches(loadFixture(name).records).batches) {
      const records = Buffer.from(b.bytes.subarray(BATCH.HEADER_SIZE));
      const crc = rewriteProducerFields(b.bytes, { producerId: 123_456_789_012, producerEpoch: 7, baseSequence: 2_000_000_000 });
      const h = readBatchHeader(b.bytes);
      expect(h).toMatchObject({ baseOffset: 0, producerId: 123_456_789_012, producerEpoch: 7, baseSequence: 2_000_000_000, crc });
      expect(crc32c(b.bytes, BATCH.ATTRIBUTES)).toBe(crc);
      expect([h.attributes, h.lastOffsetDelta, h.baseTimestamp, h.maxTimestamp, h.recordCount, h.partitionLeaderEpoch]).toEqual([b.attributes, b.lastOffsetDelta, b.baseTimestamp, b.maxTimestamp, b.recordCount, b.partitionLeaderEpoch]);
      expect(b.bytes.subarray(BATCH.HEADER_SIZE).equals(records)).toBe(true);
    }
  });

  it('sets the transactional bit when the batch goes into a transaction of ours (exactly-once), CRC valid', () => {
    for (const b of readBatches(loadFixture('rdkafka-none').records).batches) {
      rewriteProducerFields(b.bytes, { producerId: 9, producerEpoch: 3, baseSequence: 10, transactional: true });
      const h = readBatchHeader(b.bytes);
      expect(isTransactionalBatch(h)).toBe(true);
      expect(crc32c(b.bytes, BATCH.ATTRIBUTES)).toBe(h.crc);
      rewriteProducerFields(b.bytes, { producerId: 9, producerEpoch: 3, baseSequence: 10 });
      expect(isTransactionalBatch(readBatchHeader(b.bytes))).toBe(false);
    }
  });

  it('clears the transactional bit of a committed transaction batch (an idempotent producer writes it)', () => {
    const data = readBatches(loadFixture('transactions').records).batches.filter((b) => !(b.attributes & 0x20));
    for (const b of data) {
      expect(isTransactionalBatch(b)).toBe(true);
      rewriteProducerFields(b.bytes, { producerId: 1, producerEpoch: 0, baseSequence: 0 });
      const h = readBatchHeader(b.bytes);
      expect(isTransactionalBatch(h)).toBe(false);
      expect(crc32c(b.bytes, BATCH.ATTRIBUTES)).toBe(h.crc);
    }
  });

  it('any producer identity gives a batch whose CRC is valid (fast-check seed 42)', () => {
    const [batch] = readBatches(loadFixture('rdkafka-zstd').records).batches;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 32767 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (producerId, producerEpoch, baseSequence) => {
        const crc = rewriteProducerFields(batch!.bytes, { producerId, producerEpoch, baseSequence });
        expect(crc32c(batch!.bytes, BATCH.ATTRIBUTES)).toBe(crc);
        expect(readBatchHeader(batch!.bytes)).toMatchObject({ producerId, producerEpoch, baseSequence });
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('rewrites a batch held in chunks through its head chunk alone (size = the whole batch)', () => {
    for (const whole of readBatches(loadFixture('rdkafka-none').records).batches) {
      const copy = Buffer.from(whole.bytes);
      const chunks = [copy.subarray(0, BATCH.HEADER_SIZE + 3), copy.subarray(BATCH.HEADER_SIZE + 3, 100), copy.subarray(100)];
      const [split] = readBatches(chunks).batches;
      const crc = rewriteProducerFields(split!.chunks[0]!, { producerId: 42, producerEpoch: 3, baseSequence: 1000 }, split!.size);
      expect(crc32c(copy, BATCH.ATTRIBUTES)).toBe(crc);
      expect(readBatchHeader(copy)).toMatchObject({ producerId: 42, producerEpoch: 3, baseSequence: 1000, baseOffset: 0 });
    }
  });
});

describe('nextSequence', () => {
  it('adds the record count and wraps past 2^31 - 1 to 0 like DefaultRecordBatch.incrementSequence', () => {
    expect(nextSequence(0, 5)).toBe(5);
    expect(nextSequence(2 ** 31 - 3, 3)).toBe(0);
    expect(nextSequence(2 ** 31 - 1, 2)).toBe(1);
  });
});
