import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AggregationTemporality, DataPointType, MetricReader, type ExponentialHistogram } from '@opentelemetry/sdk-metrics';
import { Telemetry, exponentialQuantile } from './telemetry.ts';

/** A second reader on the same provider: lets the test see the histogram's scale (hence its error bound). */
class ProbeReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}

  /** Exponential histogram data points of `replication-latency-ms`. */
  async latencyHistograms(): Promise<ExponentialHistogram[]> {
    const { resourceMetrics } = await this.collect();
    const out: ExponentialHistogram[] = [];
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== 'replication-latency-ms' || metric.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM) continue;
        for (const point of metric.dataPoints) out.push(point.value as ExponentialHistogram);
      }
    }
    return out;
  }
}

/** Nearest-rank quantile of a sorted array: the value at rank ceil(q·n). */
function sortedQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** Floating-point slack on bucket boundaries (base^i is computed with Math.pow). */
const EPS = 1e-9;

describe('Telemetry', () => {
  it('summarises nothing as zeros and undefined quantiles', async () => {
    const t = new Telemetry();
    try {
      expect(await t.summary()).toMatchObject({ records: 0, bytes: 0, lostRecords: 0, latencyP50Ms: undefined, latencyP99Ms: undefined, latencyMaxMs: undefined });
    } finally {
      await t.shutdown();
    }
  });

  it('totals records, bytes and lost records over all attributes; negative latency counts as 0', async () => {
    const t = new Telemetry();
    try {
      t.recordMirrored(10, 100, { flow: 'a->b', topic: 'x' });
      t.recordMirrored(30, 50, { flow: 'a->b', topic: 'y' });
      t.recordMirrored(-5, 1, { flow: 'a->b', topic: 'y' }); // clock skew between source and engine
      t.recordLost(7, { flow: 'a->b', topic: 'x' });
      t.recordLost(3, { flow: 'a->b', topic: 'y' });
      const s = await t.summary();
      expect([s.records, s.bytes, s.lostRecords, s.latencyMaxMs]).toEqual([3, 151, 10, 30]);
      expect(s.latencyP50Ms).toBeGreaterThanOrEqual(10);
      expect(s.latencyP50Ms).toBeLessThan(10 * 1.05);
    } finally {
      await t.shutdown();
    }
  });

  it('p50/p99 match a sorted-array quantile within the histogram relative error (property, seed 42)', async () => {
    const valueArb = fc.oneof(
      fc.integer({ min: 0, max: 100_000 }),
      fc.double({ min: 0.01, max: 60_000, noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0, 1, 2, 4, 1024, 1000),
    );
    const topicArb = fc.constantFrom('t1', 't2', 't3');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(valueArb, topicArb), { minLength: 1, maxLength: 400 }), async (samples) => {
        const probe = new ProbeReader();
        const t = new Telemetry({ readers: [probe] });
        try {
          for (const [v, topic] of samples) t.recordMirrored(v, 1, { flow: 'primary->standby', topic });
          const s = await t.summary();
          const points = await probe.latencyHistograms();
          // Merged data points: the coarsest scale bounds the error (base = 2^(2^-scale); value ≤ estimate < value·base).
          const base = Math.max(...points.map((h) => Math.pow(2, Math.pow(2, -h.scale))));
          const sorted = samples.map(([v]) => v).sort((a, b) => a - b);
          expect(s.records).toBe(samples.length);
          expect(s.latencyMaxMs).toBe(sorted[sorted.length - 1]);
          for (const [q, estimate] of [[0.5, s.latencyP50Ms], [0.99, s.latencyP99Ms]] as const) {
            const exact = sortedQuantile(sorted, q);
            expect(estimate).toBeDefined();
            if (exact === 0) {
              expect(estimate).toBe(0);
              continue;
            }
            expect(estimate!).toBeGreaterThanOrEqual(exact * (1 - EPS));
            expect(estimate!).toBeLessThanOrEqual(exact * base * (1 + EPS));
          }
        } finally {
          await t.shutdown();
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('keeps the relative error near 4 % for latencies spanning 1 ms..1 s (160 buckets)', async () => {
    const probe = new ProbeReader();
    const t = new Telemetry({ readers: [probe] });
    try {
      const values = Array.from({ length: 1000 }, (_, i) => 1 + i * 1.0001); // 1 .. ~1000 ms
      for (const v of values) t.recordMirrored(v, 1, { topic: 'x' });
      const [h] = await probe.latencyHistograms();
      expect(h!.scale).toBeGreaterThanOrEqual(3); // base ≤ 2^(1/8): ≤ 9.05 %
      const s = await t.summary();
      expect(s.latencyP50Ms! / sortedQuantile(values, 0.5)).toBeLessThan(Math.pow(2, Math.pow(2, -h!.scale)));
    } finally {
      await t.shutdown();
    }
  });
});

describe('exponentialQuantile', () => {
  it('is undefined for no data and 0 when the rank falls among zeros', () => {
    expect(exponentialQuantile([], 0.5)).toBeUndefined();
    const zeros: ExponentialHistogram = { count: 3, sum: 0, scale: 0, zeroCount: 3, positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] }, min: 0, max: 0 };
    expect(exponentialQuantile([zeros], 0.99)).toBe(0);
  });

  it('returns the bucket upper bound, clamped to max', () => {
    // scale 0: bucket i covers (2^i, 2^(i+1)]; offset 3 → (8,16], (16,32]
    const h: ExponentialHistogram = { count: 4, sum: 70, scale: 0, zeroCount: 0, positive: { offset: 3, bucketCounts: [3, 1] }, negative: { offset: 0, bucketCounts: [] }, min: 9, max: 20 };
    expect(exponentialQuantile([h], 0.5)).toBe(16);
    expect(exponentialQuantile([h], 0.99)).toBe(20);
  });
});
