import { describe, expect, it } from 'vitest';
import { decodeStruct, encodeStruct, StructFormatError, type StructField } from './kafka-struct.ts';

const FIELDS: readonly StructField[] = [['a', 'int16'], ['b', 'int32'], ['c', 'int64'], ['d', 'string']];

describe('Kafka Struct encoding', () => {
  it('writes fields in order, big-endian, STRING as INT16 byte length + UTF-8', () => {
    expect(encodeStruct(FIELDS, [-2, 7, 2 ** 40, 'ä']).toString('hex')).toBe('fffe' + '00000007' + '0000010000000000' + '0002c3a4');
  });

  it('reads what it writes and ignores trailing bytes (Schema.read does)', () => {
    const buf = Buffer.concat([encodeStruct(FIELDS, [1, 2, 3, 'x']), Buffer.from('ff', 'hex')]);
    expect(decodeStruct('t', FIELDS, buf)).toEqual([1, 2, 3, 'x']);
  });

  it('refuses offsets beyond 2^53 and strings over 32767 bytes instead of writing garbage', () => {
    expect(() => encodeStruct(FIELDS, [0, 0, 2 ** 53, ''])).toThrow(RangeError);
    expect(() => encodeStruct(FIELDS, [0, 0, 0, 'x'.repeat(32768)])).toThrow(RangeError);
    expect(() => encodeStruct(FIELDS, [0x8000, 0, 0, ''])).toThrow(/a must be an integer/);
    expect(() => decodeStruct('t', [['c', 'int64']], Buffer.from('7fffffffffffffff', 'hex'))).toThrow(/t\.c: .* beyond/);
  });

  it('names the field of a short or null record', () => {
    expect(() => decodeStruct('rec', FIELDS, Buffer.from('0001000000', 'hex'))).toThrow(StructFormatError);
    expect(() => decodeStruct('rec', FIELDS, Buffer.from('0001000000', 'hex'))).toThrow(/rec\.b: needs 4 bytes at position 2/);
    expect(() => decodeStruct('rec', [['d', 'string']], Buffer.from('ffff', 'hex'))).toThrow(/negative length/);
    expect(() => decodeStruct('rec', FIELDS, null)).toThrow(/rec: is null/);
  });
});
