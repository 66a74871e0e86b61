import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBatch, type BatchRecord } from './batch-encoder.ts';
import { crc32c } from './crc32c.ts';
import { FIXTURES, loadFixture } from './fixtures/load-fixture.ts';
import { BATCH, compressionOf, hasContiguousOffsets, isControlBatch, isTransactionalBatch, lastOffsetOf, readBatches, readBatchHeader, readInt64, RecordBatchError, writeInt64 } from './record-batch.ts';

describe('readBatches over batches real Kafka built', () => {
  it.each([
    ['rdkafka-none', 'none'],
    ['rdkafka-gzip', 'gzip'],
    ['rdkafka-snappy', 'snappy'],
    ['rdkafka-lz4', 'lz4'],
    ['rdkafka-zstd', 'zstd'],
    ['broker-zstd-exact', 'zstd'],
  ] as const)('%s: two %s batches with contiguous offsets from 0 and a valid CRC-32C', (name, codec) => {
    const f = loadFixture(name);
    const { batches, partialBytes } = readBatches(f.records);
    expect(partialBytes).toBe(0);
    expect(batches.map((b) => [b.baseOffset, compressionOf(b), b.magic])).toEqual([
      [0, codec, 2],
      [batches[0]!.recordCount, codec, 2],
    ]);
    expect(lastOffsetOf(batches[1]!) + 1).toBe(f.highWatermark);
    for (const b of batches) {
      expect(hasContiguousOffsets(b)).toBe(true);
      expect(crc32c(b.bytes, BATCH.ATTRIBUTES)).toBe(b.crc);
      expect(b.bytes.length).toBe(BATCH.LOG_OVERHEAD + b.batchLength);
    }
  });

  it('rdkafka batches carry the idempotent producer fields librdkafka set (sequence 0 per new producer id)', () => {
    const [a, b] = readBatches(loadFixture('rdkafka-lz4').records).batches;
    expect(a!.producerId).toBeGreaterThanOrEqual(0);
    expect([a!.producerEpoch, a!.baseSequence, b!.baseSequence]).toEqual([0, 0, 0]);
    expect([a!.baseTimestamp, a!.maxTimestamp]).toEqual([1_700_000_000_000, 1_700_000_000_002]);
  });

  it('tells control and transactional batches apart (transactions fixture: data, marker, data, marker, data, marker)', () => {
    const batches = readBatches(loadFixture('transactions').records).batches;
    expect(batches.map((b) => [isTransactionalBatch(b), isControlBatch(b)])).toEqual([
      [true, false],
      [true, true],
      [true, false],
      [true, true],
      [true, false],
      [true, true],
    ]);
  });

  it('a compacted batch has offset gaps: lastOffsetDelta + 1 > recordCount', () => {
    const [first] = readBatches(loadFixture('compacted').records).batches;
    expect([first!.baseOffset, first!.lastOffsetDelta, first!.recordCount, hasContiguousOffsets(first!)]).toEqual([0, 3, 2, false]);
  });

  it('records in socket chunks of any size: the same batches as views (only a straddling header copied), the same partial rest', () => {
    /** `b` cut into consecutive views whose sizes cycle through `sizes`. */
    const split = (b: Buffer, sizes: number[]): Buffer[] => {
      const out: Buffer[] = [];
      for (let at = 0, i = 0; at < b.length; i++) {
        const n = sizes[i % sizes.length]!;
        out.push(b.subarray(at, at + n));
        at += n;
      }
      return out;
    };
    for (const name of FIXTURES) {
      const records = loadFixture(name).records;
      for (const sizes of [[1], [7], [13, 0, 61], [60, 62], [4096], [records.length + 1]]) {
        for (const cut of [records.length, records.length - 5, 70]) {
          const expected = readBatches(records.subarray(0, cut));
          const got = readBatches(split(records.subarray(0, cut), sizes));
          expect([got.partialBytes, got.partialBatchSize]).toEqual([expected.partialBytes, expected.partialBatchSize]);
          expect(got.batches.map((b) => [b.baseOffset, b.recordCount, b.crc, b.size])).toEqual(expected.batches.map((b) => [b.baseOffset, b.recordCount, b.crc, b.size]));
          for (const [i, b] of got.batches.entries()) {
            expect(b.chunks[0]!.length).toBeGreaterThanOrEqual(BATCH.HEADER_SIZE);
            expect(b.chunks.reduce((n, c) => n + c.length, 0)).toBe(b.size);
            expect(Buffer.concat(b.chunks).equals(expected.batches[i]!.bytes)).toBe(true);
            expect(b.bytes.equals(expected.batches[i]!.bytes)).toBe(true);
            // Views of the records' memory, except a header copied because it straddled two chunks (exactly 61 bytes).
            const isView = (c: Buffer) => c.buffer === records.buffer && c.byteOffset >= records.byteOffset && c.byteOffset + c.length <= records.byteOffset + records.length;
            if (!isView(b.chunks[0]!)) expect(b.chunks[0]!.length).toBe(BATCH.HEADER_SIZE);
            expect(b.chunks.slice(1).every(isView)).toBe(true);
          }
        }
      }
    }
  });

  it('a response cut anywhere yields the whole batches before the cut and reports the partial rest', () => {
    for (const name of FIXTURES) {
      const records = loadFixture(name).records;
      const all = readBatches(records).batches;
      const ends = all.map((b) => b.bytes.byteOffset + b.bytes.length - all[0]!.bytes.byteOffset);
      for (let cut = 0; cut <= records.length; cut++) {
        const { batches, partialBytes, partialBatchSize } = readBatches(records.subarray(0, cut));
        const whole = ends.filter((e) => e <= cut).length;
        expect(batches.length).toBe(whole);
        expect(partialBytes).toBe(cut - (whole === 0 ? 0 : ends[whole - 1]!));
        if (whole === 0 && cut >= BATCH.LOG_OVERHEAD) expect(partialBatchSize).toBe(all[0]!.bytes.length);
        else expect(partialBatchSize).toBe(-1);
      }
    }
  });

  it('rejects a batch whose magic is not 2, naming its offset', () => {
    const records = Buffer.from(loadFixture('rdkafka-none').records);
    records.writeInt8(1, BATCH.MAGIC);
    expect(() => readBatches(records)).toThrow(RecordBatchError);
    expect(() => readBatches(records)).toThrow(/baseOffset 0\) has magic 1/);
  });

  it('rejects a batchLength below the v2 header size', () => {
    const records = Buffer.from(loadFixture('rdkafka-none').records);
    records.writeInt32BE(10, BATCH.LENGTH);
    expect(() => readBatches(records)).toThrow(/below the v2 header size/);
  });
});

describe('header fields (property, fast-check seed 42)', () => {
  const int64 = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

  it('readInt64 reads what writeInt64 wrote, and what Buffer.writeBigInt64BE wrote', () => {
    fc.assert(
      fc.property(int64, (v) => {
        const b = Buffer.alloc(8);
        writeInt64(b, 0, v);
        expect(readInt64(b, 0)).toBe(v);
        expect(b.readBigInt64BE(0)).toBe(BigInt(v));
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('every header field encodeBatch writes reads back, and the CRC-32C covers attributes..end', () => {
    const record = fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a))),
      value: fc.option(fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a))),
      headers: fc.array(fc.tuple(fc.string({ maxLength: 5 }), fc.option(fc.uint8Array({ maxLength: 5 }).map((a) => Buffer.from(a)))), { maxLength: 3 }),
      timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
    });
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 2 ** 50 }),
        fc.integer({ min: -1, max: 2 ** 50 }),
        fc.integer({ min: -1, max: 32767 }),
        fc.integer({ min: -1, max: 2 ** 31 - 1 }),
        fc.boolean(),
        (records: BatchRecord[], baseOffset, producerId, producerEpoch, baseSequence, transactional) => {
          const bytes = encodeBatch(records, { baseOffset, producerId, producerEpoch, baseSequence, transactional });
          const h = readBatchHeader(bytes);
          expect(h).toMatchObject({ baseOffset, producerId, producerEpoch, baseSequence, magic: 2, recordCount: records.length, lastOffsetDelta: records.length - 1, baseTimestamp: records[0]!.timestamp });
          expect(h.maxTimestamp).toBe(Math.max(...records.map((r) => r.timestamp)));
          expect(isTransactionalBatch(h)).toBe(transactional);
          expect(h.batchLength + BATCH.LOG_OVERHEAD).toBe(bytes.length);
          expect(crc32c(bytes, BATCH.ATTRIBUTES)).toBe(h.crc);
          expect(readBatches(Buffer.concat([bytes, bytes])).batches).toHaveLength(2);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});
