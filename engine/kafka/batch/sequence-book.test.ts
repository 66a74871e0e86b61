import { describe, expect, it } from 'vitest';
import { SequenceBook } from './sequence-book.ts';

describe('SequenceBook', () => {
  it('counts per partition, starts at 0 in a new generation, wraps at 2^31, rewinds only in its generation', () => {
    let generation = 1;
    const book = new SequenceBook(() => generation);
    expect(book.claim('t', 0, 3)).toEqual({ sequence: 0, generation: 1 });
    expect(book.claim('t', 0, 2)).toEqual({ sequence: 3, generation: 1 });
    expect(book.claim('t', 1, 1)).toEqual({ sequence: 0, generation: 1 });
    book.rewind('t', 0, 1, 3);
    expect(book.claim('t', 0, 1).sequence).toBe(3);
    generation = 2;
    book.rewind('t', 0, 1, 0); // a batch of the old generation: ignored
    expect(book.claim('t', 0, 0x7fffffff)).toEqual({ sequence: 0, generation: 2 });
    expect(book.claim('t', 0, 1).sequence).toBe(0x7fffffff);
    expect(book.claim('t', 0, 1).sequence).toBe(0);
  });
});
