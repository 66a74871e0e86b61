/**
 * The corrected limit of issue 16: on a machine whose cores the brokers share with the mirror, the
 * most any mirror could copy is what the brokers alone can carry — the rate a mirror that cost nothing
 * would reach: cores ÷ (both brokers' CPU seconds per record copied). The brokers' CPU comes from
 * /proc during each mirror's copy phase, so every run yields one estimate; a mirror that writes small
 * batches makes the target broker work harder per record, and its own estimate is lower. The limit
 * reported is the best estimate of the run (the cheapest broker work any mirror achieved: batching is
 * part of a mirror's cost), with the median beside it.
 *
 * It replaces "ProducerPerformance into the source alone", which MM2 beat (issue 16): a tool writing
 * one cluster leaves the other broker's core free, a mirror cannot.
 */
import { median } from './stats.ts';

/**
 * records/s a free mirror would reach: `cores × records ÷ brokerCpuS`; undefined when the brokers'
 * CPU time is not positive (not measured) or nothing was copied.
 */
export function correctedLimitRecordsPerSec(cores: number, records: number, brokerCpuS: number): number | undefined {
  if (!(brokerCpuS > 0) || !(records > 0) || !(cores > 0)) return undefined;
  return (cores * records) / brokerCpuS;
}

/** The limit over several runs' estimates (records/s): the best and the median; undefined when none. */
export function chooseLimit(estimates: readonly (number | undefined)[]): { best: number; median: number; runs: number } | undefined {
  const xs = estimates.filter((v): v is number => v !== undefined && Number.isFinite(v) && v > 0);
  if (xs.length === 0) return undefined;
  return { best: Math.max(...xs), median: median(xs)!, runs: xs.length };
}
