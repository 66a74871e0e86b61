import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeBatch, type BatchRecord } from './batch-encoder.ts';
import { crc32c } from './crc32c.ts';
import { loadFixture } from './fixtures/load-fixture.ts';
import { mergeUncompressed, planBatch } from './forward-plan.ts';
import { BATCH, hasContiguousOffsets, readBatches, readBatchHeader } from './record-batch.ts';

const batchesOf = (name: Parameters<typeof loadFixture>[0]) => readBatches(loadFixture(name).records).batches;

describe('planBatch', () => {
  it('forwards a batch that starts at or after the expected offset as it is (same bytes, no copy)', () => {
    const [, second] = batchesOf('rdkafka-lz4');
    for (const expected of [3, 1, 0]) {
      const plan = planBatch(second!, expected);
      expect(plan).toMatchObject({ kind: 'forward', nextOffset: 6 });
      if (plan.kind === 'forward') expect(plan.batch.bytes).toBe(second!.bytes);
    }
  });

  it('skips a batch that ends before the expected offset', () => {
    const [first] = batchesOf('rdkafka-none');
    expect(planBatch(first!, 3)).toEqual({ kind: 'skip', nextOffset: 3 });
  });

  it('rebuilds an uncompressed batch that straddles the expected offset: only the records from it, renumbered, CRC valid', () => {
    const [first] = batchesOf('rdkafka-none');
    const original = decodeRecords(first!);
    const plan = planBatch(first!, 1);
    expect(plan).toMatchObject({ kind: 'rebuilt', upstreamOffsets: [1, 2], reasons: ['straddles-expected-offset'], nextOffset: 3 });
    if (plan.kind !== 'rebuilt') return;
    const h = readBatchHeader(plan.bytes);
    expect([h.baseOffset, h.lastOffsetDelta, h.recordCount, h.producerId, h.baseTimestamp, h.maxTimestamp]).toEqual([1, 1, 2, first!.producerId, first!.baseTimestamp, 1_700_000_000_002]);
    expect(crc32c(plan.bytes, BATCH.ATTRIBUTES)).toBe(h.crc);
    expect(decodeRecords(h).map(({ offset: _, ...r }) => r)).toEqual(original.slice(1).map(({ offset: _, ...r }) => r));
  });

  it('asks for a record-path copy of a compressed batch that straddles the expected offset', () => {
    for (const name of ['rdkafka-gzip', 'rdkafka-snappy', 'rdkafka-lz4', 'rdkafka-zstd'] as const) {
      const [first] = batchesOf(name);
      expect(planBatch(first!, 2)).toEqual({ kind: 'record-copy', fromOffset: 2, toOffset: 2, reasons: ['straddles-expected-offset'], nextOffset: 3 });
    }
  });

  it('rebuilds a compacted batch with contiguous deltas and maps each record to its upstream offset', () => {
    const [first] = batchesOf('compacted');
    const plan = planBatch(first!, 0);
    expect(plan).toMatchObject({ kind: 'rebuilt', upstreamOffsets: [2, 3], reasons: ['offset-gaps'], nextOffset: 4 });
    if (plan.kind !== 'rebuilt') return;
    const h = readBatchHeader(plan.bytes);
    expect(hasContiguousOffsets(h)).toBe(true);
    expect(decodeRecords(h).map((r) => `${r.key}=${r.value}@${r.timestamp}`)).toEqual(['a=a2@3', 'c=c1@4']);
  });

  it('turns a LogAppendTime batch into CreateTime with the timestamp consumers saw', () => {
    const [batch] = batchesOf('log-append-time');
    const seen = decodeRecords(batch!);
    const plan = planBatch(batch!, 0);
    expect(plan).toMatchObject({ kind: 'rebuilt', reasons: ['log-append-time'] });
    if (plan.kind !== 'rebuilt') return;
    const h = readBatchHeader(plan.bytes);
    expect(h.attributes & 0x08).toBe(0);
    expect(decodeRecords(h)).toEqual(seen);
  });

  it('skips a batch the log cleaner emptied (no record left)', () => {
    const bytes = encodeBatch([{ key: Buffer.from('k'), value: null, headers: [], timestamp: 1 }], { baseOffset: 10 });
    bytes.writeInt32BE(0, BATCH.RECORD_COUNT);
    expect(planBatch(readBatchHeader(bytes), 10)).toEqual({ kind: 'skip', nextOffset: 11 });
  });

  it('for any batch with gaps and any expected offset inside it, the rebuilt batch holds exactly the records at/after it (seed 42)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 12 }), fc.nat(), (steps, pick) => {
        const deltas = steps.reduce<number[]>((acc, s, i) => [...acc, i === 0 ? s - 1 : acc[i - 1]! + s], []);
        const records: BatchRecord[] = deltas.map((d) => ({ key: Buffer.from(`k${d}`), value: Buffer.from(`v${d}`), headers: [['d', Buffer.from(String(d))]], timestamp: 1000 + d }));
        const batch = readBatchHeader(encodeBatch(records, { baseOffset: 100, offsetDeltas: deltas }));
        const expected = 100 + (pick % (deltas[deltas.length - 1]! + 1));
        const want = decodeRecords(batch).filter((r) => r.offset >= expected);
        const plan = planBatch(batch, expected);
        if (plan.kind === 'forward') {
          expect(hasContiguousOffsets(batch) && batch.baseOffset >= expected).toBe(true);
          return;
        }
        expect(plan.kind).toBe('rebuilt');
        if (plan.kind !== 'rebuilt') return;
        const h = readBatchHeader(plan.bytes);
        expect(crc32c(plan.bytes, BATCH.ATTRIBUTES)).toBe(h.crc);
        expect(plan.upstreamOffsets).toEqual(want.map((r) => r.offset));
        expect(decodeRecords(h).map(({ offset: _, ...r }) => r)).toEqual(want.map(({ offset: _, ...r }) => r));
        expect(plan.nextOffset).toBe(100 + deltas[deltas.length - 1]! + 1);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('mergeUncompressed', () => {
  const record = (i: number, timestamp: number): BatchRecord => ({
    key: i % 3 === 0 ? null : Buffer.from(`k${i}`),
    value: i % 4 === 0 ? null : Buffer.from(`value-${i}`),
    headers: i % 2 === 0 ? [['h', null], ['h', Buffer.from(`x${i}`)]] : [],
    timestamp,
  });

  it('puts adjacent batches into one: every record byte for byte with its own timestamp (earlier ones too), offsets 0..n-1, CRC valid', () => {
    const a = encodeBatch([record(0, 1_700_000_000_500), record(1, 1_700_000_000_501)], { baseOffset: 10 });
    const b = encodeBatch([record(2, 1_700_000_000_100)], { baseOffset: 12 }); // older than a's base: a negative delta
    const c = encodeBatch([record(3, 0), record(4, 1_700_000_000_900), record(5, 1_700_000_000_900)], { baseOffset: 14 }); // timestamp 0 kept
    const merged = mergeUncompressed([
      { bytes: a, upstreamOffsets: [10, 11] },
      { bytes: b, upstreamOffsets: [12] },
      { bytes: c, upstreamOffsets: [14, 15, 16] }, // 13 was a control batch: offsets map by position
    ]);
    expect(merged.upstreamOffsets).toEqual([10, 11, 12, 14, 15, 16]);
    const h = readBatchHeader(merged.bytes);
    expect([h.baseOffset, h.lastOffsetDelta, h.recordCount, h.baseTimestamp, h.maxTimestamp, h.attributes]).toEqual([10, 5, 6, 1_700_000_000_500, 1_700_000_000_900, 0]);
    expect(hasContiguousOffsets(h)).toBe(true);
    expect(crc32c(merged.bytes, BATCH.ATTRIBUTES)).toBe(h.crc);
    const strip = (rs: ReturnType<typeof decodeRecords>) => rs.map(({ offset: _, ...r }) => r);
    expect(strip(decodeRecords(h))).toEqual([a, b, c].flatMap((x) => strip(decodeRecords(readBatchHeader(x)))));
  });
});
