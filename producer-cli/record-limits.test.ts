import { describe, expect, it } from 'vitest';
import { MAX_PARTITIONS, PRODUCER_MESSAGE_MAX_BYTES, RECORD_V2_MAX_OVERHEAD_BYTES, maximumSizeBytes } from './record-limits.ts';

describe('maximumSizeBytes', () => {
  // Values probed against the bundled librdkafka (produce() with key `key-1` and the three commit-log
  // headers): the returned size was accepted, one byte more refused with "Message size too large".
  it.each([
    ['r'.repeat(5), 999911],
    ['r'.repeat(63), 999853],
    // 64 bytes: one more content byte and a 2-byte zig-zag varint length (64 × 2 ≥ 128).
    ['r'.repeat(64), 999851],
  ])('run id %s, key-1 → %i bytes (librdkafka probe)', (runId, expected) => {
    expect(maximumSizeBytes(1, runId, 'key-')).toBe(expected);
  });

  it('is message.max.bytes minus framing, key and headers', () => {
    // key 'key-4' 5; headers seq=4 3+1+2, run-id=r 6+1+2, producer=commit-log-producer 8+19+2.
    expect(maximumSizeBytes(4, 'r', 'key-')).toBe(PRODUCER_MESSAGE_MAX_BYTES - RECORD_V2_MAX_OVERHEAD_BYTES - 5 - 6 - 9 - 29);
    // Every extra digit of the largest seq costs two bytes: one in the key, one in the seq header.
    expect(maximumSizeBytes(10, 'r', 'key-')).toBe(maximumSizeBytes(9, 'r', 'key-') - 2);
    expect(MAX_PARTITIONS).toBe(10_000);
  });
});
