import { describe, expect, it } from 'vitest';
import { topicIdToUuid, uuidToTopicId } from './topic-id.ts';

describe('topic-id', () => {
  it('round-trips base64url and dashed UUID', () => {
    const id = Buffer.from('00112233445566778899aabbccddeeff', 'hex').toString('base64url');
    expect(topicIdToUuid(id)).toBe('00112233-4455-6677-8899-aabbccddeeff');
    expect(uuidToTopicId('00112233-4455-6677-8899-aabbccddeeff')).toBe(id);
  });
  it('rejects what is not 16 bytes', () => {
    expect(() => topicIdToUuid('abc')).toThrow(RangeError);
    expect(() => uuidToTopicId('xyz')).toThrow(RangeError);
  });
});
