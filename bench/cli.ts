/**
 * `npm run bench [-- flags]` — real MirrorMaker 2 vs our engine's record path vs its batch path, with the
 * source uncompressed and lz4, against the corrected limit (the brokers' own CPU cost), on the
 * benchmark's own two local clusters. Writes `bench/results/<label>.{json,md}` and prints the tables.
 * Exit codes: 0 done; 1 a run failed; 2 bad flags.
 *
 *   npm run bench                                   # full: 1 000 000 × 1 KiB, 6 partitions, none + lz4, 3 rounds
 *   npm run bench -- --records 100000 --rounds 1    # quick
 *   npm run bench -- --mirrors ours --cpu-prof      # profile our engine only (then: tsx bench/profile-summary.ts <file>)
 *   npm run bench -- --baseline-bin ../before/bin/kafka-mirror.js   # before/after of an engine change, same session
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, EXIT_CODES } from '../engine/core/errors.ts';
import { CommanderError, parseBenchOptions, type BenchOptions } from './bench-options.ts';
import { runBenchmark } from './benchmark.ts';
import { toMarkdown, writeResults } from './report.ts';

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.CONFIG_INVALID;
    if (err instanceof ConfigError) {
      process.stderr.write(`bench: ${err.key} must be ${err.expected}, got '${err.value ?? ''}'\n`);
      return EXIT_CODES.CONFIG_INVALID;
    }
    throw err;
  }
  const t0 = Date.now();
  const say = (line: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const results = await runBenchmark(options, say);
  const files = writeResults(RESULTS_DIR, results);
  process.stdout.write(`\n${toMarkdown(results)}\nresults: ${files.markdown}, ${files.json}\n`);
  return EXIT_CODES.OK;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(EXIT_CODES.INTERNAL);
  },
);
