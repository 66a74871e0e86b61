import { describe, expect, it } from 'vitest';
import { downstreamOffsetOf, lastRecordPair, type ForwardedBatch } from './offset-map.ts';

describe('offset map of an acknowledged batch', () => {
  const forwarded: ForwardedBatch = { upstreamBase: 500, recordCount: 4, upstreamOffsets: null, upstreamNext: 504 };
  const rebuilt: ForwardedBatch = { upstreamBase: 502, recordCount: 3, upstreamOffsets: [502, 503, 507], upstreamNext: 509 };

  it('maps U + delta to D + delta for a batch forwarded as it is', () => {
    expect([500, 501, 503].map((u) => downstreamOffsetOf(forwarded, 80, u))).toEqual([80, 81, 83]);
    expect([499, 504].map((u) => downstreamOffsetOf(forwarded, 80, u))).toEqual([-1, -1]);
    expect(lastRecordPair(forwarded, 80)).toEqual({ upstreamOffset: 503, downstreamOffset: 83 });
  });

  it('maps a rebuilt batch by record position; compacted-away offsets map to nothing', () => {
    expect([502, 503, 507].map((u) => downstreamOffsetOf(rebuilt, 10, u))).toEqual([10, 11, 12]);
    expect([504, 505, 506, 508].map((u) => downstreamOffsetOf(rebuilt, 10, u))).toEqual([-1, -1, -1, -1]);
    expect(lastRecordPair(rebuilt, 10)).toEqual({ upstreamOffset: 507, downstreamOffset: 12 });
  });
});
