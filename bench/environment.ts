/**
 * What the numbers were measured on: machine (cores, memory, CPU model, load) and versions (Kafka,
 * Node, librdkafka, Java). Load averages are taken at start and end: on a busy machine the
 * absolute figures are noisy, and the report says so.
 */
import { cpus, loadavg, totalmem, release } from 'node:os';
import { spawnSync } from 'node:child_process';
import Kafka from '@confluentinc/kafka-javascript';
import { pinnedKafkaVersion } from '../local-kafka/jars.ts';

/** Machine and software the benchmark ran on. */
export interface Environment {
  nproc: number;
  memoryMb: number;
  cpuModel: string;
  kernel: string;
  loadAvgAtStart: number[];
  versions: { kafka: string; node: string; librdkafka: string; java: string; kafkaJavascript: string };
}

/** Reads the machine and versions now. */
export function readEnvironment(): Environment {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const javaVersion = /version "([^"]+)"/.exec(`${java.stderr}${java.stdout}`)?.[1] ?? 'unknown';
  return {
    nproc: cpus().length,
    memoryMb: Math.round(totalmem() / 1024 / 1024),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    kernel: release(),
    loadAvgAtStart: loadavg().map(round2),
    versions: {
      kafka: pinnedKafkaVersion(),
      node: process.version,
      librdkafka: (Kafka as unknown as { librdkafkaVersion: string }).librdkafkaVersion,
      java: javaVersion,
      kafkaJavascript: kafkaJavascriptVersion(),
    },
  };
}

/** The 1/5/15-minute load averages now. */
export function currentLoad(): number[] {
  return loadavg().map(round2);
}

function kafkaJavascriptVersion(): string {
  const out = spawnSync(process.execPath, ['-p', "require('@confluentinc/kafka-javascript/package.json').version"], { encoding: 'utf8' });
  return out.stdout.trim() || 'unknown';
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
