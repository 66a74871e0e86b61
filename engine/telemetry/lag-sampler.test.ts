import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EndOffsetHistory, LagSampler, type SampledOffsets, type SourceOffsetsReader } from './lag-sampler.ts';

/** A source whose log end the test moves; optionally failing for one topic. */
class FakeSource implements SourceOffsetsReader {
  ends = new Map<string, number>();
  missing = new Set<string>();
  calls = 0;
  async partitionOffsets(partitions: readonly { topic: string; partition: number }[]): Promise<Map<string, SampledOffsets>> {
    this.calls++;
    const out = new Map<string, SampledOffsets>();
    for (const p of partitions) {
      if (this.missing.has(p.topic)) throw new Error(`unknown topic ${p.topic}`);
      out.set(`${p.topic}-${p.partition}`, { logStartOffset: 0, logEndOffset: this.ends.get(`${p.topic}-${p.partition}`) ?? 0 });
    }
    return out;
  }
}

describe('EndOffsetHistory', () => {
  it('interpolates the append time of an offset between the samples around it', () => {
    const h = new EndOffsetHistory();
    h.add(100, 1000);
    h.add(100, 2000); // unchanged until 2000
    h.add(200, 3000);
    // Records 100..199 were appended between 2000 and 3000: offset 149 (the 50th) at 2500.
    expect(h.appendedAtMs(149)).toBe(2500);
    expect(h.appendedAtMs(199)).toBe(3000);
    expect(h.appendedAtMs(200)).toBeUndefined();
  });

  it('bounds an offset older than the history by the first sample', () => {
    const h = new EndOffsetHistory();
    h.add(500, 7000);
    expect(h.appendedAtMs(10)).toBe(7000);
  });

  it('starts over when the log end goes down (topic recreated)', () => {
    const h = new EndOffsetHistory();
    h.add(500, 1000);
    h.add(3, 2000);
    expect(h.appendedAtMs(1)).toBe(2000);
  });

  it('never returns a time outside the sampled span, and is monotonic in the offset (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 30 }), fc.nat(2000), (steps, probe) => {
        const h = new EndOffsetHistory();
        let end = 0;
        steps.forEach((d, i) => h.add((end += d), 1000 + i * 100));
        const offset = Math.min(probe, end - 1);
        if (offset < 0) return;
        const t = h.appendedAtMs(offset)!;
        expect(t).toBeGreaterThanOrEqual(1000);
        expect(t).toBeLessThanOrEqual(1000 + (steps.length - 1) * 100);
        if (offset + 1 < end) expect(h.appendedAtMs(offset + 1)!).toBeGreaterThanOrEqual(t);
      }),
      { seed: 13, numRuns: 200 },
    );
  });
});

describe('LagSampler', () => {
  const flowOf = (source: FakeSource, partitions: { topic: string; partition: number }[]) => [{ name: 'a->b', readCommitted: true, reader: source, partitions: () => partitions }];

  it('reports lag 0 when caught up, and rising records and seconds while the mirror is frozen', async () => {
    const source = new FakeSource();
    const sampler = new LagSampler({ flows: flowOf(source, [{ topic: 't', partition: 0 }]) });
    expect(sampler.lag('a->b', 't', 0, 0, Date.now())).toEqual({ records: undefined, seconds: undefined });
    source.ends.set('t-0', 100);
    await sampler.sampleNow();
    expect(sampler.lag('a->b', 't', 0, 100, Date.now())).toEqual({ records: 0, seconds: 0 });
    // Frozen at 100 while the source grows.
    source.ends.set('t-0', 150);
    await sampler.sampleNow();
    const t1 = Date.now();
    const first = sampler.lag('a->b', 't', 0, 100, t1 + 1000);
    source.ends.set('t-0', 400);
    await sampler.sampleNow();
    const second = sampler.lag('a->b', 't', 0, 100, t1 + 5000);
    expect([first.records, second.records]).toEqual([50, 300]);
    expect(second.seconds!).toBeGreaterThan(first.seconds!);
    expect(second.seconds!).toBeGreaterThanOrEqual(4);
    // Catch-up.
    expect(sampler.lag('a->b', 't', 0, 400, t1 + 6000)).toEqual({ records: 0, seconds: 0 });
  });

  it('takes the exact in-flight timestamp over the interpolation', async () => {
    const source = new FakeSource();
    const sampler = new LagSampler({ flows: flowOf(source, [{ topic: 't', partition: 0 }]) });
    source.ends.set('t-0', 10);
    await sampler.sampleNow();
    expect(sampler.lag('a->b', 't', 0, 5, 10_000, 7_500).seconds).toBe(2.5);
  });

  it('samples topic by topic when one topic is missing, keeping the others fresh', async () => {
    const source = new FakeSource();
    const sampler = new LagSampler({ flows: flowOf(source, [{ topic: 'gone', partition: 0 }, { topic: 'ok', partition: 0 }]) });
    source.ends.set('ok-0', 5);
    source.ends.set('gone-0', 9);
    await sampler.sampleNow();
    source.missing.add('gone');
    source.ends.set('ok-0', 8);
    await sampler.sampleNow();
    expect(sampler.sample('a->b', 'ok', 0)).toMatchObject({ logEndOffset: 8, error: undefined });
    expect(sampler.sample('a->b', 'gone', 0)).toMatchObject({ logEndOffset: 9, error: 'unknown topic gone' });
  });

  it('does not overlap rounds', async () => {
    const source = new FakeSource();
    const sampler = new LagSampler({ flows: flowOf(source, [{ topic: 't', partition: 0 }]) });
    await Promise.all([sampler.sampleNow(), sampler.sampleNow(), sampler.sampleNow()]);
    expect(source.calls).toBe(1);
  });

  it('stop() during a failing round makes no further request (a source down must not hold the process stop)', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const slow: SourceOffsetsReader = {
      async partitionOffsets(partitions) {
        calls.push(partitions.map((p) => p.topic).join(','));
        await new Promise<void>((r) => (release = r));
        throw new Error('cluster down');
      },
    };
    const parts = [{ topic: 'a', partition: 0 }, { topic: 'b', partition: 0 }, { topic: 'c', partition: 0 }];
    const sampler = new LagSampler({ flows: [{ name: 'a->b', readCommitted: false, reader: slow, partitions: () => parts }] });
    const round = sampler.sampleNow();
    await Promise.resolve();
    const stopped = sampler.stop();
    release();
    await Promise.all([round, stopped]);
    expect(calls).toEqual(['a,b,c']); // without the stop flag: then 'a', 'b', 'c' one by one
  });
});
