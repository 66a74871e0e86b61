/**
 * Turns the rounds into the results: medians per measure, the ratios ours/MM2 and ours/limit, the
 * issue's targets (reported, not asserted), as JSON and as a markdown table, written to
 * `bench/results/<label>.{json,md}`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from './environment.ts';
import type { LimitResult } from './limit-run.ts';
import type { MirrorRunResult } from './mirror-run.ts';
import type { MirrorName } from './bench-options.ts';

/** Everything a benchmark invocation produced. */
export interface BenchResults {
  label: string;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  /** Why these numbers should not be quoted as final (empty when none). */
  preliminary: string[];
  environment: Environment;
  loadAvgAtEnd: number[];
  settings: Record<string, unknown>;
  limits: LimitResult[];
  runs: MirrorRunResult[];
}

/** One row of the summary table: how to read a measure from a run, and which direction is better. */
interface Measure {
  key: string;
  label: string;
  of: (r: MirrorRunResult) => number | undefined;
  limit?: (l: LimitResult) => number;
  digits: number;
}

const MEASURES: readonly Measure[] = [
  { key: 'recordsPerSec', label: 'throughput, records/s (copy phase)', of: (r) => r.recordsPerSec, limit: (l) => l.recordsPerSec, digits: 0 },
  { key: 'mbPerSec', label: 'throughput, MB/s (copy phase)', of: (r) => r.mbPerSec, limit: (l) => l.mbPerSec, digits: 1 },
  { key: 'recordsPerSecTotal', label: 'records/s incl. startup', of: (r) => r.recordsPerSecTotal, digits: 0 },
  { key: 'totalS', label: 'time to mirror all, s (from process start)', of: (r) => r.totalMs / 1000, digits: 1 },
  { key: 'startupS', label: 'startup → first remote record, s', of: (r) => r.startupMs / 1000, digits: 1 },
  { key: 'copyS', label: 'copy phase (first → last record), s', of: (r) => r.copyMs / 1000, digits: 1 },
  { key: 'peakRssMb', label: 'peak RSS, MiB', of: (r) => r.peakRssMb, digits: 0 },
  { key: 'cpuS', label: 'CPU s, start → caught up', of: (r) => r.cpuS, digits: 1 },
  { key: 'cpuCopyS', label: 'CPU s, copy phase', of: (r) => r.cpuCopyS, digits: 1 },
  { key: 'latencyP50Ms', label: 'latency p50, ms', of: (r) => r.latency?.p50Ms, digits: 0 },
  { key: 'latencyP99Ms', label: 'latency p99, ms', of: (r) => r.latency?.p99Ms, digits: 0 },
  { key: 'latencyMaxMs', label: 'latency max, ms', of: (r) => r.latency?.maxMs, digits: 0 },
  { key: 'latencyP99AllMs', label: 'latency p99 incl. warm-up, ms', of: (r) => r.latency?.p99AllMs, digits: 0 },
  { key: 'excessRecords', label: 'records beyond the source (duplicates)', of: (r) => r.excessRecords, digits: 0 },
];

/** Medians of one measure (undefined where a mirror did not run or the measure does not apply). */
interface Medians {
  mm2: number | undefined;
  ours: number | undefined;
  base: number | undefined;
  limit: number | undefined;
}

/** Median of the defined, finite values (undefined when none). */
export function median(values: readonly (number | undefined)[]): number | undefined {
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1]! + xs[mid]!) / 2;
}

/** Medians per measure for MM2, ours and the limit, and the ratios. */
export function summarise(results: BenchResults): {
  medians: Record<string, Medians>;
  ratios: { oursVsMm2: Record<string, number | undefined>; oursVsLimit: Record<string, number | undefined>; oursVsBase: Record<string, number | undefined> };
  targets: { name: string; value: number | undefined; goal: string; met: boolean | undefined }[];
} {
  const medians: Record<string, Medians> = {};
  const oursVsMm2: Record<string, number | undefined> = {};
  const oursVsLimit: Record<string, number | undefined> = {};
  const oursVsBase: Record<string, number | undefined> = {};
  for (const m of MEASURES) {
    const of = (name: MirrorName) => median(results.runs.filter((r) => r.mirror === name).map(m.of));
    const [mm2, ours, base] = [of('mm2'), of('ours'), of('base')];
    const limit = m.limit ? median(results.limits.map(m.limit)) : undefined;
    medians[m.key] = { mm2, ours, base, limit };
    oursVsMm2[m.key] = ratio(ours, mm2);
    oursVsBase[m.key] = ratio(ours, base);
    if (m.limit) oursVsLimit[m.key] = ratio(ours, limit);
  }
  const t = (name: string, value: number | undefined, goal: string, ok: (v: number) => boolean) => ({ name, value, goal, met: value === undefined ? undefined : ok(value) });
  const targets = [
    t('throughput ours / MM2', oursVsMm2.recordsPerSec, '>= 1.5', (v) => v >= 1.5),
    t('throughput ours / limit', oursVsLimit.recordsPerSec, '>= 0.70', (v) => v >= 0.7),
    t('latency p99 ours / MM2', oursVsMm2.latencyP99Ms, '<= 1.0', (v) => v <= 1),
    t('peak RSS ours / MM2', oursVsMm2.peakRssMb, '<= 0.5', (v) => v <= 0.5),
  ];
  return { medians, ratios: { oursVsMm2, oursVsLimit, oursVsBase }, targets };
}

/** The markdown report. */
export function toMarkdown(results: BenchResults): string {
  const s = summarise(results);
  const e = results.environment;
  const fmt = (v: number | undefined, digits: number) => (v === undefined || !Number.isFinite(v) ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const lines: string[] = [];
  lines.push(`# Benchmark: ours vs MirrorMaker 2 vs the brokers' limit (${results.label})`, '');
  if (results.preliminary.length > 0) lines.push(`**PRELIMINARY** — ${results.preliminary.join('; ')}.`, '');
  lines.push(
    `${results.startedAt} · ${results.durationS.toFixed(0)} s · ${results.runs.filter((r) => r.mirror === 'mm2').length} MM2 run(s), ` +
      `${results.runs.filter((r) => r.mirror === 'ours').length} run(s) of ours, ${results.runs.filter((r) => r.mirror === 'base').length ? `${results.runs.filter((r) => r.mirror === 'base').length} of base, ` : ''}${results.limits.length} limit run(s); medians`,
    '',
    `Machine: ${e.nproc} cores (${e.cpuModel}), ${Math.round(e.memoryMb / 1024)} GiB, Linux ${e.kernel}; load average ${e.loadAvgAtStart.join(' / ')} at start, ${results.loadAvgAtEnd.join(' / ')} at end.`,
    `Versions: Kafka ${e.versions.kafka} (brokers, tools, MM2), Java ${e.versions.java}, Node ${e.versions.node}, librdkafka ${e.versions.librdkafka} (@confluentinc/kafka-javascript ${e.versions.kafkaJavascript}).`,
    '',
  );
  const withBase = results.runs.some((r) => r.mirror === 'base');
  lines.push(
    `| measure | limit | MM2 | ours |${withBase ? ' base |' : ''} ours/MM2 | ours/limit |${withBase ? ' ours/base |' : ''}`,
    `|---|---:|---:|---:|${withBase ? '---:|' : ''}---:|---:|${withBase ? '---:|' : ''}`,
  );
  for (const m of MEASURES) {
    const md = s.medians[m.key]!;
    const base = withBase ? ` ${fmt(md.base, m.digits)} |` : '';
    const vsBase = withBase ? ` ${fmt(s.ratios.oursVsBase[m.key], 2)} |` : '';
    lines.push(`| ${m.label} | ${fmt(md.limit, m.digits)} | ${fmt(md.mm2, m.digits)} | ${fmt(md.ours, m.digits)} |${base} ${fmt(s.ratios.oursVsMm2[m.key], 2)} | ${fmt(s.ratios.oursVsLimit[m.key], 2)} |${vsBase}`);
  }
  lines.push('', `MM2: tasks.max ${String((results.settings.mm2 as { properties?: Record<string, unknown> } | undefined)?.properties?.['tasks.max'] ?? '?')} (task threads); ours: tasks.max ${String(results.settings.oursTasks ?? 1)} (task processes).`);
  if (withBase) {
    const base = results.settings.base as { bin?: string } | undefined;
    lines.push('', `base = our engine from \`${String(base?.bin ?? '?')}\` with tasks.max ${String(results.settings.baseTasks ?? 1)} (before), ours = this checkout (after).`);
  }
  lines.push('', '| target (reported, not asserted) | value | goal | met |', '|---|---:|---:|---|');
  for (const t of s.targets) lines.push(`| ${t.name} | ${fmt(t.value, 2)} | ${t.goal} | ${t.met === undefined ? '–' : t.met ? 'yes' : 'no'} |`);
  if (results.limits.length > 0) {
    lines.push('', 'Limit per round (records/s): producer into the source / consumer from it → min.');
    for (const l of results.limits) lines.push(`- round ${l.round}: ${fmt(l.producer.recordsPerSec, 0)} / ${fmt(l.consumer.fetchRecordsPerSec, 0)} → ${fmt(l.recordsPerSec, 0)}`);
  }
  lines.push('', 'Runs (records/s copy phase · total s · peak RSS MiB · CPU s · p50/p99 ms):');
  for (const r of results.runs) {
    lines.push(`- round ${r.round} ${r.mirror}: ${fmt(r.recordsPerSec, 0)} · ${fmt(r.totalMs / 1000, 1)} · ${fmt(r.peakRssMb, 0)} · ${fmt(r.cpuS, 1)} · ${fmt(r.latency?.p50Ms, 0)}/${fmt(r.latency?.p99Ms, 0)}${r.excessRecords ? ` · ${r.excessRecords} excess` : ''}`);
  }
  lines.push('', 'Settings: see `settings` in the JSON file next to this one.', '');
  return lines.join('\n');
}

/** Writes `<dir>/<label>.json` and `<dir>/<label>.md`; returns their paths. */
export function writeResults(dir: string, results: BenchResults): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${results.label}.json`);
  const markdown = join(dir, `${results.label}.md`);
  writeFileSync(json, `${JSON.stringify({ ...results, ...summarise(results) }, null, 2)}\n`);
  writeFileSync(markdown, toMarkdown(results));
  return { json, markdown };
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}
