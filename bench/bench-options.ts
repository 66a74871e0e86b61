/**
 * `npm run bench` flags (and `BENCH_*` environment variables) → one validated, frozen
 * {@link BenchOptions}. Defaults are the full benchmark of issue 16 (1 000 000 records of 1 KiB over
 * 6 partitions, source uncompressed and lz4, MM2 + record path + batch path, 3 rounds: about 11 minutes
 * on a quiet 2-core machine, 8 without the batch path); smaller runs pass e.g. `--records 100000 --rounds 1`.
 * A bad value fails here, before any JVM starts, naming the flag, the value and what was expected.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../engine/core/errors.ts';

/**
 * The mirrors under test: real MM2, our engine (this checkout) on the record path (`ours`,
 * `data.path = records`) and on the batch path (`batches`, `data.path = batches`, issue 16), and `base`
 * — our engine from another checkout (`--baseline-bin`), for before/after comparisons in the same session.
 */
export const MIRRORS = ['mm2', 'ours', 'batches', 'base'] as const;
/** One of {@link MIRRORS}. */
export type MirrorName = (typeof MIRRORS)[number];

/** Compression codecs of the Kafka producers (Java `compression.type`, librdkafka `compression.codec`). */
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
/** One of {@link CODECS}. */
export type Codec = (typeof CODECS)[number];

/** Everything one benchmark invocation needs, fully defaulted. Sizes in bytes, durations in ms. */
export interface BenchOptions {
  /** Records pre-filled into the source topic (and moved by the limit tools). */
  readonly records: number;
  readonly recordSizeBytes: number;
  readonly partitions: number;
  /** Rounds; each runs the limit once and each mirror once (order alternates: MM2 first in odd rounds). */
  readonly rounds: number;
  /** Records/s of the fixed-rate latency load. */
  readonly latencyRatePerSec: number;
  readonly latencyDurationMs: number;
  /**
   * The load runs `latencyWarmupMs` + `latencyDurationMs`; records of the first `latencyWarmupMs` are not
   * counted (the load generator's JVM start competes for the 2 cores; steady state is what is compared).
   */
  readonly latencyWarmupMs: number;
  /**
   * Compression of the pre-filled source topic (the producer's `compression.type` when filling it), one
   * pass of every mirror per codec and round; default none and lz4 (issue 16).
   */
  readonly sourceCompressions: readonly Codec[];
  /**
   * Producer compression of MM2, the record path and the tool limit; `source` (default): the source
   * topic's codec, so every mirror leaves the target compressed like the source (the batch path forwards
   * the source's batches as they are).
   */
  readonly compression: Codec | 'source';
  /** Heartbeats, checkpoints and offset syncs in both mirrors: `off`, or `on` with MM2's defaults. */
  readonly emitters: 'on' | 'off';
  readonly mirrors: readonly MirrorName[];
  /** Also run the old limit (ProducerPerformance / ConsumerPerformance), reported as information only. */
  readonly toolLimit: boolean;
  /** Write a V8 CPU profile of our engine (node --cpu-prof) for every run of ours. */
  readonly cpuProf: boolean;
  /** Extra `key=value` lines appended to our engine's mm2.properties (tuning experiments). */
  readonly oursProps: readonly string[];
  /** `--base-prop` lines: mm2.properties lines for mirror base only (after the `--ours-prop` lines). */
  readonly baseProps: readonly string[];
  /** `bin/kafka-mirror.js` of another checkout, run as mirror `base` (before/after comparisons; default this checkout's). */
  readonly baselineBin: string | undefined;
  /** Our engine's `tasks.max` (task processes; default: the cores, at most the partitions). */
  readonly oursTasks: number;
  /** `tasks.max` of mirror `base` (default 1: the single-process engine). */
  readonly baselineTasks: number;
  /** `bin/kafka-mirror.js` run as mirror `ours` (default: this checkout's). */
  readonly oursBin: string | undefined;
  /** Names the results files: `bench/results/<label>.{json,md}`. */
  readonly label: string;
  readonly sourcePort: number;
  readonly targetPort: number;
  /** Root of the benchmark's own clusters, configs, logs and profiles (gitignored). */
  readonly workDir: string;
  /** Leave the benchmark clusters running at the end (debugging). */
  readonly keepClusters: boolean;
  /**
   * The benchmark brokers' `group.initial.rebalance.delay.ms` (default Kafka's 3000; the test clusters use 0).
   * With 0, the first of our task processes to join the flow's group is assigned every partition at once, and
   * when the second joins, cooperative-sticky balances by partition count, not per topic: in 11 of 14 runs with
   * tasks.max 2 one task kept all 6 partitions of the pre-filled topic and the other got the idle latency topic,
   * so the record path copied at one process's speed (bench/results/recperf-*.md).
   */
  readonly groupInitialRebalanceDelayMs: number;
  /** Deadline for one mirror to copy the pre-filled topic, ms. */
  readonly runTimeoutMs: number;
  /**
   * Time budget of the whole benchmark, ms (0: none): a further round starts only when the slowest round so
   * far would still end inside it, so a busy machine gets fewer rounds (reported) rather than an endless run.
   */
  readonly maxDurationMs: number;
}

/** The full benchmark of issue 16. */
export const BENCH_DEFAULTS = Object.freeze({
  records: 1_000_000,
  recordSizeBytes: 1024,
  partitions: 6,
  rounds: 3,
  latencyRatePerSec: 5000,
  latencyDurationMs: 10_000, // 50 000 counted records per run: 18 runs must fit in well under 20 minutes
  latencyWarmupMs: 5000,
  sourceCompressions: 'none,lz4',
  compression: 'source',
  emitters: 'off',
  mirrors: 'mm2,ours,batches',
  label: 'latest',
  sourcePort: 22092, // controllers at +10000 stay below the ephemeral port range (32768+)
  targetPort: 22093,
  workDir: '.kafka-bench',
  runTimeoutS: 600,
  maxMinutes: 18,
  baselineTasks: 1,
  groupInitialRebalanceDelayMs: 3000, // Kafka's broker default
});

interface RawFlags {
  records: string;
  recordSize: string;
  partitions: string;
  rounds: string;
  latencyRate: string;
  latencySeconds: string;
  latencyWarmupMs: string;
  sourceCompression: string;
  compression: string;
  emitters: string;
  mirrors: string;
  toolLimit?: boolean;
  cpuProf?: boolean;
  oursProp: string[];
  baseProp: string[];
  baselineBin?: string;
  oursBin?: string;
  tasks?: string;
  baselineTasks: string;
  label: string;
  sourcePort: string;
  targetPort: string;
  workDir: string;
  keepClusters?: boolean;
  groupInitialRebalanceDelayMs: string;
  runTimeoutS: string;
  maxMinutes: string;
}

const env = (name: string, fallback: string | number): string => process.env[name] ?? String(fallback);

function buildCommand(): Command {
  return new Command('bench')
    .description('Benchmark our engine against real MirrorMaker 2 and the brokers\' own limit on two benchmark-only local clusters')
    .option('--records <n>', 'records pre-filled into the source topic (env BENCH_RECORDS)', env('BENCH_RECORDS', BENCH_DEFAULTS.records))
    .option('--record-size <bytes>', 'value size of every record (env BENCH_RECORD_SIZE)', env('BENCH_RECORD_SIZE', BENCH_DEFAULTS.recordSizeBytes))
    .option('--partitions <n>', 'partitions of the source topic (env BENCH_PARTITIONS)', env('BENCH_PARTITIONS', BENCH_DEFAULTS.partitions))
    .option('--rounds <n>', 'rounds; medians over them (env BENCH_ROUNDS)', env('BENCH_ROUNDS', BENCH_DEFAULTS.rounds))
    .option('--latency-rate <n>', 'records/s of the latency load (env BENCH_LATENCY_RATE)', env('BENCH_LATENCY_RATE', BENCH_DEFAULTS.latencyRatePerSec))
    .option('--latency-seconds <n>', 'counted duration of the latency load (env BENCH_LATENCY_SECONDS)', env('BENCH_LATENCY_SECONDS', BENCH_DEFAULTS.latencyDurationMs / 1000))
    .option('--latency-warmup-ms <n>', 'uncounted load before the counted part', String(BENCH_DEFAULTS.latencyWarmupMs))
    .option('--source-compression <list>', 'codecs of the pre-filled source topic, one pass of every mirror each: from none, gzip, snappy, lz4, zstd (env BENCH_SOURCE_COMPRESSION)', env('BENCH_SOURCE_COMPRESSION', BENCH_DEFAULTS.sourceCompressions))
    .option('--compression <codec>', 'producer compression of MM2, the record path and the tool limit: source (the source topic\'s codec) or none|gzip|snappy|lz4|zstd', BENCH_DEFAULTS.compression)
    .option('--emitters <on|off>', 'heartbeats, checkpoints, offset syncs in both mirrors: off, or on with MM2 defaults (env BENCH_EMITTERS)', env('BENCH_EMITTERS', BENCH_DEFAULTS.emitters))
    .option('--mirrors <list>', 'mirrors to run, from mm2, ours (record path), batches (batch path), base (env BENCH_MIRRORS; base is added when --baseline-bin is given)', env('BENCH_MIRRORS', BENCH_DEFAULTS.mirrors))
    .option('--baseline-bin <path>', 'bin/kafka-mirror.js of another checkout, run as mirror "base" in every round (before/after)')
    .option('--tasks <n>', 'tasks.max of our engine (task processes; default: cores, at most the partitions; env BENCH_TASKS)', process.env.BENCH_TASKS)
    .option('--baseline-tasks <n>', 'tasks.max of mirror base (add base to --mirrors for a same-checkout comparison)', String(BENCH_DEFAULTS.baselineTasks))
    .option('--ours-bin <path>', 'bin/kafka-mirror.js to run as mirror "ours" (default: this checkout\'s)')
    .option('--tool-limit', 'also run the old limit (ProducerPerformance into the source / ConsumerPerformance from it), reported as information')
    .option('--skip-limit', 'no effect (the old tool limit is off unless --tool-limit; kept for old command lines)')
    .option('--cpu-prof', 'profile our engine with node --cpu-prof (written to <work-dir>/runs/round<n>-ours/)')
    .option('--ours-prop <key=value>', 'extra mm2.properties line for our engine (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--base-prop <key=value>', 'extra mm2.properties line for mirror base only (repeatable), e.g. `listeners=` for listener on (ours) vs off (base)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--label <name>', 'results file name under bench/results/ (env BENCH_LABEL)', env('BENCH_LABEL', BENCH_DEFAULTS.label))
    .option('--source-port <port>', 'client port of the benchmark source cluster (controller: +10000)', env('BENCH_SOURCE_PORT', BENCH_DEFAULTS.sourcePort))
    .option('--target-port <port>', 'client port of the benchmark target cluster (controller: +10000)', env('BENCH_TARGET_PORT', BENCH_DEFAULTS.targetPort))
    .option('--work-dir <dir>', 'clusters (wiped at start), configs, logs and profiles of the benchmark', env('BENCH_WORK_DIR', BENCH_DEFAULTS.workDir))
    .option('--keep-clusters', 'leave the benchmark clusters running at the end')
    .option('--group-initial-rebalance-delay-ms <ms>', 'group.initial.rebalance.delay.ms of the benchmark brokers (Kafka\'s default 3000; 0 as on the test clusters hands a group\'s first member every partition)', String(BENCH_DEFAULTS.groupInitialRebalanceDelayMs))
    .option('--run-timeout-s <n>', 'deadline for one mirror to copy the pre-filled topic', String(BENCH_DEFAULTS.runTimeoutS))
    .option('--max-minutes <n>', 'time budget: no further round starts when the slowest round so far would end past it (0: none; env BENCH_MAX_MINUTES)', env('BENCH_MAX_MINUTES', BENCH_DEFAULTS.maxMinutes))
    .exitOverride();
}

function integer(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\+?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new ConfigError(flag, raw, `an integer from ${min} to ${max}`);
  return value;
}

/**
 * Parses `argv` (without node and script). Throws ConfigError for a bad value and CommanderError
 * for an unknown flag or `--help` (commander has printed the text; exit code in `exitCode`).
 */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const command = buildCommand();
  command.parse([...argv], { from: 'user' });
  const f = command.opts<RawFlags>();
  const compression = f.compression.trim();
  if (compression !== 'source' && !(CODECS as readonly string[]).includes(compression)) throw new ConfigError('--compression', f.compression, 'source, none, gzip, snappy, lz4 or zstd');
  const sourceCompressions = [...new Set(f.sourceCompression.split(',').map((c) => c.trim()).filter(Boolean))];
  if (sourceCompressions.length === 0 || sourceCompressions.some((c) => !(CODECS as readonly string[]).includes(c))) {
    throw new ConfigError('--source-compression', f.sourceCompression, 'a list of none, gzip, snappy, lz4, zstd');
  }
  const emitters = f.emitters.trim();
  if (emitters !== 'on' && emitters !== 'off') throw new ConfigError('--emitters', f.emitters, 'on or off');
  const mirrors = f.mirrors.split(',').map((m) => m.trim()).filter(Boolean);
  if (mirrors.length === 0 || mirrors.some((m) => !(MIRRORS as readonly string[]).includes(m))) throw new ConfigError('--mirrors', f.mirrors, 'a list of mm2, ours, batches, base');
  if (f.baselineBin !== undefined && !existsSync(f.baselineBin)) throw new ConfigError('--baseline-bin', f.baselineBin, 'an existing bin/kafka-mirror.js');
  if (f.oursBin !== undefined && !existsSync(f.oursBin)) throw new ConfigError('--ours-bin', f.oursBin, 'an existing bin/kafka-mirror.js');
  if (f.baselineBin !== undefined && !mirrors.includes('base')) mirrors.push('base');
  for (const p of f.oursProp) if (!/^[^=\s]+\s*=/.test(p)) throw new ConfigError('--ours-prop', p, 'key=value');
  for (const p of f.baseProp) if (!/^[^=\s]+\s*=/.test(p)) throw new ConfigError('--base-prop', p, 'key=value');
  const label = f.label.trim();
  if (!/^[\w.-]+$/.test(label)) throw new ConfigError('--label', f.label, 'letters, digits, ".", "_" or "-"');
  const sourcePort = integer('--source-port', f.sourcePort, 1024, 55535);
  const targetPort = integer('--target-port', f.targetPort, 1024, 55535);
  // The shared development clusters live on 9092/9093 (controllers 19092/19093): never touch them.
  for (const [flag, port] of [['--source-port', sourcePort], ['--target-port', targetPort]] as const) {
    if ([9092, 9093, 19092, 19093].includes(port) || [9092, 9093, 19092, 19093].includes(port + 10000)) {
      throw new ConfigError(flag, String(port), 'a port clear of the shared clusters (9092/9093 and controllers 19092/19093)');
    }
  }
  if (sourcePort === targetPort) throw new ConfigError('--target-port', f.targetPort, 'a port different from --source-port');
  const partitions = integer('--partitions', f.partitions, 1, 1000);
  return Object.freeze({
    records: integer('--records', f.records, 1000),
    recordSizeBytes: integer('--record-size', f.recordSize, 16, 1_000_000),
    partitions,
    oursTasks: f.tasks === undefined ? Math.min(availableParallelism(), partitions) : integer('--tasks', f.tasks, 1, 64),
    baselineTasks: integer('--baseline-tasks', f.baselineTasks, 1, 64),
    rounds: integer('--rounds', f.rounds, 1, 50),
    latencyRatePerSec: integer('--latency-rate', f.latencyRate, 0, 1_000_000),
    latencyDurationMs: integer('--latency-seconds', f.latencySeconds, 1, 3600) * 1000,
    latencyWarmupMs: integer('--latency-warmup-ms', f.latencyWarmupMs, 0, 600_000),
    sourceCompressions: Object.freeze(sourceCompressions as Codec[]),
    compression: compression as BenchOptions['compression'],
    emitters,
    mirrors: Object.freeze(MIRRORS.filter((m) => mirrors.includes(m))),
    toolLimit: f.toolLimit === true,
    cpuProf: f.cpuProf === true,
    oursProps: Object.freeze([...f.oursProp]),
    baseProps: Object.freeze([...f.baseProp]),
    baselineBin: f.baselineBin === undefined ? undefined : resolve(f.baselineBin),
    oursBin: f.oursBin === undefined ? undefined : resolve(f.oursBin),
    label,
    sourcePort,
    targetPort,
    workDir: f.workDir,
    keepClusters: f.keepClusters === true,
    groupInitialRebalanceDelayMs: integer('--group-initial-rebalance-delay-ms', f.groupInitialRebalanceDelayMs, 0, 300_000),
    runTimeoutMs: integer('--run-timeout-s', f.runTimeoutS, 10, 86_400) * 1000,
    maxDurationMs: integer('--max-minutes', f.maxMinutes, 0, 10_080) * 60_000,
  });
}

export { CommanderError };
