/**
 * The benchmark's runs → the figures of issue 16, per source codec: medians per mirror of every measure
 * (CPU normalised to seconds per GB of record values copied), the corrected limit (corrected-limit.ts)
 * and each mirror's share of it, the ratios against MM2 measured in the same run, and the issue's
 * targets (reported, not asserted). Pure: no I/O.
 */
import type { Codec, MirrorName } from './bench-options.ts';
import { chooseLimit } from './corrected-limit.ts';
import type { MirrorRunResult } from './mirror-run.ts';
import { median, ratio } from './stats.ts';

/** One row of the table: how to read a measure from a run. */
export interface Measure {
  key: string;
  label: string;
  of: (r: MirrorRunResult) => number | undefined;
  digits: number;
}

const perGb = (r: MirrorRunResult, cpuS: number | undefined): number | undefined => (cpuS === undefined || r.bytes <= 0 ? undefined : cpuS / (r.bytes / 1e9));

/** The measures, in table order. CPU per GB: CPU seconds of the copy phase ÷ GB (10^9 bytes) of record values copied. */
export const MEASURES: readonly Measure[] = [
  { key: 'recordsPerSec', label: 'throughput, records/s (copy phase)', of: (r) => r.recordsPerSec, digits: 0 },
  { key: 'mbPerSec', label: 'throughput, MB/s of record values', of: (r) => r.mbPerSec, digits: 1 },
  { key: 'latencyP99Ms', label: 'latency p99, ms (5 000 records/s load)', of: (r) => r.latency?.p99Ms, digits: 0 },
  { key: 'latencyP50Ms', label: 'latency p50, ms', of: (r) => r.latency?.p50Ms, digits: 0 },
  { key: 'peakRssMb', label: 'peak RSS, MiB (all mirror processes)', of: (r) => r.peakRssMb, digits: 0 },
  { key: 'engineCpuPerGb', label: 'mirror CPU s per GB (all its processes)', of: (r) => perGb(r, r.cpuCopyS), digits: 1 },
  { key: 'sourceBrokerCpuPerGb', label: 'source broker CPU s per GB', of: (r) => perGb(r, r.copyPhaseCpuS.sourceBroker), digits: 1 },
  { key: 'targetBrokerCpuPerGb', label: 'target broker CPU s per GB', of: (r) => perGb(r, r.copyPhaseCpuS.targetBroker), digits: 1 },
  { key: 'machineCpuPerGb', label: 'whole machine CPU s per GB (/proc/stat, incl. others\' load)', of: (r) => perGb(r, r.copyPhaseCpuS.machine), digits: 1 },
  { key: 'correctedLimit', label: 'corrected limit from this mirror\'s runs, records/s', of: (r) => r.correctedLimitRecordsPerSec, digits: 0 },
  { key: 'recordsPerBatch', label: 'target log: records per batch (as produced)', of: (r) => (r.targetBatches?.batches ? r.targetBatches.records / r.targetBatches.batches : undefined), digits: 0 },
  { key: 'kibPerBatch', label: 'target log: KiB per batch', of: (r) => (r.targetBatches?.batches ? r.targetBatches.bytes / r.targetBatches.batches / 1024 : undefined), digits: 0 },
  { key: 'totalS', label: 'time to mirror all, s (from process start)', of: (r) => r.totalMs / 1000, digits: 1 },
  { key: 'startupS', label: 'startup → first remote record, s', of: (r) => r.startupMs / 1000, digits: 1 },
  { key: 'excessRecords', label: 'records beyond the source (duplicates)', of: (r) => r.excessRecords, digits: 0 },
];

/** The mirrors compared with MM2. */
export const CHALLENGERS = ['ours', 'batches', 'base'] as const satisfies readonly MirrorName[];
export type Challenger = (typeof CHALLENGERS)[number];

/** One of issue 16's targets for one challenger. */
export interface TargetResult {
  name: string;
  goal: string;
  value: number | undefined;
  /** undefined when not measured. */
  met: boolean | undefined;
}

/** Everything the report prints for one source codec. */
export interface CodecSummary {
  codec: Codec;
  /** Runs counted per mirror (a batch-path run the engine did not confirm is not counted). */
  runs: Record<MirrorName, number>;
  medians: Record<string, Record<MirrorName, number | undefined>>;
  /** The corrected limit over every counted run of this codec: best estimate (the limit) and median. */
  limit: { best: number; median: number; runs: number } | undefined;
  /** Median records/s ÷ the limit (best), per mirror. */
  shareOfLimit: Record<MirrorName, number | undefined>;
  /** challenger ÷ MM2 per measure. */
  vsMm2: Record<Challenger, Record<string, number | undefined>>;
  targets: Record<Challenger, TargetResult[]>;
}

/** Whether a run's figures count (a run asked for a data path the engine did not confirm does not). */
export function counted(r: MirrorRunResult): boolean {
  return r.dataPath?.check.confirmed !== false;
}

/** The summary of the runs of one source codec. */
export function summariseCodec(codec: Codec, allRuns: readonly MirrorRunResult[]): CodecSummary {
  const runs = allRuns.filter((r) => r.sourceCompression === codec && counted(r));
  const of = (name: MirrorName) => runs.filter((r) => r.mirror === name);
  const names: MirrorName[] = ['mm2', 'ours', 'batches', 'base'];
  const count = Object.fromEntries(names.map((n) => [n, of(n).length])) as Record<MirrorName, number>;
  const medians: CodecSummary['medians'] = {};
  for (const m of MEASURES) medians[m.key] = Object.fromEntries(names.map((n) => [n, median(of(n).map(m.of))])) as Record<MirrorName, number | undefined>;
  const limit = chooseLimit(runs.map((r) => r.correctedLimitRecordsPerSec));
  const shareOfLimit = Object.fromEntries(names.map((n) => [n, ratio(medians.recordsPerSec![n], limit?.best)])) as Record<MirrorName, number | undefined>;
  const vsMm2 = {} as CodecSummary['vsMm2'];
  const targets = {} as CodecSummary['targets'];
  for (const c of CHALLENGERS) {
    vsMm2[c] = Object.fromEntries(MEASURES.map((m) => [m.key, ratio(medians[m.key]![c], medians[m.key]!.mm2)]));
    targets[c] = targetsFor(vsMm2[c], shareOfLimit[c]);
  }
  return { codec, runs: count, medians, limit, shareOfLimit, vsMm2, targets };
}

/** Issue 16's targets (reported, not asserted) from a challenger's ratios against MM2 and its share of the limit. */
export function targetsFor(vsMm2: Record<string, number | undefined>, shareOfLimit: number | undefined): TargetResult[] {
  const t = (name: string, goal: string, value: number | undefined, ok: (v: number) => boolean): TargetResult => ({ name, goal, value, met: value === undefined ? undefined : ok(value) });
  return [
    t('throughput ÷ MM2', '≥ 1.5', vsMm2.recordsPerSec, (v) => v >= 1.5),
    t('throughput ÷ corrected limit', '≥ 0.90', shareOfLimit, (v) => v >= 0.9),
    t('mirror CPU per GB ÷ MM2', '≤ 0.33', vsMm2.engineCpuPerGb, (v) => v <= 0.33),
    t('latency p99 ÷ MM2', '≤ 1.0', vsMm2.latencyP99Ms, (v) => v <= 1),
    t('peak RSS ÷ MM2', '≤ 0.5', vsMm2.peakRssMb, (v) => v <= 0.5),
  ];
}
