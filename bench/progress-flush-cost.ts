/**
 * What `progress.flush.max.records` costs (issue 15): the engine in-process (testkit/engine-harness.ts)
 * catches up a pre-filled topic once per value of the key, rounds interleaved, and the throughput of each
 * catch-up is compared. Each run gets its own topic (pre-filled by Kafka's ProducerPerformance), deleted
 * afterwards on both clusters.
 *
 *   PRIMARY_PORT=10492 STANDBY_PORT=10493 npx tsx bench/progress-flush-cost.ts [--records 300000] [--size 100] [--partitions 6] [--values 0,100,1000,10000] [--rounds 2]
 *
 * Against the clusters of testkit/test-clusters.ts (start them with `npm run kafka:up`). Prints one line
 * per run and a Markdown table: median records/s and CPU µs per record per value, their ratios to the
 * first value (0: time-based flush only), and the progress records written per run. On a shared machine
 * the CPU per record is the steadier figure.
 */
import { Command } from 'commander';
import { runProducerPerf } from './perf-tools.ts';
import { startEngine } from '../testkit/engine-harness.ts';
import { PRIMARY, STANDBY, remoteOf, uniqueTopic } from '../testkit/test-clusters.ts';
import { withClusterReader } from '../testkit/cluster-reader.ts';
import { PROGRESS_TOPIC } from '../testkit/progress-records.ts';
import { waitFor } from '../testkit/wait-for.ts';

interface Options {
  records: number;
  size: number;
  partitions: number;
  values: string;
  rounds: number;
}

/** What one catch-up measured. */
interface RunResult {
  /** Records/s from the engine's start until the remote topic held every record (wall clock: sensitive to other load). */
  recordsPerSec: number;
  /** CPU time of this process (engine, librdkafka threads, the watcher) per record mirrored, µs: less sensitive to other load. */
  cpuUsPerRecord: number;
  progressWrites: number;
}

/** One catch-up of a freshly filled topic with `progress.flush.max.records` = `maxRecords`. */
async function run(o: Options, maxRecords: number): Promise<RunResult> {
  const topic = uniqueTopic('pfc');
  await withClusterReader(PRIMARY, (r) => r.admin.createTopics({ topics: [{ topic, numPartitions: o.partitions, replicationFactor: 1 }], waitForLeaders: true }));
  await runProducerPerf({ bootstrapServers: PRIMARY, topic, records: o.records, recordSizeBytes: o.size, throughput: -1, tuning: { lingerMs: 5, batchSizeBytes: 1 << 20, compression: 'none' }, timeoutMs: 300_000 });
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const engine = await startEngine(topic, { 'progress.flush.max.records': maxRecords, 'emit.checkpoints.enabled': 'false' });
  try {
    await withClusterReader(STANDBY, (r) => r.waitForHighWatermarks(remoteOf(topic), (hw) => [...hw.values()].reduce((a, b) => a + b, 0) >= o.records, `${o.records} records mirrored`, 300_000));
    const seconds = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await engine.stop();
    const progressWrites = await withClusterReader(STANDBY, async (r) => (await r.readRecords(PROGRESS_TOPIC)).filter((x) => x.key?.toString('utf8').includes(`"topic":"${topic}"`)).length);
    return { recordsPerSec: o.records / seconds, cpuUsPerRecord: (cpu.user + cpu.system) / o.records, progressWrites };
  } finally {
    await engine.stop();
    await withClusterReader(PRIMARY, (r) => r.deleteTopicsIfPresent([topic]));
    await withClusterReader(STANDBY, (r) => r.deleteTopicsIfPresent([remoteOf(topic)]));
    await waitFor(async () => !(await withClusterReader(STANDBY, (r) => r.topicExists(remoteOf(topic)))), { timeoutMs: 30_000, message: 'remote topic deleted' });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const o = new Command('progress-flush-cost')
    .option('--records <n>', 'records per catch-up', Number, 300_000)
    .option('--size <bytes>', 'record size', Number, 100)
    .option('--partitions <n>', 'partitions', Number, 6)
    .option('--values <list>', 'progress.flush.max.records values', '0,100,1000,10000')
    .option('--rounds <n>', 'rounds (values interleaved)', Number, 2)
    .parse()
    .opts<Options>();
  const values = o.values.split(',').map(Number);
  const results = new Map<number, RunResult[]>(values.map((v) => [v, []]));
  for (let round = 1; round <= o.rounds; round++) {
    for (const v of values) {
      const r = await run(o, v);
      results.get(v)!.push(r);
      console.log(`round ${round} progress.flush.max.records=${v}: ${Math.round(r.recordsPerSec)} records/s, ${r.cpuUsPerRecord.toFixed(2)} µs CPU/record, ${r.progressWrites} progress writes`);
    }
  }
  const base = median(results.get(values[0]!)!.map((r) => r.recordsPerSec));
  const baseCpu = median(results.get(values[0]!)!.map((r) => r.cpuUsPerRecord));
  console.log(`\n${o.records} records of ${o.size} B, ${o.partitions} partitions, ${o.rounds} rounds, median per value\n`);
  console.log('| progress.flush.max.records | records/s | vs first | CPU µs/record | vs first | progress writes |');
  console.log('|---|---|---|---|---|---|');
  for (const v of values) {
    const rs = results.get(v)!;
    const rps = median(rs.map((r) => r.recordsPerSec));
    const cpu = median(rs.map((r) => r.cpuUsPerRecord));
    console.log(`| ${v} | ${Math.round(rps)} | ${(rps / base).toFixed(2)} | ${cpu.toFixed(2)} | ${(cpu / baseCpu).toFixed(2)} | ${median(rs.map((r) => r.progressWrites))} |`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`progress-flush-cost: ${(err as Error).message}`);
    process.exit(1);
  },
);
