import { describe, expect, it } from 'vitest';
import { PartitionMeter, SAMPLE_WINDOW_MS, WindowedStat } from './partition-meter.ts';

const T0 = 1_700_000_000_000;

describe('PartitionMeter', () => {
  it('counts records and bytes cumulatively and keeps the last latency and age (Kafka Value)', () => {
    const m = new PartitionMeter(T0);
    m.record(10, 4, 100, T0 + 1000);
    m.record(30, 2, 50, T0 + 2000);
    const s = m.snapshot(T0 + 2000);
    expect([s.recordCount, s.byteCount]).toEqual([2, 150]);
    expect(s.replicationLatencyMs).toEqual({ last: 30, min: 10, max: 30, avg: 20 });
    expect(s.recordAgeMs).toEqual({ last: 2, min: 2, max: 4, avg: 3 });
    expect(s.lastAckAtMs).toBe(T0 + 2000);
  });

  it('divides rates by at least one full window while young (Kafka Rate.windowSize), then by the elapsed time', () => {
    const m = new PartitionMeter(T0);
    for (let i = 0; i < 300; i++) m.record(1, 0, 10, T0 + i * 10); // 300 records in 3 s
    // 3 s elapsed < one 30 s window: the window is stretched to 33 s.
    expect(m.snapshot(T0 + 3000).recordRate).toBeCloseTo(300 / 33, 5);
    expect(m.snapshot(T0 + 3000).byteRate).toBeCloseTo(3000 / 33, 5);
    // 45 s after start: two samples are live (T0 and T0+30 s); the window spans 45 s.
    m.record(1, 0, 10, T0 + SAMPLE_WINDOW_MS + 5000);
    expect(m.snapshot(T0 + 45_000).recordRate).toBeCloseTo(301 / 45, 5);
  });

  it('forgets samples older than two windows: min/max/avg NaN, rate 0, counts kept', () => {
    const m = new PartitionMeter(T0);
    m.record(50, 5, 1, T0);
    const s = m.snapshot(T0 + 2 * SAMPLE_WINDOW_MS + 1);
    expect(s.recordCount).toBe(1);
    expect(s.recordRate).toBe(0);
    expect(s.replicationLatencyMs.last).toBe(50);
    expect(Number.isNaN(s.replicationLatencyMs.max)).toBe(true);
    expect(Number.isNaN(s.replicationLatencyMs.avg)).toBe(true);
  });

  it('rolls into a new sample after one window: the older sample still counts until it is obsolete', () => {
    const m = new PartitionMeter(T0);
    m.record(100, 0, 1, T0 + 1);
    m.record(1, 0, 1, T0 + SAMPLE_WINDOW_MS + 1);
    expect(m.snapshot(T0 + SAMPLE_WINDOW_MS + 2).replicationLatencyMs.max).toBe(100);
    expect(m.snapshot(T0 + 2 * SAMPLE_WINDOW_MS + 2).replicationLatencyMs.max).toBe(1);
  });

  it('counts negative latency (clock skew) as 0', () => {
    const m = new PartitionMeter(T0);
    m.record(-5, -1, 1, T0);
    expect(m.snapshot(T0).replicationLatencyMs.min).toBe(0);
    expect(m.snapshot(T0).recordAgeMs.last).toBe(0);
  });
});

describe('WindowedStat', () => {
  it('keeps last, min, max, avg over the live samples and a total count', () => {
    const s = new WindowedStat(T0);
    s.record(20, T0 + 1);
    s.record(40, T0 + 2);
    expect(s.snapshot(T0 + 3)).toEqual({ last: 40, min: 20, max: 40, avg: 30, count: 2 });
    const later = s.snapshot(T0 + 3 * SAMPLE_WINDOW_MS);
    expect([later.last, later.count, Number.isNaN(later.avg)]).toEqual([40, 2, true]);
  });
});
