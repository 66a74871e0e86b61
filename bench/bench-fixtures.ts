/**
 * Made-up results for the summary and report tests: one run of a mirror with round figures, every
 * field overridable. Not a measurement.
 */
import type { Environment } from './environment.ts';
import type { MirrorRunResult } from './mirror-run.ts';
import type { BenchResults } from './report.ts';

/** A run copying 1 000 000 records of 1 KiB (1.024 GB) in 10 s. */
export function fakeRun(o: Partial<MirrorRunResult> = {}): MirrorRunResult {
  return {
    mirror: 'mm2',
    round: 1,
    sourceCompression: 'none',
    records: 1_000_000,
    bytes: 1_024_000_000,
    totalMs: 15_000,
    startupMs: 5000,
    copyMs: 10_000,
    recordsPerSec: 100_000,
    mbPerSec: 102.4,
    recordsPerSecTotal: 66_667,
    peakRssMb: 1000,
    cpuS: 12,
    cpuCopyS: 10.24,
    threadCpuS: {},
    copyPhaseCpuS: { sourceBroker: 2, targetBroker: 8, machine: 20 },
    correctedLimitRecordsPerSec: 200_000,
    targetBatches: { batches: 1000, records: 1_000_000, bytes: 1_030_000_000, controlBatches: 0, codecs: ['none'] },
    excessRecords: 0,
    latency: { received: 100_000, counted: 75_000, loadRecordsPerSec: 5000, p50Ms: 10, p99Ms: 40, maxMs: 90, p99AllMs: 80, loadRecords: 100_000 },
    exitCode: 0,
    killed: false,
    runDir: '/tmp/run',
    ...o,
  };
}

const ENVIRONMENT: Environment = {
  nproc: 2,
  memoryMb: 24_576,
  cpuModel: 'test CPU',
  kernel: '6.0',
  loadAvgAtStart: [0.1, 0.1, 0.1],
  versions: { kafka: '4.1.1', node: 'v20', librdkafka: '2.15.1', java: '17', kafkaJavascript: '1.10.1' },
};

/** Results around `runs`, batch path as given. */
export function fakeResults(runs: MirrorRunResult[], batchPath: BenchResults['batchPath'] = { available: true, reason: 'asked' }): BenchResults {
  return {
    label: 'test',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    durationS: 600,
    preliminary: [],
    environment: ENVIRONMENT,
    loadAvgAtEnd: [0.2, 0.2, 0.2],
    settings: { oursTasks: 2, mm2: { properties: { 'tasks.max': 6 } } },
    cores: 2,
    batchPath,
    prefills: [
      { codec: 'none', topic: 'bench-source-none', records: 1_000_000, recordsPerSec: 150_000, sourceBatches: { batches: 1000, records: 1_000_000, bytes: 1_030_000_000, controlBatches: 0, codecs: ['none'] } },
    ],
    limits: [],
    runs,
  };
}
