import type { MessageHeader } from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { emptySafeHeaders, keyLength, nonNullEmpty } from './record-fidelity.ts';

describe('record fidelity helpers', () => {
  it('keeps non-empty values and nulls as they are, and gives empty Buffers a real (non-null) backing', () => {
    const v = Buffer.from('x');
    expect(nonNullEmpty(v)).toBe(v);
    expect(nonNullEmpty(null)).toBeNull();
    const empty = nonNullEmpty(Buffer.alloc(0)) as Buffer;
    expect(empty.length).toBe(0);
    expect(empty.buffer.byteLength).toBeGreaterThan(0);
  });

  it('copies headers only when a value is empty, keeping order and duplicate keys', () => {
    const plain: MessageHeader[] = [{ a: Buffer.from('1') }, { a: Buffer.from('2') }];
    expect(emptySafeHeaders(plain)).toBe(plain);
    const withEmpty: MessageHeader[] = [{ a: Buffer.from('1') }, { b: Buffer.alloc(0) }, { a: Buffer.from('3') }];
    const out = emptySafeHeaders(withEmpty)!;
    expect(out).not.toBe(withEmpty);
    expect(out.map((h) => Object.keys(h)[0])).toEqual(['a', 'b', 'a']);
    expect((out[1]!.b as Buffer).length).toBe(0);
    expect((out[2]!.a as Buffer).toString()).toBe('3');
  });

  it('measures keys in bytes', () => {
    expect(keyLength(null)).toBe(0);
    expect(keyLength('é')).toBe(2);
    expect(keyLength(Buffer.alloc(3))).toBe(3);
  });
});
