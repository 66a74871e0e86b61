/**
 * Byte-vector compatibility of the three MM2 internal record formats. Each vector is derived by hand
 * from the Struct layout (../shared/KAFKA-FACTS.md: big-endian ints, STRING = INT16 length + UTF-8)
 * and is the exact output of MM2's own classes (connect-mirror(-client) 4.1.1 `Checkpoint`,
 * `Heartbeat`, `OffsetSync` recordKey()/recordValue(), dumped once with the jars in
 * local-kafka/.cache/jars) — so MM2's Java tooling reads what we write and we read what MM2 writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOffsetSync, encodeOffsetSyncKey, encodeOffsetSyncValue } from './offset-sync.ts';

/** Concatenates hex fragments and ASCII strings (as `"text"`) into a Buffer. */
function bytes(...parts: string[]): Buffer {
  return Buffer.concat(parts.map((p) => (p.startsWith('"') ? Buffer.from(p.slice(1, -1), 'utf8') : Buffer.from(p, 'hex'))));
}

const SEED = { seed: 20260521, numRuns: 300 };
const offset = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const name = fc.string({ unit: 'grapheme', maxLength: 40 });

describe('offset sync (mm2-offset-syncs.<target>.internal)', () => {
  const sync = { topic: 'commit-log', partition: 0, upstreamOffset: 1234, downstreamOffset: 1240 };
  // key: STRING topic (len 10) + INT32 partition; value: INT64 upstreamOffset + INT64 offset
  const key = bytes('000a', '"commit-log"', '00000000');
  const value = bytes('00000000000004d2', '00000000000004d8');

  it('encodes the fixed vector MM2 writes', () => {
    expect(encodeOffsetSyncKey(sync).toString('hex')).toBe('000a636f6d6d69742d6c6f6700000000');
    expect(encodeOffsetSyncKey(sync)).toEqual(key);
    expect(encodeOffsetSyncValue(sync).toString('hex')).toBe('00000000000004d200000000000004d8');
    expect(encodeOffsetSyncValue(sync)).toEqual(value);
  });

  it('decodes the fixed vector', () => {
    expect(decodeOffsetSync(key, value)).toEqual(sync);
  });

  it('round-trips any sync', () => {
    fc.assert(
      fc.property(name, fc.integer({ min: 0, max: 0x7fffffff }), offset, offset, (topic, partition, up, down) => {
        const s = { topic, partition, upstreamOffset: up, downstreamOffset: down };
        expect(decodeOffsetSync(encodeOffsetSyncKey(s), encodeOffsetSyncValue(s))).toEqual(s);
      }),
      SEED,
    );
  });
});
