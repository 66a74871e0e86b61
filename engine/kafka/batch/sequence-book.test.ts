import { describe, expect, it } from 'vitest';
import { SequenceBook, type ProducerIdentity } from './sequence-book.ts';

describe('SequenceBook', () => {
  it('counts per partition, starts at 0 in a new generation, wraps at 2^31, rewinds only in its generation', () => {
    let identity: ProducerIdentity = { producerId: 5, producerEpoch: 0, generation: 1 };
    const book = new SequenceBook(() => identity);
    const claim = (partition: number, count: number) => {
      const c = book.claim('t', partition, count);
      return { sequence: c.sequence, generation: c.identity.generation };
    };
    expect(claim(0, 3)).toEqual({ sequence: 0, generation: 1 });
    expect(claim(0, 2)).toEqual({ sequence: 3, generation: 1 });
    expect(claim(1, 1)).toEqual({ sequence: 0, generation: 1 });
    book.rewind('t', 0, 1, 3);
    expect(claim(0, 1).sequence).toBe(3);
    identity = { producerId: 5, producerEpoch: 1, generation: 2 };
    book.rewind('t', 0, 1, 0); // a batch of the old generation: ignored
    expect(claim(0, 0x7fffffff)).toEqual({ sequence: 0, generation: 2 });
    expect(claim(0, 1).sequence).toBe(0x7fffffff);
    expect(claim(0, 1).sequence).toBe(0);
  });

  it('returns the identity each sequence counts in: a claim made before a new identity keeps the old one (sign with it, not the current)', () => {
    let identity: ProducerIdentity = { producerId: 5, producerEpoch: 0, generation: 1 };
    const book = new SequenceBook(() => identity);
    const before = book.claim('t', 0, 2);
    identity = { producerId: 6, producerEpoch: 0, generation: 2 };
    const after = book.claim('t', 0, 2);
    expect(before).toEqual({ sequence: 0, identity: { producerId: 5, producerEpoch: 0, generation: 1 } });
    expect(after).toEqual({ sequence: 0, identity: { producerId: 6, producerEpoch: 0, generation: 2 } });
  });

  it('continues a partition\'s sequence across writers of the same identity (a lane given back, the record producer)', () => {
    const identity: ProducerIdentity = { producerId: 5, producerEpoch: 0, generation: 1 };
    const book = new SequenceBook(() => identity);
    expect(book.claim('t', 0, 2).sequence).toBe(0); // the first lane
    expect(book.claim('t', 0, 2).sequence).toBe(2); // a later lane of the same remote partition
    expect(book.claim('t', 0, 1).sequence).toBe(4); // the record producer of the same identity
  });
});
