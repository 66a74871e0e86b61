/**
 * One measured run of one mirror (MM2 or ours), identical for both:
 * 1. clean slate: every topic of the target and every non-benchmark topic of the source is deleted,
 *    and the latency topic is recreated empty;
 * 2. throughput: the mirror starts on the pre-filled topic; measured from the outside until the remote
 *    topic's end offsets equal the source's (ListOffsets), with peak RSS and CPU seconds of its process
 *    tree, and — for the copy phase (first → last remote record) — CPU seconds of each broker JVM and
 *    of the whole machine (/proc, {@link CpuSampler}), the corrected limit they give
 *    (corrected-limit.ts) and the batches the target broker stored (log-batches.ts); an engine asked
 *    for a data path must confirm it in its log (data-path.ts), else the run stops here;
 * 3. latency: with the mirror caught up and idle, ProducerPerformance writes a fixed-rate load into the
 *    latency topic and the {@link LatencyProbe} on the target measures record timestamp → seen;
 * 4. stop (SIGTERM, SIGKILL after 60 s).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaAdmin } from '../engine/testing.ts';
import type { Codec, MirrorName } from './bench-options.ts';
import { createTopic, deleteTopicsExcept } from './bench-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { watchCatchUp } from './catch-up-watch.ts';
import { LatencyProbe, type LatencySummary } from './latency-probe.ts';
import { startProducerPerf, type ProducerTuning } from './perf-tools.ts';
import { ProcessMeter, threadCpu } from './process-meter.ts';
import { CpuSampler, brokerAndMachineCounters } from './cpu-sampler.ts';
import { correctedLimitRecordsPerSec } from './corrected-limit.ts';
import { topicBatchStats, type BatchStats } from './log-batches.ts';
import type { DataPath, DataPathCheck } from './data-path.ts';
import { stopChild, withTimeout, type Child } from './java-process.ts';

/** How long a mirror may take from process start to its first mirrored record, ms. */
const STARTUP_TIMEOUT_MS = 120_000;

/** Where and what the mirrors replicate. */
export interface MirrorTopology {
  sourceAlias: string;
  targetAlias: string;
  sourceBootstrap: string;
  targetBootstrap: string;
  /** Source topics to mirror: the pre-filled one and the latency one. */
  topics: readonly string[];
  partitions: number;
  producer: ProducerTuning;
  /**
   * Heartbeats, checkpoints and offset syncs: `off` in both mirrors, or `on` with MM2's defaults in both
   * (internal topics with replication factor 1).
   */
  emitters: 'on' | 'off';
}

/** Starts one mirror; `settings` describes it for the results. */
export interface MirrorLauncher {
  name: MirrorName;
  /** The data path asked of our engine (`data.path`); undefined for MM2 and `base`. */
  dataPath?: DataPath;
  settings(t: MirrorTopology): Record<string, unknown>;
  start(t: MirrorTopology, runDir: string): Child;
  /** Whether the run in `runDir` used {@link dataPath} (read from the engine's log). */
  checkDataPath?(runDir: string): DataPathCheck;
}

/** A broker JVM of the benchmark: its pid (for /proc) and its `log.dirs` folder (for the batch walk). */
export interface BrokerProcess {
  pid: number | undefined;
  dataDir: string;
}

/** The measures of one run. Times in ms, memory in MiB, CPU in seconds. */
export interface MirrorRunResult {
  mirror: MirrorName;
  round: number;
  /** Codec of the pre-filled source topic. */
  sourceCompression: Codec;
  records: number;
  bytes: number;
  /** Process start → remote end offsets equal the source's. */
  totalMs: number;
  /** Process start → first record on the remote topic (startup, discovery, first fetch). */
  startupMs: number;
  /** First record on the remote topic → all records there. */
  copyMs: number;
  /** records / copy phase. */
  recordsPerSec: number;
  /** value bytes / copy phase, MB (10^6) per second. */
  mbPerSec: number;
  /** records / total (incl. startup). */
  recordsPerSecTotal: number;
  /** Peak resident memory of the process tree over the whole run (throughput and latency phases). */
  peakRssMb: number;
  /** CPU seconds from process start until the copy was complete (startup included). */
  cpuS: number;
  /** CPU seconds during the copy phase only. */
  cpuCopyS: number;
  /** CPU seconds per thread name when the copy was complete (see {@link threadCpu}). */
  threadCpuS: Record<string, number>;
  /** CPU seconds of the source and target broker JVMs and of the whole machine (/proc/stat busy) during the copy phase. */
  copyPhaseCpuS: { sourceBroker?: number; targetBroker?: number; machine?: number };
  /** cores ÷ (both brokers' CPU seconds per record) in this run's copy phase, records/s. */
  correctedLimitRecordsPerSec: number | undefined;
  /** The batches of the remote copy in the target broker's log (what the mirror's producer sent). */
  targetBatches: BatchStats | undefined;
  /** Asked data path and what the engine log said; a run not confirmed stops after the copy (no latency) and is not reported. */
  dataPath?: { asked: DataPath; check: DataPathCheck };
  excessRecords: number;
  latency: (LatencySummary & { loadRecords: number }) | undefined;
  exitCode: number;
  killed: boolean;
  runDir: string;
}

/** Runs one mirror once; see the module doc. Rejects (after stopping the mirror) when it fails or times out. */
export async function runMirror(o: {
  launcher: MirrorLauncher;
  topology: MirrorTopology;
  round: number;
  sourceAdmin: KafkaAdmin;
  targetAdmin: KafkaAdmin;
  prefilledTopic: string;
  /** Source topics the clean slate keeps (every pre-filled topic). */
  keepSourceTopics: readonly string[];
  latencyTopic: string;
  sourceEnds: readonly number[];
  recordSizeBytes: number;
  sourceCompression: Codec;
  brokers: { source: BrokerProcess; target: BrokerProcess };
  /** Cores of the machine, for the corrected limit. */
  cores: number;
  latency: { ratePerSec: number; durationMs: number; warmupMs: number };
  workDir: string;
  runTimeoutMs: number;
  say: (line: string) => void;
}): Promise<MirrorRunResult> {
  const runDir = join(o.workDir, 'runs', `round${o.round}-${o.sourceCompression}-${o.launcher.name}`);
  rmSync(runDir, { recursive: true, force: true }); // logs and profiles of this run only
  mkdirSync(runDir, { recursive: true });
  await deleteTopicsExcept(o.targetAdmin, []);
  await deleteTopicsExcept(o.sourceAdmin, o.keepSourceTopics);
  await createTopic(o.sourceAdmin, o.latencyTopic, o.topology.partitions);

  const remote = (topic: string) => `${o.topology.sourceAlias}.${topic}`;
  const records = o.sourceEnds.reduce((a, b) => a + b, 0);
  const sampler = new CpuSampler(brokerAndMachineCounters({ sourceBroker: o.brokers.source.pid, targetBroker: o.brokers.target.pid }), 100);
  const startedAtMs = Date.now();
  const child = o.launcher.start(o.topology, runDir);
  const meter = new ProcessMeter(child.pid);
  let exitCode: number | undefined;
  void child.exited.then((c) => (exitCode = c));
  try {
    const catchUp = await watchCatchUp({
      targetAdmin: o.targetAdmin,
      remoteTopic: remote(o.prefilledTopic),
      sourceEnds: o.sourceEnds,
      deadlineMs: startedAtMs + o.runTimeoutMs,
      firstRecordDeadlineMs: startedAtMs + STARTUP_TIMEOUT_MS,
      failed: () => (exitCode === undefined ? undefined : `exited with code ${exitCode} (logs: ${runDir})`),
    });
    const atDone = meter.sample();
    sampler.sample();
    sampler.stop();
    const threadCpuS = threadCpu(child.pid);
    const copyPhaseCpuS = sampler.between(catchUp.firstRecordAtMs, catchUp.doneAtMs);
    const brokerCpuS = (copyPhaseCpuS.sourceBroker ?? Number.NaN) + (copyPhaseCpuS.targetBroker ?? Number.NaN);
    const targetBatches = topicBatchStats(o.brokers.target.dataDir, remote(o.prefilledTopic));
    const dataPath = o.launcher.dataPath && o.launcher.checkDataPath ? { asked: o.launcher.dataPath, check: o.launcher.checkDataPath(runDir) } : undefined;
    const cpuAtFirst = meter.cpuAtOrBefore(catchUp.firstRecordAtMs) ?? 0;
    const copyMs = Math.max(1, catchUp.doneAtMs - catchUp.firstRecordAtMs);
    const totalMs = catchUp.doneAtMs - startedAtMs;
    o.say(`  ${o.launcher.name} (${o.sourceCompression}): ${records} records in ${(totalMs / 1000).toFixed(1)} s (copy ${(copyMs / 1000).toFixed(1)} s, ${Math.round((records * 1000) / copyMs)} rec/s; brokers ${brokerCpuS.toFixed(1)} CPU-s)`);
    if (dataPath && !dataPath.check.confirmed) o.say(`  ${o.launcher.name}: data path '${dataPath.asked}' not confirmed — ${dataPath.check.reason}`);

    const latency = o.latency.ratePerSec > 0 && dataPath?.check.confirmed !== false ? await measureLatency(o, remote(o.latencyTopic), () => exitCode, runDir) : undefined;
    if (latency) o.say(`  ${o.launcher.name}: latency p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms over ${latency.counted} records`);
    meter.sample();
    const peakRssMb = meter.peakMb;
    meter.stop();
    const stopped = await stopChild(child, 60_000);
    return {
      mirror: o.launcher.name,
      round: o.round,
      sourceCompression: o.sourceCompression,
      records,
      bytes: records * o.recordSizeBytes,
      totalMs,
      startupMs: catchUp.firstRecordAtMs - startedAtMs,
      copyMs,
      recordsPerSec: (records * 1000) / copyMs,
      mbPerSec: (records * o.recordSizeBytes) / 1e6 / (copyMs / 1000),
      recordsPerSecTotal: (records * 1000) / Math.max(1, totalMs),
      peakRssMb,
      cpuS: atDone?.cpuS ?? meter.cpuS,
      cpuCopyS: (atDone?.cpuS ?? meter.cpuS) - cpuAtFirst,
      threadCpuS,
      copyPhaseCpuS,
      correctedLimitRecordsPerSec: correctedLimitRecordsPerSec(o.cores, records, brokerCpuS),
      targetBatches,
      ...(dataPath ? { dataPath } : {}),
      excessRecords: catchUp.excessRecords,
      latency,
      exitCode: stopped.code,
      killed: stopped.killed,
      runDir,
    };
  } catch (err) {
    meter.stop();
    sampler.stop();
    await stopChild(child, 30_000);
    throw err;
  }
}

/** The latency phase: probe on the remote latency topic, fixed-rate load on the source one. */
async function measureLatency(
  o: Parameters<typeof runMirror>[0],
  remoteTopic: string,
  exitCode: () => number | undefined,
  runDir: string,
): Promise<MirrorRunResult['latency']> {
  await waitFor(async () => (await o.targetAdmin.describeTopics([remoteTopic])).get(remoteTopic)?.partitionCount === o.topology.partitions, { timeoutMs: 60_000, message: `${remoteTopic} on the target` });
  const probe = await LatencyProbe.start({ bootstrapServers: o.topology.targetBootstrap, topic: remoteTopic, partitions: o.topology.partitions });
  try {
    // The warm-up runs first, then `durationMs` of counted load.
    const loadRecords = Math.round((o.latency.ratePerSec * (o.latency.warmupMs + o.latency.durationMs)) / 1000);
    const load = startProducerPerf({
      bootstrapServers: o.topology.sourceBootstrap,
      topic: o.latencyTopic,
      records: loadRecords,
      recordSizeBytes: o.recordSizeBytes,
      throughput: o.latency.ratePerSec,
      // Send each record at once: the load's own batching must not pose as mirror latency. Same codec as the pre-filled topic.
      tuning: { lingerMs: 0, batchSizeBytes: 16384, compression: o.sourceCompression },
    });
    const loadCode = await withTimeout(load.exited, o.latency.warmupMs + o.latency.durationMs + 120_000, () => 'latency load did not finish');
    if (loadCode !== 0) throw new Error(`latency load exited ${loadCode}: ${load.output().slice(-1000)}`);
    await waitFor(() => exitCode() !== undefined || probe.received >= loadRecords, { timeoutMs: 120_000, message: `${loadRecords} latency records on ${remoteTopic}` });
    if (exitCode() !== undefined) throw new Error(`mirror exited with ${exitCode()} during the latency phase`);
    probe.writeSamples(join(runDir, 'latency-samples.csv'));
    return { ...probe.summary(o.latency.warmupMs), loadRecords };
  } finally {
    await probe.stop();
  }
}
