import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMMIT_LOG_HEADER_KEYS,
  COMMIT_LOG_PRODUCER_NAME,
  CommitLogFormatError,
  decodeCommitLogEvent,
  decodeCommitLogRecord,
  encodeCommitLogEvent,
  minimumCommitLogValueBytes,
  type CommitLogRecordInput,
  type EncodedCommitLogRecord,
} from './commit-log-event.ts';

const SEED = 20260101;

/** A consumed record as a client would hand it back: headers as ordered pairs. */
function asConsumed(record: EncodedCommitLogRecord): CommitLogRecordInput {
  return {
    key: Buffer.from(record.key),
    value: record.value,
    timestamp: String(record.timestamp),
    headers: record.headers.flatMap((h) => Object.entries(h)),
  };
}

const eventArb = fc.record({
  seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  producedAt: fc.nat({ max: 4_102_444_800_000 }),
  runId: fc.string({ unit: 'grapheme', maxLength: 40 }),
});

describe('encodeCommitLogEvent / decodeCommitLogEvent', () => {
  it('round-trips any event, with or without padding (property, fixed seed)', () => {
    fc.assert(
      fc.property(eventArb, fc.option(fc.nat({ max: 5_000 }), { nil: undefined }), fc.string({ maxLength: 8 }), (event, extraBytes, keyPrefix) => {
        const sizeBytes = extraBytes === undefined ? undefined : minimumCommitLogValueBytes(event) + extraBytes;
        const record = encodeCommitLogEvent(event, { sizeBytes, keyPrefix });
        const decoded = decodeCommitLogEvent(record.value);
        expect(decoded).toEqual({ ...event, payload: 'x'.repeat(extraBytes ?? 0) });
        if (sizeBytes !== undefined) expect(record.value.length).toBe(sizeBytes);
        expect(decodeCommitLogRecord(asConsumed(record), keyPrefix)).toEqual(decoded);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('writes the documented wire shape: key, JSON field order, timestamp, ordered headers', () => {
    const record = encodeCommitLogEvent({ seq: 42, producedAt: 1_700_000_000_123, runId: 'run-a' });
    expect(record.key).toBe('key-42');
    expect(record.value.toString('utf8')).toBe('{"seq":42,"producedAt":1700000000123,"runId":"run-a","payload":""}');
    expect(record.timestamp).toBe(1_700_000_000_123);
    expect(record.headers).toEqual([{ seq: '42' }, { 'run-id': 'run-a' }, { producer: COMMIT_LOG_PRODUCER_NAME }]);
    expect(record.headers.map((h) => Object.keys(h)[0])).toEqual([...COMMIT_LOG_HEADER_KEYS]);
  });

  it('pads to exactly sizeBytes, counting multi-byte run ids in bytes', () => {
    for (const runId of ['r', 'ünïcødé-✓', '"quoted\\"']) {
      for (const size of [200, 1024, 4096]) {
        expect(encodeCommitLogEvent({ seq: 7, producedAt: Date.now(), runId }, { sizeBytes: size }).value.length).toBe(size);
      }
    }
    const event = { seq: 123, producedAt: Date.now(), runId: 'r' };
    expect(encodeCommitLogEvent(event, { sizeBytes: minimumCommitLogValueBytes(event) }).value.length).toBe(minimumCommitLogValueBytes(event));
  });

  it('rejects a size below the unpadded event and invalid numbers', () => {
    const event = { seq: 1, producedAt: Date.now(), runId: 'r' };
    expect(() => encodeCommitLogEvent(event, { sizeBytes: minimumCommitLogValueBytes(event) - 1 })).toThrow(RangeError);
    expect(() => encodeCommitLogEvent({ ...event, seq: -1 })).toThrow(/seq must be a non-negative safe integer/);
    expect(() => encodeCommitLogEvent({ ...event, producedAt: 1.5 })).toThrow(/producedAt/);
  });
});

describe('malformed input', () => {
  const cases: Array<[string, string | Buffer | null, string]> = [
    ['null value', null, 'value'],
    ['not JSON', 'hello', 'value'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'value'],
    ['array', '[1,2]', 'value'],
    ['missing field', '{"seq":1,"producedAt":2,"runId":"r"}', 'value'],
    ['fields out of order', '{"producedAt":2,"seq":1,"runId":"r","payload":""}', 'value'],
    ['extra field', '{"seq":1,"producedAt":2,"runId":"r","payload":"","x":1}', 'value'],
    ['seq as string', '{"seq":"1","producedAt":2,"runId":"r","payload":""}', 'value.seq'],
    ['negative seq', '{"seq":-1,"producedAt":2,"runId":"r","payload":""}', 'value.seq'],
    ['fractional producedAt', '{"seq":1,"producedAt":2.5,"runId":"r","payload":""}', 'value.producedAt'],
    ['runId not a string', '{"seq":1,"producedAt":2,"runId":5,"payload":""}', 'value.runId'],
    ['payload altered', '{"seq":1,"producedAt":2,"runId":"r","payload":"xxyx"}', 'value.payload'],
  ];
  it.each(cases)('%s → CommitLogFormatError naming %s', (_name, value, field) => {
    let caught: unknown;
    try {
      decodeCommitLogEvent(value);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CommitLogFormatError);
    expect((caught as CommitLogFormatError).field).toBe(field);
    expect((caught as CommitLogFormatError).message).toMatch(/^malformed commit-log record: /);
  });

  it('decodeCommitLogRecord names the first part of the record that disagrees with the value', () => {
    const good = asConsumed(encodeCommitLogEvent({ seq: 5, producedAt: 1_700_000_000_000, runId: 'r' }));
    const fieldOf = (record: CommitLogRecordInput): string | undefined => {
      try {
        decodeCommitLogRecord(record);
        return undefined;
      } catch (err) {
        return (err as CommitLogFormatError).field;
      }
    };
    expect(fieldOf(good)).toBeUndefined();
    expect(fieldOf({ ...good, key: 'key-6' })).toBe('key');
    expect(fieldOf({ ...good, key: null })).toBe('key');
    expect(fieldOf({ ...good, timestamp: 1_700_000_000_001 })).toBe('timestamp');
    expect(fieldOf({ ...good, headers: [...good.headers].reverse() })).toBe('headers');
    expect(fieldOf({ ...good, headers: good.headers.slice(0, 2) })).toBe('headers');
    expect(fieldOf({ ...good, headers: [...good.headers, ['seq', '5']] })).toBe('headers');
    expect(fieldOf({ ...good, headers: [['seq', '6'], ...good.headers.slice(1)] })).toBe('headers');
  });
});
