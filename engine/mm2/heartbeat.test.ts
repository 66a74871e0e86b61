/**
 * Byte-vector compatibility of the three MM2 internal record formats. Each vector is derived by hand
 * from the Struct layout (../shared/KAFKA-FACTS.md: big-endian ints, STRING = INT16 length + UTF-8)
 * and is the exact output of MM2's own classes (connect-mirror(-client) 4.1.1 `Checkpoint`,
 * `Heartbeat`, `OffsetSync` recordKey()/recordValue(), dumped once with the jars in
 * local-kafka/.cache/jars) — so MM2's Java tooling reads what we write and we read what MM2 writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHeartbeat, encodeHeartbeatKey, encodeHeartbeatValue, heartbeatTimestamp } from './heartbeat.ts';
import { StructFormatError } from './kafka-struct.ts';

/** Concatenates hex fragments and ASCII strings (as `"text"`) into a Buffer. */
function bytes(...parts: string[]): Buffer {
  return Buffer.concat(parts.map((p) => (p.startsWith('"') ? Buffer.from(p.slice(1, -1), 'utf8') : Buffer.from(p, 'hex'))));
}

const SEED = { seed: 20260521, numRuns: 300 };
const offset = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const name = fc.string({ unit: 'grapheme', maxLength: 40 });

describe('heartbeat (heartbeats)', () => {
  const hb = { sourceClusterAlias: 'primary', targetClusterAlias: 'standby', timestamp: 1_700_000_000_000 };
  const key = bytes('0007', '"primary"', '0007', '"standby"');
  const value = bytes('0000', '0000018bcfe56800');

  it('encodes the fixed vectors MM2 writes', () => {
    expect(encodeHeartbeatKey(hb).toString('hex')).toBe('00077072696d61727900077374616e646279');
    expect(encodeHeartbeatKey(hb)).toEqual(key);
    expect(encodeHeartbeatValue(hb).toString('hex')).toBe('00000000018bcfe56800');
    expect(encodeHeartbeatValue(hb)).toEqual(value);
  });

  it('decodes the fixed vector, and reads the timestamp alone', () => {
    expect(decodeHeartbeat(key, value)).toEqual(hb);
    expect(heartbeatTimestamp(value)).toBe(1_700_000_000_000);
  });

  it('refuses short values and other versions', () => {
    expect(() => heartbeatTimestamp(value.subarray(0, 9))).toThrow(StructFormatError);
    expect(() => heartbeatTimestamp(bytes('0001', '0000018bcfe56800'))).toThrow(/version 1/);
  });

  it('round-trips any heartbeat', () => {
    fc.assert(
      fc.property(name, name, offset, (s, t, timestamp) => {
        const h = { sourceClusterAlias: s, targetClusterAlias: t, timestamp };
        expect(decodeHeartbeat(encodeHeartbeatKey(h), encodeHeartbeatValue(h))).toEqual(h);
      }),
      SEED,
    );
  });
});
