import { describe, expect, it } from 'vitest';
import { fakeRun } from './bench-fixtures.ts';
import { summariseCodec, targetsFor } from './bench-summary.ts';

describe('summariseCodec', () => {
  const mm2 = [fakeRun({ round: 1 }), fakeRun({ round: 2, recordsPerSec: 120_000, correctedLimitRecordsPerSec: 180_000 })];
  const ours = [
    fakeRun({ mirror: 'ours', recordsPerSec: 160_000, cpuCopyS: 3.072, peakRssMb: 400, correctedLimitRecordsPerSec: 250_000, dataPath: { asked: 'records', check: { confirmed: true, reason: '' } } }),
  ];
  const unconfirmed = fakeRun({ mirror: 'batches', recordsPerSec: 999_999, correctedLimitRecordsPerSec: 9_999_999, dataPath: { asked: 'batches', check: { confirmed: false, reason: 'ignored' } } });
  const lz4 = fakeRun({ sourceCompression: 'lz4', recordsPerSec: 1 });
  const s = summariseCodec('none', [...mm2, ...ours, unconfirmed, lz4]);

  it('takes medians per mirror over the runs of the codec and leaves unconfirmed batch-path runs out', () => {
    expect(s.runs).toEqual({ mm2: 2, ours: 1, batches: 0, base: 0 });
    expect(s.medians.recordsPerSec).toEqual({ mm2: 110_000, ours: 160_000, batches: undefined, base: undefined });
  });

  it('normalises CPU to seconds per GB of record values', () => {
    expect(s.medians.engineCpuPerGb!.mm2).toBeCloseTo(10, 6); // 10.24 s ÷ 1.024 GB
    expect(s.medians.engineCpuPerGb!.ours).toBeCloseTo(3, 6);
    expect(s.medians.targetBrokerCpuPerGb!.mm2).toBeCloseTo(8 / 1.024, 6);
    expect(s.medians.recordsPerBatch!.mm2).toBe(1000);
  });

  it('uses the best corrected limit of the counted runs and gives each mirror its share', () => {
    expect(s.limit).toEqual({ best: 250_000, median: 200_000, runs: 3 });
    expect(s.shareOfLimit.mm2).toBeCloseTo(0.44, 6);
    expect(s.shareOfLimit.ours).toBeCloseTo(0.64, 6);
  });

  it('compares with MM2 and marks the targets', () => {
    expect(s.vsMm2.ours.recordsPerSec).toBeCloseTo(160 / 110, 6);
    expect(s.vsMm2.ours.engineCpuPerGb).toBeCloseTo(0.3, 6);
    expect(s.targets.ours.map((t) => [t.name, t.met])).toEqual([
      ['throughput ÷ MM2', false],
      ['throughput ÷ corrected limit', false],
      ['mirror CPU per GB ÷ MM2', true],
      ['latency p99 ÷ MM2', true],
      ['peak RSS ÷ MM2', true],
    ]);
    expect(s.targets.batches.every((t) => t.met === undefined && t.value === undefined)).toBe(true);
  });
});

describe('targetsFor', () => {
  it('applies the issue\'s goals at their edges', () => {
    const met = targetsFor({ recordsPerSec: 1.5, engineCpuPerGb: 0.33, latencyP99Ms: 1, peakRssMb: 0.5 }, 0.9);
    expect(met.every((t) => t.met === true)).toBe(true);
    const missed = targetsFor({ recordsPerSec: 1.49, engineCpuPerGb: 0.34, latencyP99Ms: 1.01, peakRssMb: 0.51 }, 0.89);
    expect(missed.every((t) => t.met === false)).toBe(true);
  });
});
