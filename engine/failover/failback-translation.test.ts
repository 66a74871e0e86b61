/**
 * Reverse translation (failback) through the real {@link OffsetSyncStore}, as a store rebuilt from the
 * syncs topic sees it, over a simulated mirror — a source partition with gaps (compaction), a target with
 * its own gaps (transaction markers), offset syncs as the writer emits them (first record, every delta
 * change, some in between, the last record at a clean stop), and engine restarts that re-mirror from
 * older progress (boundary marker, overlapping copies). Properties (fast-check, seed 42):
 * - never skips: a group that consumed every downstream record below D and resumes upstream at the
 *   translation has seen a copy of every upstream record below it;
 * - exact with one series: the first record the group reads upstream is the one copied at or after D.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetSyncStore } from './offset-sync-store.ts';

// ---- simulated mirror ----------------------------------------------------------------------------

/** One lifetime of the mirror: re-mirrors from `resumeAt` (an index into the source records), copying `count` records. */
interface Lifetime {
  resumeBack: number;
  count: number;
  /** Per copied record: downstream gap (markers) before it, and whether the writer emits an interval sync there. */
  steps: { markers: number; intervalSync: boolean }[];
}

interface World {
  /** Upstream offsets of the source records, increasing with gaps. */
  upstream: number[];
  lifetimes: Lifetime[];
}

const worldArb: fc.Arbitrary<World> = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 5, maxLength: 60 })
  .chain((steps) => {
    const upstream: number[] = [];
    let u = 0;
    for (const s of steps) {
      u += s === 4 ? 5 : 1; // one step in four jumps over a compacted range
      upstream.push(u);
    }
    const lifetime = fc.record({
      resumeBack: fc.integer({ min: 0, max: 5 }),
      count: fc.integer({ min: 1, max: upstream.length }),
      steps: fc.array(fc.record({ markers: fc.constantFrom(0, 0, 0, 1, 2), intervalSync: fc.boolean() }), { minLength: upstream.length, maxLength: upstream.length }),
    });
    return fc.record({ upstream: fc.constant(upstream), lifetimes: fc.array(lifetime, { minLength: 1, maxLength: 3 }) });
  });

/** Runs the world: the downstream log (upstream offset per downstream offset, markers = undefined) and the store. */
function run(world: World): { downstream: (number | undefined)[]; store: OffsetSyncStore } {
  const store = new OffsetSyncStore();
  const downstream: (number | undefined)[] = [];
  let progress = 0; // index of the next source record to copy
  for (const [n, life] of world.lifetimes.entries()) {
    let index = Math.max(0, progress - life.resumeBack); // stored progress lags what was copied: re-mirror a few
    let lastDelta: number | undefined;
    let lastSynced: [number, number] | undefined;
    if (n > 0) {
      const latest = store.find('t', 0)?.latest();
      if (latest) store.add({ topic: 't', partition: 0, upstreamOffset: latest.upstream, downstreamOffset: latest.downstream }); // boundary marker
    }
    for (let i = 0; i < life.count && index < world.upstream.length; i++, index++) {
      const step = life.steps[index]!;
      for (let m = 0; m < step.markers; m++) downstream.push(undefined);
      const up = world.upstream[index]!;
      const down = downstream.length;
      downstream.push(up);
      const delta = down - up;
      if (lastDelta === undefined || delta !== lastDelta || step.intervalSync) {
        store.add({ topic: 't', partition: 0, upstreamOffset: up, downstreamOffset: down });
        lastSynced = [up, down];
      }
      lastDelta = delta;
    }
    // A clean stop syncs the last mirrored record (writer close()).
    const lastDown = downstream.length - 1;
    const lastUp = downstream[lastDown];
    if (lastUp !== undefined && (lastSynced === undefined || lastSynced[1] !== lastDown)) store.add({ topic: 't', partition: 0, upstreamOffset: lastUp, downstreamOffset: lastDown });
    progress = Math.max(progress, index);
  }
  return { downstream, store };
}

describe('translateDownstream over a simulated mirror (property, seed 42)', () => {
  it('never skips: every upstream record below the translation has a copy below D', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { downstream, store } = run(world);
        for (let d = 0; d <= downstream.length; d++) {
          const t = store.translateDownstream('t', 0, d);
          if (!t) continue;
          const consumed = new Set(downstream.slice(0, d).filter((u): u is number => u !== undefined));
          for (const u of world.upstream) if (u < t.upstreamOffset) expect(consumed.has(u), `upstream ${u} below ${t.upstreamOffset} (D=${d}, rule ${t.rule})`).toBe(true);
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('is exact with one series: the group next reads the first record at or after D (or the first never mirrored)', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { downstream, store } = run({ ...world, lifetimes: world.lifetimes.slice(0, 1) });
        const copied = downstream.filter((u): u is number => u !== undefined);
        const first = downstream.findIndex((u) => u !== undefined);
        for (let d = first; d <= downstream.length; d++) {
          const t = store.translateDownstream('t', 0, d);
          // Resuming at U reads the first source record at or after U (offsets in a compacted range hold none).
          const readNext = world.upstream.find((u) => u >= t!.upstreamOffset);
          const expected = downstream.slice(d).find((u) => u !== undefined) ?? world.upstream.find((u) => u > copied.at(-1)!);
          expect(readNext, `D=${d}, U=${t?.upstreamOffset} (${t?.rule})`).toBe(expected);
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
