import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cTable, patchCrc32c } from './crc32c.ts';

describe('crc32c', () => {
  it('matches the CRC-32C check value of "123456789" (0xE3069283, RFC 3720 / the Castagnoli catalogue)', () => {
    const check = Buffer.from('123456789');
    expect(crc32c(check)).toBe(0xe3069283);
    expect(crc32cTable(check)).toBe(0xe3069283);
  });

  it('native and table implementations agree on any bytes and any sub-range (fast-check seed 42)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), fc.nat(), (a, x, y) => {
        const b = Buffer.from(a);
        const start = b.length === 0 ? 0 : x % b.length;
        const end = start + (b.length === 0 ? 0 : y % (b.length - start + 1));
        expect(crc32c(b, start, end)).toBe(crc32cTable(b, start, end));
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('patchCrc32c (CRC-32C is affine: changing the head costs O(head + log tail))', () => {
  it('gives the CRC of the changed message, whatever the head, the change and the tail length (seed 42)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.uint8Array({ maxLength: 5000 }), fc.uint8Array({ minLength: 40, maxLength: 40 }), (head, tail, replacement) => {
        const oldMsg = Buffer.concat([head, tail]);
        const newHead = Buffer.from(replacement.subarray(0, head.length));
        const newMsg = Buffer.concat([newHead, tail]);
        expect(patchCrc32c(crc32cTable(oldMsg), head, newHead, tail.length)).toBe(crc32cTable(newMsg));
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('keeps a wrong CRC wrong by the same error (a corrupt source batch stays detectably corrupt)', () => {
    const msg = Buffer.from('attributes..producer fields..records');
    const newHead = Buffer.from('ATTR');
    const good = crc32c(Buffer.concat([newHead, msg.subarray(4)]));
    expect(patchCrc32c(crc32c(msg) ^ 0x10, msg.subarray(0, 4), newHead, msg.length - 4)).toBe((good ^ 0x10) >>> 0);
  });

  it('throws on heads of different lengths', () => {
    expect(() => patchCrc32c(0, Buffer.alloc(2), Buffer.alloc(3), 0)).toThrow(RangeError);
  });
});
