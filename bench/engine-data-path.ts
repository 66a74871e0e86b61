/**
 * Engine-level CPU of the two data paths (issue 16; not part of `npm run bench`): a whole MirrorEngine in
 * this process (mirror task, progress, offset syncs, heartbeats, checkpoints, telemetry) mirrors a pre-filled
 * topic (default 500 000 records of 1 KiB, 4 partitions) once with `data.path = records` and once with
 * `data.path = batches`, each from a topic of its own filled by ProducerPerformance (linger 5 ms,
 * batch.size 1 MiB, the given codec). Reports records/s and CPU seconds per GB of this process (all its
 * threads: librdkafka's included) and of each broker JVM, from the engine's start to the last record on the
 * target.
 *
 *   PRIMARY_PORT=25092 STANDBY_PORT=25093 npx tsx bench/engine-data-path.ts [--records N] [--codecs none,lz4] [--paths batches,records]
 *   node --cpu-prof --cpu-prof-dir=<dir> --import tsx bench/engine-data-path.ts --paths batches   (a profile of one path)
 *
 * Clusters must be up on those ports; the topics it creates are deleted at the end.
 */
import { parseArgs } from 'node:util';
import { MirrorEngine, parseMirrorConfig, silentLogger } from 'kafka-mirror-engine';
import { KafkaAdmin } from 'kafka-mirror-engine/testing';
import { defaultClusters } from '../local-kafka/local-kafka-cluster.ts';
import { createTopic, endOffsets } from './bench-clusters.ts';
import { runProducerPerf } from './perf-tools.ts';
import { liveCpuSeconds } from './proc-stat.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    'record-size': { type: 'string', default: '1024' },
    partitions: { type: 'string', default: '4' },
    codecs: { type: 'string', default: 'none,lz4' },
    paths: { type: 'string', default: 'batches,records' },
  },
});
const RECORDS = Number(args.records);
const RECORD_SIZE = Number(args['record-size']);
const PARTITIONS = Number(args.partitions);
const clusters = defaultClusters();
function properties(topic: string, path: string): string {
  return [
    'clusters = primary, standby',
    `primary.bootstrap.servers = ${clusters.primary.bootstrapServers}`,
    `standby.bootstrap.servers = ${clusters.standby.bootstrapServers}`,
    'primary->standby.enabled = true',
    `primary->standby.topics = ${topic}`,
    `data.path = ${path}`,
    'replication.factor = 1',
    'progress.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1',
    'checkpoints.topic.replication.factor = 1',
    'heartbeats.topic.replication.factor = 1',
    'sync.topic.configs.enabled = false',
  ].join('\n');
}

async function mirror(topic: string, path: string, targetAdmin: KafkaAdmin): Promise<{ seconds: number; nodeCpuS: number; nodeSystemS: number; sourceCpuS: number; targetCpuS: number }> {
  const [sp, tp] = [clusters.primary.runningPid(), clusters.standby.runningPid()];
  if (!sp || !tp) throw new Error('clusters not running on PRIMARY_PORT / STANDBY_PORT');
  const before = { t: performance.now(), cpu: process.cpuUsage(), s: liveCpuSeconds(sp), d: liveCpuSeconds(tp) };
  const engine = new MirrorEngine({ config: parseMirrorConfig(properties(topic, path)).config, logger: silentLogger(), summaryIntervalMs: 0 });
  await engine.start();
  const remote = `primary.${topic}`;
  for (;;) {
    const ends = await endOffsets(targetAdmin, remote, PARTITIONS).catch(() => [0]);
    if (ends.reduce((a, b) => a + b, 0) >= RECORDS) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (performance.now() - before.t) / 1000;
  const cpu = process.cpuUsage(before.cpu);
  const result = { seconds, nodeCpuS: (cpu.user + cpu.system) / 1e6, nodeSystemS: cpu.system / 1e6, sourceCpuS: liveCpuSeconds(sp) - before.s, targetCpuS: liveCpuSeconds(tp) - before.d };
  await engine.stop();
  return result;
}

async function main(): Promise<void> {
  const sourceAdmin = new KafkaAdmin({ 'bootstrap.servers': clusters.primary.bootstrapServers, 'client.id': 'kme-bench-data-path' });
  const targetAdmin = new KafkaAdmin({ 'bootstrap.servers': clusters.standby.bootstrapServers, 'client.id': 'kme-bench-data-path' });
  const rows: string[] = [];
  const gb = (RECORDS * RECORD_SIZE) / 1e9;
  const created: [KafkaAdmin, string][] = [];
  try {
    for (const codec of String(args.codecs).split(',')) {
      for (const path of String(args.paths).split(',')) {
        const topic = `bench-data-path-${path}-${codec}-${Date.now()}`;
        await createTopic(sourceAdmin, topic, PARTITIONS);
        created.push([sourceAdmin, topic], [targetAdmin, `primary.${topic}`]);
        await runProducerPerf({ bootstrapServers: clusters.primary.bootstrapServers, topic, records: RECORDS, recordSizeBytes: RECORD_SIZE, throughput: -1, tuning: { lingerMs: 5, batchSizeBytes: 1024 * 1024, compression: codec }, timeoutMs: 600_000 });
        const ends = await endOffsets(sourceAdmin, topic, PARTITIONS);
        console.error(`${path}/${codec}: source filled (${ends.join(',')}), mirroring`);
        const m = await mirror(topic, path, targetAdmin);
        const row = `| ${path} | ${codec} | ${Math.round(RECORDS / m.seconds).toLocaleString('en')} | ${(m.nodeCpuS / gb).toFixed(2)} (${(m.nodeSystemS / gb).toFixed(2)}) | ${(m.sourceCpuS / gb).toFixed(2)} | ${(m.targetCpuS / gb).toFixed(2)} | ${m.seconds.toFixed(1)} |`;
        console.error(row);
        rows.push(row);
      }
    }
  } finally {
    for (const [admin, name] of created) await admin.deleteTopic(name).catch(() => undefined);
    sourceAdmin.close();
    targetAdmin.close();
  }
  console.log(`\n${RECORDS} records × ${RECORD_SIZE} B = ${gb.toFixed(2)} GB, ${PARTITIONS} partitions; whole engine in this process, from start to the last record on the target\n`);
  console.log('| data.path | source codec | records/s | engine CPU-s/GB (of it system) | source broker CPU-s/GB | target broker CPU-s/GB | seconds |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
