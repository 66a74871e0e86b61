/** Reverse translation (failback), pure cases; the properties over a simulated mirror are in engine/failover/failback-translation.test.ts. */
import { describe, expect, it } from 'vitest';
import type { SyncPoint } from './offset-translation.ts';
import { translateDownstream } from './reverse-translation.ts';

const sp = (upstream: number, downstream: number, exactToNext = true): SyncPoint => ({ upstream, downstream, exactToNext });

describe('translateDownstream (pure)', () => {
  // Upstream gaps at 45..49 and 75..79 (delta 100 → 95 → 90), then a downstream gap of 3 (markers) before (90, 183).
  const syncs = [sp(0, 100), sp(50, 145), sp(80, 170), sp(90, 183)];

  it('maps a mirrored record back exactly, and a downstream gap to the next sync', () => {
    expect(translateDownstream(syncs, undefined, 100)).toMatchObject({ upstreamOffset: 0, rule: 'exact' });
    expect(translateDownstream(syncs, undefined, 144)).toMatchObject({ upstreamOffset: 44, rule: 'exact' });
    expect(translateDownstream(syncs, undefined, 145)).toMatchObject({ upstreamOffset: 50, rule: 'exact' });
    expect(translateDownstream(syncs, undefined, 179)).toMatchObject({ upstreamOffset: 89, rule: 'exact' });
    expect(translateDownstream(syncs, undefined, 181)).toMatchObject({ upstreamOffset: 90, rule: 'next-sync' });
  });

  it('is exact up to one past the last mirrored record, and never further', () => {
    expect(translateDownstream(syncs, undefined, 183)).toMatchObject({ upstreamOffset: 90, rule: 'exact' });
    expect(translateDownstream(syncs, undefined, 184)).toMatchObject({ upstreamOffset: 91, rule: 'exact' });
    expect(translateDownstream(syncs, undefined, 500)).toMatchObject({ upstreamOffset: 91, rule: 'mirrored-end' });
    expect(translateDownstream(syncs, { upstream: 95, downstream: 188 }, 189)).toMatchObject({ upstreamOffset: 96, rule: 'exact' });
    expect(translateDownstream(syncs, { upstream: 95, downstream: 188 }, 300)).toMatchObject({ upstreamOffset: 96, rule: 'mirrored-end' });
  });

  it('is conservative across an unverified span, and says nothing below the first sync', () => {
    const broken = [sp(0, 100, false), sp(50, 145)];
    expect(translateDownstream(broken, undefined, 100)).toMatchObject({ upstreamOffset: 0, rule: 'unverified-span' });
    expect(translateDownstream(broken, undefined, 130)).toMatchObject({ upstreamOffset: 1, rule: 'unverified-span' });
    expect(translateDownstream(syncs, undefined, 99)).toBeUndefined();
    expect(translateDownstream([], undefined, 0)).toBeUndefined();
  });
});
