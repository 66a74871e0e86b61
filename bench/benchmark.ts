/**
 * The whole benchmark, in one run: start the benchmark's own two clusters, pre-fill one source topic per
 * source codec (`--source-compression`, default none and lz4) with ProducerPerformance, then per round and
 * codec run each mirror once (MM2, our record path, our batch path; the order flips every round, so drift
 * over the session hits all alike), and stop the clusters. The batch path runs only while the engine
 * confirms it (data-path.ts); otherwise it is reported as not available. Returns the raw results;
 * report.ts summarises them.
 */
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { BenchOptions, Codec, MirrorName } from './bench-options.ts';
import { BENCH_DEFAULTS } from './bench-options.ts';
import { SOURCE_ALIAS, TARGET_ALIAS, createTopic, endOffsets, startBenchClusters } from './bench-clusters.ts';
import { currentLoad, readEnvironment } from './environment.ts';
import { engineLauncher } from './engine-launcher.ts';
import { runLimit, type LimitResult } from './limit-run.ts';
import { mm2Launcher } from './mm2-launcher.ts';
import { runMirror, type BrokerProcess, type MirrorLauncher, type MirrorRunResult, type MirrorTopology } from './mirror-run.ts';
import { runProducerPerf, type ProducerTuning } from './perf-tools.ts';
import { thisCheckoutAcceptsDataPath } from './data-path.ts';
import { topicBatchStats } from './log-batches.ts';
import { roundFits } from './round-budget.ts';
import type { BenchResults, Prefill } from './report.ts';

/** The pre-filled source topic of a codec, and the latency topic. */
export const prefilledTopic = (codec: Codec): string => `bench-source-${codec}`;
export const LATENCY_TOPIC = 'bench-latency';

/**
 * Producer batching shared by the pre-fill, the tool limit and MM2 / the record path: our engine's shipped
 * defaults (engine/kafka/kafka-clients.ts targetProducerConfig), given to MM2 and ProducerPerformance too.
 * `codec`: the compression (the source topic's for the pre-fill; `--compression` or the source's for the mirrors).
 */
export function producerTuning(codec: Codec): ProducerTuning {
  return { lingerMs: 5, batchSizeBytes: 1024 * 1024, compression: codec };
}

/** Per-partition fetch size of every consumer (our `fetch.message.max.bytes`). */
const FETCH_SIZE_BYTES = 4 * 1024 * 1024;

/** Runs the benchmark described by `options`; `say` prints progress lines. */
export async function runBenchmark(options: BenchOptions, say: (line: string) => void): Promise<BenchResults> {
  const startedAt = new Date();
  const environment = readEnvironment();
  const workDir = resolve(options.workDir);
  mkdirSync(workDir, { recursive: true });
  say(`starting benchmark clusters on ${options.sourcePort}/${options.targetPort} (data in ${workDir}/clusters)`);
  const clusters = await startBenchClusters({ workDir, sourcePort: options.sourcePort, targetPort: options.targetPort, detached: options.keepClusters, groupInitialRebalanceDelayMs: options.groupInitialRebalanceDelayMs });
  say(`clusters up in ${(clusters.startMs / 1000).toFixed(1)} s`);
  const brokers: { source: BrokerProcess; target: BrokerProcess } = {
    source: { pid: clusters.source.runningPid(), dataDir: join(clusters.source.dir, 'data') },
    target: { pid: clusters.target.runningPid(), dataDir: join(clusters.target.dir, 'data') },
  };
  if (brokers.source.pid === undefined || brokers.target.pid === undefined) say('warning: a broker pid is unknown; broker CPU and the corrected limit will be missing');
  const mirrorCodec = (source: Codec): Codec => (options.compression === 'source' ? source : options.compression);
  const topologyFor = (codec: Codec): MirrorTopology => ({
    sourceAlias: SOURCE_ALIAS,
    targetAlias: TARGET_ALIAS,
    sourceBootstrap: clusters.source.bootstrapServers,
    targetBootstrap: clusters.target.bootstrapServers,
    topics: [prefilledTopic(codec), LATENCY_TOPIC],
    partitions: options.partitions,
    producer: producerTuning(mirrorCodec(codec)),
    emitters: options.emitters,
  });
  const engine = { extra: options.oursProps, cpuProf: options.cpuProf };
  const launchers: Record<MirrorName, MirrorLauncher> = {
    mm2: mm2Launcher,
    ours: engineLauncher({ name: 'ours', bin: options.oursBin, tasks: options.oursTasks, ...engine, dataPath: 'records' }),
    batches: engineLauncher({ name: 'batches', bin: options.oursBin, tasks: options.oursTasks, ...engine, dataPath: 'batches' }),
    base: engineLauncher({ name: 'base', bin: options.baselineBin, tasks: options.baselineTasks, ...engine, extra: [...options.oursProps, ...options.baseProps] }),
  };
  // The batch path: probed here for this checkout's engine (no run wasted); any engine must confirm it in its log.
  let batchPath: BenchResults['batchPath'] = options.mirrors.includes('batches') ? { available: true, reason: 'asked with data.path = batches; confirmed in each run\'s engine log' } : { available: false, reason: 'not asked (--mirrors)' };
  if (batchPath.available && options.oursBin === undefined && !thisCheckoutAcceptsDataPath('batches')) {
    batchPath = { available: false, reason: "this checkout's engine does not accept data.path = batches (its config parser warns: unknown key 'data.path')" };
    say(`batch path not available: ${batchPath.reason}`);
  }
  const limits: LimitResult[] = [];
  const runs: MirrorRunResult[] = [];
  const prefills: Prefill[] = [];
  const sourceEnds = new Map<Codec, number[]>();
  const keepSourceTopics = options.sourceCompressions.map(prefilledTopic);
  let stoppedEarly: string | undefined;
  try {
    for (const codec of options.sourceCompressions) {
      const topic = prefilledTopic(codec);
      await createTopic(clusters.sourceAdmin, topic, options.partitions);
      const prefill = await runProducerPerf({
        bootstrapServers: clusters.source.bootstrapServers,
        topic,
        records: options.records,
        recordSizeBytes: options.recordSizeBytes,
        throughput: -1,
        tuning: producerTuning(codec),
        timeoutMs: 15 * 60_000,
      });
      const ends = await endOffsets(clusters.sourceAdmin, topic, options.partitions);
      sourceEnds.set(codec, ends);
      const sourceBatches = topicBatchStats(brokers.source.dataDir, topic);
      prefills.push({ codec, topic, records: prefill.records, recordsPerSec: prefill.recordsPerSec, sourceBatches });
      say(`pre-filled ${topic}: ${prefill.records} records (${ends.join(' / ')} per partition) at ${Math.round(prefill.recordsPerSec)} rec/s, ${sourceBatches?.batches ?? '?'} batches`);
    }

    const roundMs: number[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      if (!roundFits(options.maxDurationMs, Date.now() - startedAt.getTime(), roundMs)) {
        stoppedEarly = `stopped after ${round - 1} of ${options.rounds} rounds: another (${Math.round(Math.max(...roundMs) / 1000)} s) would end past --max-minutes ${options.maxDurationMs / 60_000}`;
        say(stoppedEarly);
        break;
      }
      const roundStartMs = Date.now();
      say(`round ${round}/${options.rounds}`);
      if (options.toolLimit) {
        const codec = options.sourceCompressions[0]!;
        const limit = await runLimit({
          round,
          sourceAdmin: clusters.sourceAdmin,
          sourceBootstrap: clusters.source.bootstrapServers,
          prefilledTopic: prefilledTopic(codec),
          keepTopics: keepSourceTopics,
          records: options.records,
          recordSizeBytes: options.recordSizeBytes,
          partitions: options.partitions,
          tuning: producerTuning(mirrorCodec(codec)),
          fetchSizeBytes: FETCH_SIZE_BYTES,
        });
        limits.push(limit);
        say(`  tool limit (information): producer ${Math.round(limit.producer.recordsPerSec)} rec/s, consumer ${Math.round(limit.consumer.fetchRecordsPerSec)} rec/s`);
      }
      const order = round % 2 === 1 ? options.mirrors : [...options.mirrors].reverse();
      for (const codec of options.sourceCompressions) {
        for (const name of order) {
          if (name === 'batches' && !batchPath.available) continue;
          const run = await runMirror({
            launcher: launchers[name],
            topology: topologyFor(codec),
            round,
            sourceAdmin: clusters.sourceAdmin,
            targetAdmin: clusters.targetAdmin,
            prefilledTopic: prefilledTopic(codec),
            keepSourceTopics,
            latencyTopic: LATENCY_TOPIC,
            sourceEnds: sourceEnds.get(codec)!,
            recordSizeBytes: options.recordSizeBytes,
            sourceCompression: codec,
            brokers,
            cores: environment.nproc,
            latency: { ratePerSec: options.latencyRatePerSec, durationMs: options.latencyDurationMs, warmupMs: options.latencyWarmupMs },
            workDir,
            runTimeoutMs: options.runTimeoutMs,
            say,
          });
          runs.push(run);
          if (name === 'batches' && run.dataPath && !run.dataPath.check.confirmed) {
            batchPath = { available: false, reason: `the engine did not confirm data.path = batches: ${run.dataPath.check.reason}` };
            say(`batch path not available from here on: ${batchPath.reason}`);
          }
        }
      }
      roundMs.push(Date.now() - roundStartMs);
    }
  } finally {
    if (!options.keepClusters) {
      say('stopping benchmark clusters');
      await clusters.stop({ destroy: true });
    } else {
      say(`benchmark clusters left running: ${clusters.source.bootstrapServers}, ${clusters.target.bootstrapServers}`);
    }
  }

  const finishedAt = new Date();
  const loadAvgAtEnd = currentLoad();
  const sample = topologyFor(options.sourceCompressions[0]!);
  return {
    label: options.label,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    preliminary: [...preliminaryReasons(options, environment.loadAvgAtStart, environment.nproc), ...(stoppedEarly ? [stoppedEarly] : [])],
    environment,
    loadAvgAtEnd,
    settings: {
      records: options.records,
      recordSizeBytes: options.recordSizeBytes,
      partitions: options.partitions,
      rounds: options.rounds,
      maxMinutes: options.maxDurationMs / 60_000,
      sourceCompressions: options.sourceCompressions,
      mirrorProducerCompression: options.compression === 'source' ? 'the source topic\'s codec' : options.compression,
      order: 'per round and source codec: mirrors in the --mirrors order in odd rounds, reversed in even ones',
      latency: { ratePerSec: options.latencyRatePerSec, durationMs: options.latencyDurationMs, warmupMs: options.latencyWarmupMs, probe: 'one librdkafka consumer on the target, fetch.wait.max.ms=10, latency = receive time − record CreateTime' },
      producer: { ...producerTuning(mirrorCodec(options.sourceCompressions[0]!)), acks: 'all', idempotence: true },
      consumerFetchSizeBytes: FETCH_SIZE_BYTES,
      emitters: `${options.emitters} in every mirror (heartbeats, checkpoints, offset syncs)`,
      correctedLimit: 'cores ÷ (source + target broker JVM CPU seconds per record, /proc/<pid>/stat utime+stime over the copy phase); per run, the best of the runs per source codec is the limit',
      ...(options.toolLimit ? { toolLimit: 'information only: min(ProducerPerformance into the source, ConsumerPerformance from it), same records and size' } : {}),
      mm2: mm2Launcher.settings(sample),
      ours: launchers.ours.settings(sample),
      ...(options.mirrors.includes('batches') ? { batches: launchers.batches.settings(sample) } : {}),
      oursTasks: options.oursTasks,
      ...(options.mirrors.includes('base') ? { base: launchers.base.settings(sample), baseTasks: options.baselineTasks } : {}),
      clusters: `two single-node KRaft clusters (combined broker+controller), 1 GiB heap each, group.initial.rebalance.delay.ms ${options.groupInitialRebalanceDelayMs}, on this machine`,
    },
    cores: environment.nproc,
    batchPath,
    prefills,
    limits,
    runs,
  };
}

/** Why the numbers are preliminary: a smaller run than the full default, or a busy machine. */
function preliminaryReasons(options: BenchOptions, loadStart: number[], nproc: number): string[] {
  const reasons: string[] = [];
  if (options.records < BENCH_DEFAULTS.records) reasons.push(`${options.records} records (full run: ${BENCH_DEFAULTS.records})`);
  if (options.rounds < BENCH_DEFAULTS.rounds) reasons.push(`${options.rounds} round(s) (full run: ${BENCH_DEFAULTS.rounds})`);
  if ((loadStart[0] ?? 0) > nproc * 0.25) reasons.push(`machine busy at start (load ${loadStart[0]} on ${nproc} cores)`);
  if (options.oursProps.length > 0) reasons.push(`our engine ran with extra properties: ${options.oursProps.join(', ')}`);
  if (options.baseProps.length > 0) reasons.push(`mirror base ran with extra properties: ${options.baseProps.join(', ')}`);
  if (options.cpuProf) reasons.push('our engine ran under --cpu-prof');
  if (options.oursBin) reasons.push(`ours ran from ${options.oursBin}`);
  return reasons;
}
