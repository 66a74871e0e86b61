/**
 * Byte-vector compatibility of the three MM2 internal record formats. Each vector is derived by hand
 * from the Struct layout (../shared/KAFKA-FACTS.md: big-endian ints, STRING = INT16 length + UTF-8)
 * and is the exact output of MM2's own classes (connect-mirror(-client) 4.1.1 `Checkpoint`,
 * `Heartbeat`, `OffsetSync` recordKey()/recordValue(), dumped once with the jars in
 * local-kafka/.cache/jars) — so MM2's Java tooling reads what we write and we read what MM2 writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpointKey, encodeCheckpointValue } from './checkpoint.ts';
import { StructFormatError } from './kafka-struct.ts';

/** Concatenates hex fragments and ASCII strings (as `"text"`) into a Buffer. */
function bytes(...parts: string[]): Buffer {
  return Buffer.concat(parts.map((p) => (p.startsWith('"') ? Buffer.from(p.slice(1, -1), 'utf8') : Buffer.from(p, 'hex'))));
}

const SEED = { seed: 20260521, numRuns: 300 };
const offset = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const name = fc.string({ unit: 'grapheme', maxLength: 40 });

describe('checkpoint (<source>.checkpoints.internal)', () => {
  const cp = { group: 'g1', topic: 'primary.commit-log', partition: 3, upstreamOffset: 600, downstreamOffset: 598, metadata: 'meta' };
  // key: STRING group (2) + STRING topic (18) + INT32 partition
  const key = bytes('0002', '"g1"', '0012', '"primary.commit-log"', '00000003');
  // value: INT16 version 0 + INT64 upstreamOffset 600 + INT64 offset 598 + STRING metadata (4)
  const value = bytes('0000', '0000000000000258', '0000000000000256', '0004', '"meta"');

  it('encodes the fixed vectors MM2 writes', () => {
    expect(encodeCheckpointKey(cp).toString('hex')).toBe('0002673100127072696d6172792e636f6d6d69742d6c6f6700000003');
    expect(encodeCheckpointKey(cp)).toEqual(key);
    expect(encodeCheckpointValue(cp).toString('hex')).toBe('00000000000000000258000000000000025600046d657461');
    expect(encodeCheckpointValue(cp)).toEqual(value);
    const empty = { group: 'grp', topic: 't', partition: 0, upstreamOffset: 0, downstreamOffset: 0, metadata: '' };
    expect(encodeCheckpointKey(empty).toString('hex')).toBe('000367727000017400000000');
    expect(encodeCheckpointValue(empty).toString('hex')).toBe('0000000000000000000000000000000000000000');
  });

  it('decodes the fixed vector', () => {
    expect(decodeCheckpoint(key, value)).toEqual(cp);
  });

  it('counts STRING lengths in UTF-8 bytes, not characters', () => {
    const k = encodeCheckpointKey({ group: 'grüppe', topic: 't', partition: 0 });
    expect(k.readInt16BE(0)).toBe(7);
  });

  it('refuses a version other than 0, as MM2 does', () => {
    const v2 = Buffer.from(value);
    v2.writeInt16BE(1, 0);
    expect(() => decodeCheckpoint(key, v2)).toThrow(StructFormatError);
    expect(() => decodeCheckpoint(key, v2)).toThrow(/version 1/);
  });

  it('names the field of a truncated record', () => {
    expect(() => decodeCheckpoint(key, value.subarray(0, 12))).toThrow(/checkpoint\.value\.offset/);
    expect(() => decodeCheckpoint(null, value)).toThrow(/checkpoint\.key: is null/);
  });

  it('round-trips any checkpoint', () => {
    fc.assert(
      fc.property(name, name, fc.integer({ min: 0, max: 0x7fffffff }), offset, offset, name, (group, topic, partition, up, down, metadata) => {
        const c = { group, topic, partition, upstreamOffset: up, downstreamOffset: down, metadata };
        expect(decodeCheckpoint(encodeCheckpointKey(c), encodeCheckpointValue(c))).toEqual(c);
      }),
      SEED,
    );
  });
});
