import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeProgress, encodeProgressKey, encodeProgressValue, type GapRecord, type ProgressRecord } from './progress-store.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';

const record: ProgressRecord = {
  sourceCluster: 'primary',
  topic: 'commit-log',
  partition: 0,
  topicId: 'Wq3qRg1mRzqHhGgFyU2k0Q',
  nextOffset: 1000,
  updatedAt: '2026-01-01T00:00:00.000Z',
  remoteTopic: 'primary.commit-log',
  gaps: [],
};

const key = (o: unknown) => Buffer.from(JSON.stringify(o));
const goodKey = () => ({ sourceCluster: 'primary', topic: 'commit-log', partition: 0, topicId: 'Wq3qRg1mRzqHhGgFyU2k0Q' });
const goodValue = () => ({ nextOffset: 1000, updatedAt: '2026-01-01T00:00:00.000Z', remoteTopic: 'primary.commit-log', gaps: [] });

/** Asserts that decoding throws MirrorError(KAFKA_ERROR) whose message names `field`. */
function expectMalformed(k: Buffer, v: Buffer, field: string): void {
  let thrown: unknown;
  try {
    decodeProgress(k, v);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(MirrorError);
  expect((thrown as MirrorError).code).toBe(ERROR_CODES.KAFKA_ERROR);
  expect((thrown as MirrorError).message).toContain(`'${field}'`);
}

describe('progress record encoding', () => {
  it('encodes the documented JSON layout', () => {
    expect(JSON.parse(encodeProgressKey(record).toString())).toEqual(goodKey());
    expect(JSON.parse(encodeProgressValue(record).toString())).toEqual(goodValue());
  });

  it('encodes keys with a fixed property order, so compaction sees one key per incarnation', () => {
    const shuffled = { topicId: record.topicId, partition: 0, topic: 'commit-log', sourceCluster: 'primary' };
    expect(encodeProgressKey(shuffled).equals(encodeProgressKey(record))).toBe(true);
  });

  it('round-trips any record, gaps included (property, seed 42)', () => {
    const gapArb: fc.Arbitrary<GapRecord> = fc.record(
      {
        expectedOffset: fc.nat(),
        logStartOffset: fc.nat(),
        gap: fc.nat(),
        detectedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        acknowledgedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        acknowledgedBy: fc.constantFrom('operator' as const, 'continue-policy' as const),
      },
      { requiredKeys: ['expectedOffset', 'logStartOffset', 'gap', 'detectedAt'] },
    );
    const recordArb: fc.Arbitrary<ProgressRecord> = fc.record({
      sourceCluster: fc.string({ minLength: 1 }),
      topic: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 249 }),
      partition: fc.nat(100_000),
      topicId: fc.base64String({ minLength: 22, maxLength: 24 }),
      nextOffset: fc.maxSafeNat(),
      updatedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      remoteTopic: fc.string({ unit: 'grapheme' }),
      gaps: fc.array(gapArb, { maxLength: 4 }),
    });
    fc.assert(
      fc.property(recordArb, (r) => {
        expect(decodeProgress(encodeProgressKey(r), encodeProgressValue(r))).toEqual(r);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('rejects a key or value that is not a JSON object, naming it', () => {
    expectMalformed(Buffer.from('not json'), key(goodValue()), 'key');
    expectMalformed(key(null), key(goodValue()), 'key');
    expectMalformed(key([1, 2]), key(goodValue()), 'key');
    expectMalformed(key(goodKey()), Buffer.from('{"nextOffset":'), 'value');
    expectMalformed(key(goodKey()), key('1000'), 'value');
  });

  it('rejects a missing or invalid field, naming the field', () => {
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['sourceCluster', { ...goodKey(), sourceCluster: undefined }, goodValue()],
      ['topic', { ...goodKey(), topic: 7 }, goodValue()],
      ['partition', { ...goodKey(), partition: '0' }, goodValue()],
      ['partition', { ...goodKey(), partition: 1.5 }, goodValue()],
      ['topicId', { ...goodKey(), topicId: null }, goodValue()],
      ['nextOffset', goodKey(), { ...goodValue(), nextOffset: undefined }],
      ['nextOffset', goodKey(), { ...goodValue(), nextOffset: -1 }],
      ['nextOffset', goodKey(), { ...goodValue(), nextOffset: '1000' }],
      ['gaps', goodKey(), { ...goodValue(), gaps: 'none' }],
    ];
    for (const [field, k, v] of cases) expectMalformed(key(k), key(v), field);
  });

  it('tolerates absent optional value fields', () => {
    const decoded = decodeProgress(key(goodKey()), key({ nextOffset: 5 }));
    expect(decoded).toMatchObject({ nextOffset: 5, updatedAt: '', remoteTopic: '', gaps: [] });
  });
});
