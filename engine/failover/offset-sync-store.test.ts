import { describe, expect, it } from 'vitest';
import { OffsetSyncStore, SyncSeries } from './offset-sync-store.ts';

const points = (s: SyncSeries) => s.points().map((p) => [p.upstream, p.downstream, p.exactToNext]);

describe('SyncSeries', () => {
  it('replaces a sync that only moved the position, keeps delta changes (invariants A, B)', () => {
    const s = new SyncSeries('t', 0);
    expect(s.add(0, 100)).toBe('appended');
    expect(s.add(10, 110)).toBe('appended'); // same delta, but its predecessor has no predecessor yet
    expect(s.add(20, 120)).toBe('replaced'); // (10, 110) said nothing (0, 100) did not
    expect(s.add(30, 125)).toBe('replaced'); // delta changes here; (20, 120) is still redundant
    expect(points(s)).toEqual([[0, 100, true], [30, 125, true]]);
    expect(s.add(40, 135)).toBe('appended'); // (30, 125) changed the delta: it stays
    expect(points(s)).toEqual([[0, 100, true], [30, 125, true], [40, 135, true]]);
  });

  it('reads a repeated sync as a series boundary and opens an overlap for copies not re-mirrored yet', () => {
    const s = new SyncSeries('t', 0);
    s.add(0, 0);
    s.add(50, 40); // a 10-record gap: records 50.. at 40..
    expect(s.add(50, 40)).toBe('marker');
    expect(s.points()[1]!.exactToNext).toBe(false);
    // The previous lifetime copied 19 more records (downstream 41..59) that no sync names; the new one
    // resumes from its stored progress at upstream 60, writing at downstream 60.
    expect(s.add(60, 60)).toBe('appended');
    expect(s.openOverlaps).toBe(1);
    expect(s.translate(65)).toMatchObject({ downstreamOffset: 41, rule: 'older-copies' }); // copies of 61.. may sit from 41 on
    s.advance(69, 69);
    expect(s.openOverlaps).toBe(1); // 10 records re-mirrored, 19 older copies
    s.advance(78, 78);
    expect(s.openOverlaps).toBe(0);
    expect(s.translate(65)).toMatchObject({ downstreamOffset: 65, rule: 'exact' });
    // A rewind is a boundary by itself.
    expect(s.add(55, 79)).toBe('rewind');
    expect(s.openOverlaps).toBe(1);
  });

  it('never translates below the first sync, nor past the mirrored position', () => {
    const s = new SyncSeries('t', 0);
    s.add(10, 0);
    expect(s.translate(9)).toBeUndefined();
    s.advance(14, 4);
    expect(s.translate(14)).toMatchObject({ downstreamOffset: 4 });
    expect(s.translate(100)).toMatchObject({ downstreamOffset: 5, rule: 'mirrored-end' });
  });

  it('thins older history past its capacity; spans that lost a delta change become unverified (invariant D)', () => {
    const s = new SyncSeries('t', 0, 8);
    for (let i = 0; i < 20; i++) s.add(i * 10, i * 9); // every sync changes the delta (a 1-record gap each)
    expect(s.size).toBeLessThanOrEqual(8);
    const p = s.points();
    for (let i = 1; i < p.length; i++) expect(p[i]!.upstream).toBeGreaterThan(p[i - 1]!.upstream);
    expect(p.some((x) => !x.exactToNext)).toBe(true);
    expect(s.translate(191)).toMatchObject({ downstreamOffset: 172 }); // the newest span is untouched
  });

  it('starts over for a new incarnation, and refuses to translate an unknown history', () => {
    const s = new SyncSeries('t', 0);
    s.add(0, 0);
    s.add(500, 500);
    s.startIncarnation(0, 900);
    expect(points(s)).toEqual([[0, 900, true]]);
    expect(s.translate(0)).toMatchObject({ downstreamOffset: 900 });
    const u = new SyncSeries('t', 1);
    u.startUnknownHistory(0, 3);
    expect(u.translate(0)).toBeUndefined();
    for (let i = 1; i <= 3; i++) u.advance(i, 3 + i);
    expect(u.translate(0)).toMatchObject({ downstreamOffset: 3 });
  });
});

describe('OffsetSyncStore', () => {
  it('keeps one series per upstream topic-partition', () => {
    const store = new OffsetSyncStore();
    store.add({ topic: 'a', partition: 0, upstreamOffset: 5, downstreamOffset: 7 });
    store.add({ topic: 'a', partition: 1, upstreamOffset: 5, downstreamOffset: 70 });
    expect(store.translate('a', 0, 6)?.downstreamOffset).toBe(8);
    expect(store.translate('a', 1, 6)?.downstreamOffset).toBe(71);
    expect(store.translate('b', 0, 6)).toBeUndefined();
    expect(store.partitions().map((s) => s.partition)).toEqual([0, 1]);
  });
});
