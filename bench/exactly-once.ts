/**
 * Exactly-once vs at-least-once of our engine in ONE benchmark session (issue 15): `npm run bench`'s
 * machinery (bench/benchmark.ts: own clusters on 22092/22093, pre-filled topic, copy throughput measured
 * from the outside, end-to-end latency at a fixed rate read by an independent read_committed consumer),
 * with the at-least-once mirror and mirror `base` = the same checkout with
 * `exactly.once.source.support = enabled` ON THE SAME DATA PATH, alternating their order per round: by default
 * the batch path (`batches` = at-least-once, `base` with `data.path = batches`), with `--records-path` the
 * record path (`ours` = at-least-once, `base` with `data.path = records`). Prints and writes
 * `bench/results/<label>.md` (default label `exactly-once`) with the medians and the EOS/ALOS ratios
 * (target: throughput ≥ 0.8×).
 *
 *   npx tsx bench/exactly-once.ts [--records-path] [any `npm run bench` flag, e.g. --records 300000 --rounds 1]
 *
 * Both mirrors run `tasks.max = 2` (`--tasks N --baseline-tasks N` to change it; keep them equal).
 *
 * Under exactly-once the remote log also holds one commit marker per partition per commit, so "records
 * beyond the source" shows markers (not duplicates) and the copy is seen done up to that many offsets early.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchOptions } from './bench-options.ts';
import { runBenchmark } from './benchmark.ts';
import { writeResults, type BenchResults } from './report.ts';
import { median } from './stats.ts';
import type { MirrorRunResult } from './mirror-run.ts';

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** The EOS/ALOS summary table of one session (medians over rounds). */
export function exactlyOnceSummary(results: BenchResults, atLeastOnce: 'ours' | 'batches' = 'batches'): string {
  const of = (mirror: string, f: (r: MirrorRunResult) => number | undefined) => median(results.runs.filter((r) => r.mirror === mirror).map(f));
  const rows: [string, (r: MirrorRunResult) => number | undefined, number][] = [
    ['copy throughput, records/s', (r) => r.recordsPerSec, 0],
    ['CPU seconds of the copy', (r) => r.cpuCopyS, 1],
    ['latency p50 at the fixed rate, ms (read_committed)', (r) => r.latency?.p50Ms, 1],
    ['latency p99 at the fixed rate, ms (read_committed)', (r) => r.latency?.p99Ms, 1],
    ['peak RSS, MiB', (r) => r.peakRssMb, 0],
  ];
  const fmt = (v: number | undefined, digits: number) => (v === undefined ? 'n/a' : v.toFixed(digits));
  const lines = ['| measure (median) | at-least-once | exactly-once | EOS / ALOS |', '|---|---|---|---|'];
  for (const [label, f, digits] of rows) {
    const alos = of(atLeastOnce, f);
    const eos = of('base', f);
    lines.push(`| ${label} | ${fmt(alos, digits)} | ${fmt(eos, digits)} | ${alos && eos !== undefined ? (eos / alos).toFixed(2) : 'n/a'} |`);
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  // Both modes on one data path: the bench's `ours` mirror is pinned to the record path, `batches` to the batch
  // path, and `base` takes the engine's default unless told — so `base` is pinned to the same path here.
  const recordsPath = argv.includes('--records-path');
  const rest = argv.filter((a) => a !== '--records-path');
  const atLeastOnce = recordsPath ? 'ours' : 'batches';
  // Same task count for both (the bench's `base` defaults to 1 task, `ours`/`batches` to the cores); later flags win.
  const options = parseBenchOptions(['--mirrors', `${atLeastOnce},base`, '--base-prop', 'exactly.once.source.support=enabled', '--base-prop', `data.path=${recordsPath ? 'records' : 'batches'}`, '--skip-limit', '--label', 'exactly-once', '--tasks', '2', '--baseline-tasks', '2', ...rest]);
  const t0 = Date.now();
  const say = (line: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const results = await runBenchmark(options, say);
  const files = writeResults(RESULTS_DIR, results);
  const table = `# Exactly-once vs at-least-once on the ${recordsPath ? 'record' : 'batch'} path (${results.startedAt}, ${results.settings.records ?? ''} records, ${String(results.runs.length / 2)} run(s) each)\n\n${exactlyOnceSummary(results, atLeastOnce)}\n`;
  writeFileSync(files.markdown, `${table}\n(mirror \`${atLeastOnce}\` = at-least-once, \`base\` = exactly-once, both \`data.path = ${recordsPath ? 'records' : 'batches'}\`)\n\n${readFileText(files.markdown)}`);
  process.stdout.write(`\n${table}\nresults: ${files.markdown}, ${files.json}\n`);
  return 0;
}

function readFileText(path: string): string {
  return readFileSync(path, 'utf8');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench/exactly-once: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
