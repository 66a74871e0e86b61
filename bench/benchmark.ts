/**
 * The whole benchmark, in one run: start the benchmark's own two clusters, pre-fill the source
 * topic with ProducerPerformance, then per round measure the limit and run each mirror once
 * (MM2 first in odd rounds, ours first in even ones, so drift over the session hits both alike),
 * and stop the clusters. Returns the raw results; report.ts summarises them.
 */
import { resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { BenchOptions, MirrorName } from './bench-options.ts';
import { BENCH_DEFAULTS } from './bench-options.ts';
import { SOURCE_ALIAS, TARGET_ALIAS, createTopic, endOffsets, startBenchClusters } from './bench-clusters.ts';
import { currentLoad, readEnvironment } from './environment.ts';
import { engineLauncher } from './engine-launcher.ts';
import { runLimit, type LimitResult } from './limit-run.ts';
import { mm2Launcher } from './mm2-launcher.ts';
import { runMirror, type MirrorLauncher, type MirrorRunResult, type MirrorTopology } from './mirror-run.ts';
import { runProducerPerf, type ProducerTuning } from './perf-tools.ts';
import type { BenchResults } from './report.ts';

/** The pre-filled source topic and the latency topic. */
export const PREFILLED_TOPIC = 'bench-source';
export const LATENCY_TOPIC = 'bench-latency';

/**
 * Producer batching shared by the limit producer and both mirrors: our engine's shipped defaults
 * (engine/kafka/kafka-clients.ts targetProducerConfig), given to MM2 and ProducerPerformance too.
 */
export function producerTuning(options: BenchOptions): ProducerTuning {
  return { lingerMs: 5, batchSizeBytes: 1024 * 1024, compression: options.compression };
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
  const clusters = await startBenchClusters({ workDir, sourcePort: options.sourcePort, targetPort: options.targetPort, detached: options.keepClusters });
  say(`clusters up in ${(clusters.startMs / 1000).toFixed(1)} s`);
  const tuning = producerTuning(options);
  const topology: MirrorTopology = {
    sourceAlias: SOURCE_ALIAS,
    targetAlias: TARGET_ALIAS,
    sourceBootstrap: clusters.source.bootstrapServers,
    targetBootstrap: clusters.target.bootstrapServers,
    topics: [PREFILLED_TOPIC, LATENCY_TOPIC],
    partitions: options.partitions,
    producer: tuning,
    emitters: options.emitters,
  };
  const engine = { extra: options.oursProps, cpuProf: options.cpuProf };
  const launchers: Record<MirrorName, MirrorLauncher> = {
    mm2: mm2Launcher,
    ours: engineLauncher({ name: 'ours', bin: options.oursBin, tasks: options.oursTasks, ...engine }),
    base: engineLauncher({ name: 'base', bin: options.baselineBin, tasks: options.baselineTasks, ...engine, extra: [...options.oursProps, ...options.baseProps] }),
  };
  const limits: LimitResult[] = [];
  const runs: MirrorRunResult[] = [];
  try {
    await createTopic(clusters.sourceAdmin, PREFILLED_TOPIC, options.partitions);
    const prefill = await runProducerPerf({
      bootstrapServers: topology.sourceBootstrap,
      topic: PREFILLED_TOPIC,
      records: options.records,
      recordSizeBytes: options.recordSizeBytes,
      throughput: -1,
      tuning,
      timeoutMs: 15 * 60_000,
    });
    const sourceEnds = await endOffsets(clusters.sourceAdmin, PREFILLED_TOPIC, options.partitions);
    say(`pre-filled ${PREFILLED_TOPIC}: ${prefill.records} records (${sourceEnds.join(' / ')} per partition) at ${Math.round(prefill.recordsPerSec)} rec/s`);

    for (let round = 1; round <= options.rounds; round++) {
      say(`round ${round}/${options.rounds}`);
      if (!options.skipLimit) {
        const limit = await runLimit({
          round,
          sourceAdmin: clusters.sourceAdmin,
          sourceBootstrap: topology.sourceBootstrap,
          prefilledTopic: PREFILLED_TOPIC,
          records: options.records,
          recordSizeBytes: options.recordSizeBytes,
          partitions: options.partitions,
          tuning,
          fetchSizeBytes: FETCH_SIZE_BYTES,
        });
        limits.push(limit);
        say(`  limit: producer ${Math.round(limit.producer.recordsPerSec)} rec/s, consumer ${Math.round(limit.consumer.fetchRecordsPerSec)} rec/s`);
      }
      const order = round % 2 === 1 ? options.mirrors : [...options.mirrors].reverse();
      for (const name of order) {
        runs.push(
          await runMirror({
            launcher: launchers[name],
            topology,
            round,
            sourceAdmin: clusters.sourceAdmin,
            targetAdmin: clusters.targetAdmin,
            prefilledTopic: PREFILLED_TOPIC,
            latencyTopic: LATENCY_TOPIC,
            sourceEnds,
            recordSizeBytes: options.recordSizeBytes,
            latency: { ratePerSec: options.latencyRatePerSec, durationMs: options.latencyDurationMs, warmupMs: options.latencyWarmupMs },
            workDir,
            runTimeoutMs: options.runTimeoutMs,
            say,
          }),
        );
      }
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
  return {
    label: options.label,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    preliminary: preliminaryReasons(options, environment.loadAvgAtStart, environment.nproc),
    environment,
    loadAvgAtEnd,
    settings: {
      records: options.records,
      recordSizeBytes: options.recordSizeBytes,
      partitions: options.partitions,
      rounds: options.rounds,
      order: 'round 1: MM2 then ours; round 2: ours then MM2; …',
      latency: { ratePerSec: options.latencyRatePerSec, durationMs: options.latencyDurationMs, warmupMs: options.latencyWarmupMs, probe: 'one librdkafka consumer on the target, fetch.wait.max.ms=10, latency = receive time − record CreateTime' },
      producer: { ...tuning, acks: 'all', idempotence: true },
      consumerFetchSizeBytes: FETCH_SIZE_BYTES,
      emitters: `${options.emitters} in both mirrors (heartbeats, checkpoints, offset syncs)`,
      limit: 'min(ProducerPerformance into the source, ConsumerPerformance from it), same records and size',
      mm2: mm2Launcher.settings(topology),
      ours: launchers.ours.settings(topology),
      oursTasks: options.oursTasks,
      ...(options.mirrors.includes('base') ? { base: launchers.base.settings(topology), baseTasks: options.baselineTasks } : {}),
      clusters: 'two single-node KRaft clusters (combined broker+controller), 1 GiB heap each, on this machine',
    },
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
