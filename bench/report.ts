/**
 * The results of one `npm run bench`: the raw runs (JSON) and the markdown table of issue 16 per
 * source codec (bench-summary.ts computes the figures), written to `bench/results/<label>.{json,md}`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Codec, MirrorName } from './bench-options.ts';
import { CHALLENGERS, MEASURES, counted, summariseCodec, type Challenger, type CodecSummary } from './bench-summary.ts';
import type { Environment } from './environment.ts';
import type { LimitResult } from './limit-run.ts';
import type { BatchStats } from './log-batches.ts';
import type { MirrorRunResult } from './mirror-run.ts';

/** One pre-filled source topic: its codec and the batches its broker stored. */
export interface Prefill {
  codec: Codec;
  topic: string;
  records: number;
  recordsPerSec: number;
  sourceBatches: BatchStats | undefined;
}

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
  /** Cores the corrected limit divides (the machine's). */
  cores: number;
  /** Whether the batch path ran (and was confirmed by the engine), and why not. */
  batchPath: { available: boolean; reason: string };
  prefills: Prefill[];
  /** The old tool limit (`--tool-limit`), information only. */
  limits: LimitResult[];
  runs: MirrorRunResult[];
}

/** The per-codec summaries, in the order the codecs ran. */
export function summarise(results: BenchResults): CodecSummary[] {
  const codecs = [...new Set([...results.prefills.map((p) => p.codec), ...results.runs.map((r) => r.sourceCompression)])];
  return codecs.map((c) => summariseCodec(c, results.runs));
}

const COLUMN_LABEL: Record<MirrorName, string> = { mm2: 'MM2', ours: 'ours, records', batches: 'ours, batches', base: 'base' };

/** A number for the table: grouped thousands, fixed digits, `–` when missing. */
export function fmt(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const pct = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : `${Math.round(v * 100)} %`);
const yesNo = (met: boolean | undefined): string => (met === undefined ? '–' : met ? 'met' : 'not met');

/** The markdown report. */
export function toMarkdown(results: BenchResults): string {
  const e = results.environment;
  const lines: string[] = [];
  lines.push(`# Benchmark: MirrorMaker 2 vs our record path vs our batch path, against the corrected limit (${results.label})`, '');
  if (results.preliminary.length > 0) lines.push(`**PRELIMINARY** — ${results.preliminary.join('; ')}.`, '');
  const count = (m: MirrorName) => results.runs.filter((r) => r.mirror === m && counted(r)).length;
  lines.push(
    `${results.startedAt} · ${results.durationS.toFixed(0)} s · runs: MM2 ${count('mm2')}, ours/records ${count('ours')}, ours/batches ${count('batches')}${count('base') ? `, base ${count('base')}` : ''}; medians per source codec`,
    '',
    `Machine: ${e.nproc} cores (${e.cpuModel}), ${Math.round(e.memoryMb / 1024)} GiB, Linux ${e.kernel}; load average ${e.loadAvgAtStart.join(' / ')} at start, ${results.loadAvgAtEnd.join(' / ')} at end.`,
    `Versions: Kafka ${e.versions.kafka} (brokers, tools, MM2), Java ${e.versions.java}, Node ${e.versions.node}, librdkafka ${e.versions.librdkafka} (@confluentinc/kafka-javascript ${e.versions.kafkaJavascript}).`,
    '',
    `Batch path (\`data.path = batches\`): ${results.batchPath.available ? 'ran' : '**not available**'} — ${results.batchPath.reason}.`,
    '',
  );
  const withBase = results.runs.some((r) => r.mirror === 'base');
  const columns: MirrorName[] = withBase ? ['mm2', 'ours', 'batches', 'base'] : ['mm2', 'ours', 'batches'];
  const challengers: Challenger[] = CHALLENGERS.filter((c) => columns.includes(c));
  const cell = (s: CodecSummary, m: MirrorName, v: string) => (m === 'batches' && s.runs.batches === 0 ? 'n/a' : v);
  for (const s of summarise(results)) {
    lines.push(`## Source topic compression: ${s.codec}`, '');
    lines.push(
      `| measure | ${columns.map((c) => COLUMN_LABEL[c]).join(' | ')} | ${challengers.map((c) => `${COLUMN_LABEL[c]} ÷ MM2`).join(' | ')} |`,
      `|---|${columns.map(() => '---:').join('|')}|${challengers.map(() => '---:').join('|')}|`,
    );
    for (const m of MEASURES) {
      const md = s.medians[m.key]!;
      lines.push(`| ${m.label} | ${columns.map((c) => cell(s, c, fmt(md[c], m.digits))).join(' | ')} | ${challengers.map((c) => cell(s, c, fmt(s.vsMm2[c][m.key], 2))).join(' | ')} |`);
      if (m.key === 'mbPerSec') {
        lines.push(`| **share of the corrected limit** | ${columns.map((c) => cell(s, c, pct(s.shareOfLimit[c]))).join(' | ')} | ${challengers.map(() => '').join(' | ')} |`);
      }
    }
    lines.push('');
    lines.push(
      s.limit
        ? `**Corrected limit** (${s.codec}): **${fmt(s.limit.best, 0)} records/s** = ${results.cores} cores ÷ the lowest brokers' CPU s per record of the ${s.limit.runs} run(s) (median of the runs: ${fmt(s.limit.median, 0)}).`
        : `**Corrected limit** (${s.codec}): not measured (broker CPU unknown).`,
    );
    const prefill = results.prefills.find((p) => p.codec === s.codec);
    const sb = prefill?.sourceBatches;
    if (sb?.batches) lines.push(`Source topic \`${prefill!.topic}\` as pre-filled (ProducerPerformance): ${fmt(sb.batches, 0)} batches, ${fmt(sb.records / sb.batches, 0)} records and ${fmt(sb.bytes / sb.batches / 1024, 0)} KiB per batch, codec ${sb.codecs.join('/')}.`);
    lines.push('', `| target (issue 16; reported, not asserted) | goal | ${challengers.map((c) => `${COLUMN_LABEL[c]} | met`).join(' | ')} |`, `|---|---:|${challengers.map(() => '---:|---').join('|')}|`);
    const targets = s.targets[challengers[0]!];
    targets.forEach((t, i) => {
      lines.push(`| ${t.name} | ${t.goal} | ${challengers.map((c) => (c === 'batches' && s.runs.batches === 0 ? 'n/a | n/a' : `${fmt(s.targets[c][i]!.value, 2)} | ${yesNo(s.targets[c][i]!.met)}`)).join(' | ')} |`);
    });
    lines.push('');
  }
  lines.push(`MM2: tasks.max ${String((results.settings.mm2 as { properties?: Record<string, unknown> } | undefined)?.properties?.['tasks.max'] ?? '?')} (task threads, one JVM); ours: tasks.max ${String(results.settings.oursTasks ?? 1)} (task processes; CPU and RSS summed over all).`);
  if (withBase) {
    const base = results.settings.base as { bin?: string } | undefined;
    lines.push('', `base = our engine from \`${String(base?.bin ?? '?')}\` with tasks.max ${String(results.settings.baseTasks ?? 1)} (before), ours = this checkout (after).`);
  }
  if (results.limits.length > 0) {
    lines.push('', 'Old "limit", information only — not a ceiling for a mirror (one tool loads one broker; MM2 has beaten it): ProducerPerformance into the source / ConsumerPerformance from it → min, records/s.');
    for (const l of results.limits) lines.push(`- round ${l.round}: ${fmt(l.producer.recordsPerSec, 0)} / ${fmt(l.consumer.fetchRecordsPerSec, 0)} → ${fmt(l.recordsPerSec, 0)}`);
  }
  lines.push('', 'Runs (source codec · records/s · corrected limit · CPU s in the copy phase: mirror / source broker / target broker / machine · records per target batch · peak RSS MiB · p50/p99 ms):');
  for (const r of results.runs) {
    const c = r.copyPhaseCpuS;
    const b = r.targetBatches?.batches ? fmt(r.targetBatches.records / r.targetBatches.batches, 0) : '–';
    const note = r.dataPath && !r.dataPath.check.confirmed ? ` · NOT COUNTED: ${r.dataPath.check.reason}` : '';
    lines.push(
      `- round ${r.round} ${r.sourceCompression} ${r.mirror}: ${fmt(r.recordsPerSec, 0)} · ${fmt(r.correctedLimitRecordsPerSec, 0)} · ${fmt(r.cpuCopyS, 1)} / ${fmt(c.sourceBroker, 1)} / ${fmt(c.targetBroker, 1)} / ${fmt(c.machine, 1)} · ${b} · ${fmt(r.peakRssMb, 0)} · ${fmt(r.latency?.p50Ms, 0)}/${fmt(r.latency?.p99Ms, 0)}${r.excessRecords ? ` · ${r.excessRecords} excess` : ''}${note}`,
    );
  }
  lines.push('', 'Method: README, section Benchmark. Settings: `settings` in the JSON file next to this one.', '');
  return lines.join('\n');
}

/** Writes `<dir>/<label>.json` and `<dir>/<label>.md`; returns their paths. */
export function writeResults(dir: string, results: BenchResults): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${results.label}.json`);
  const markdown = join(dir, `${results.label}.md`);
  writeFileSync(json, `${JSON.stringify({ ...results, summary: summarise(results) }, null, 2)}\n`);
  writeFileSync(markdown, toMarkdown(results));
  return { json, markdown };
}
