/**
 * The brokers' own perf tools (kafka-tools 4.1): `ProducerPerformance` fills topics (pre-fill, the
 * producer half of the limit, the fixed-rate latency load) and `ConsumerPerformance` reads them (the
 * consumer half of the limit). Flag names are those of the 4.1 `--help` (they differ between 4.x minors).
 */
import { runJava, startJava, type Child } from './java-process.ts';

/** Producer settings shared by the limit producer and both mirrors' producers (batching, acks, compression). */
export interface ProducerTuning {
  lingerMs: number;
  batchSizeBytes: number;
  compression: string;
}

/** What ProducerPerformance reported on its final line. */
export interface ProducerPerfResult {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
}

/** What ConsumerPerformance reported (fetch.* figures exclude the group join). */
export interface ConsumerPerfResult {
  records: number;
  mb: number;
  fetchRecordsPerSec: number;
  fetchMbPerSec: number;
  fetchTimeMs: number;
}

const PRODUCER_PERF = 'org.apache.kafka.tools.ProducerPerformance';
const CONSUMER_PERF = 'org.apache.kafka.tools.ConsumerPerformance';

/** ProducerPerformance arguments: `records` of `recordSize` bytes at `throughput` records/s (-1 = unthrottled). */
function producerArgs(o: { bootstrapServers: string; topic: string; records: number; recordSizeBytes: number; throughput: number; tuning: ProducerTuning }): string[] {
  return [
    '--topic', o.topic,
    '--num-records', String(o.records),
    '--record-size', String(o.recordSizeBytes),
    '--throughput', String(o.throughput),
    '--producer-props',
    `bootstrap.servers=${o.bootstrapServers}`,
    'acks=all',
    'enable.idempotence=true',
    `linger.ms=${o.tuning.lingerMs}`,
    `batch.size=${o.tuning.batchSizeBytes}`,
    `compression.type=${o.tuning.compression}`,
    // Records have no key: the default sticky partitioner fills one partition per batch, which leaves
    // small runs lopsided (one partition empty, another with 40 %). Round robin gives every partition
    // (and every MM2 task) the same share.
    'partitioner.class=org.apache.kafka.clients.producer.RoundRobinPartitioner',
  ];
}

/** Runs ProducerPerformance to completion; throws with its output when it fails or prints no summary. */
export async function runProducerPerf(o: { bootstrapServers: string; topic: string; records: number; recordSizeBytes: number; throughput: number; tuning: ProducerTuning; timeoutMs: number }): Promise<ProducerPerfResult> {
  const { code, output } = await runJava(PRODUCER_PERF, producerArgs(o), { heap: '512m', timeoutMs: o.timeoutMs });
  const result = parseProducerPerf(output);
  if (code !== 0 || !result) throw new Error(`ProducerPerformance exited ${code} without a summary:\n${output.slice(-2000)}`);
  return result;
}

/** Starts ProducerPerformance in the background (the latency load); `exited` resolves when it is done. */
export function startProducerPerf(o: { bootstrapServers: string; topic: string; records: number; recordSizeBytes: number; throughput: number; tuning: ProducerTuning }): Child {
  return startJava(PRODUCER_PERF, producerArgs(o), { heap: '512m', capture: true });
}

/**
 * Parses the final line: `1000000 records sent, 123.4 records/sec (0.12 MB/sec), 1.5 ms avg latency,
 * 300.0 ms max latency, …`. Undefined when absent.
 */
export function parseProducerPerf(output: string): ProducerPerfResult | undefined {
  const lines = output.split('\n').filter((l) => /records sent, .*records\/sec \(.* MB\/sec\), .* ms avg latency, .* ms max latency/.test(l));
  const last = lines[lines.length - 1];
  if (!last) return undefined;
  const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency/.exec(last);
  if (!m) return undefined;
  return { records: Number(m[1]), recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), avgLatencyMs: Number(m[4]), maxLatencyMs: Number(m[5]) };
}

/** Runs ConsumerPerformance for `records` records of `topic` from the beginning (fresh group). */
export async function runConsumerPerf(o: { bootstrapServers: string; topic: string; records: number; fetchSizeBytes: number; timeoutMs: number }): Promise<ConsumerPerfResult> {
  const args = [
    '--bootstrap-server', o.bootstrapServers,
    '--topic', o.topic,
    '--messages', String(o.records),
    '--fetch-size', String(o.fetchSizeBytes),
    '--group', `bench-consumer-perf-${Date.now()}`,
    '--timeout', '30000',
  ];
  const { code, output } = await runJava(CONSUMER_PERF, args, { heap: '512m', timeoutMs: o.timeoutMs });
  const result = parseConsumerPerf(output);
  if (code !== 0 || !result) throw new Error(`ConsumerPerformance exited ${code} without a summary:\n${output.slice(-2000)}`);
  return result;
}

/**
 * Parses ConsumerPerformance's header line (`start.time, end.time, data.consumed.in.MB, MB.sec,
 * data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec`)
 * and the value line after it. Undefined when absent.
 */
export function parseConsumerPerf(output: string): ConsumerPerfResult | undefined {
  const lines = output.split('\n').map((l) => l.trim());
  const h = lines.findIndex((l) => l.startsWith('start.time'));
  if (h < 0 || !lines[h + 1]) return undefined;
  const names = lines[h]!.split(',').map((s) => s.trim());
  const values = lines[h + 1]!.split(',').map((s) => s.trim());
  const get = (name: string): number => Number(values[names.indexOf(name)]);
  const r = { records: get('data.consumed.in.nMsg'), mb: get('data.consumed.in.MB'), fetchRecordsPerSec: get('fetch.nMsg.sec'), fetchMbPerSec: get('fetch.MB.sec'), fetchTimeMs: get('fetch.time.ms') };
  return Object.values(r).every(Number.isFinite) ? r : undefined;
}
