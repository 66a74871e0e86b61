/**
 * Micro-benchmark of the record-batch layer (issue 16; not part of `npm run bench`): copies a pre-filled
 * topic (default 1 000 000 records of 1 KiB ≈ 1 GB, 4 partitions) from the source to the target cluster
 *   - `batches`: engine/kafka/batch alone — Fetch v17 by topic ID, producer-field rewrite, one batch per
 *     Produce, all partitions copied concurrently (copyPartition each);
 *   - `records`: the record path's librdkafka loop — the engine's own SourceConsumer / TargetProducer
 *     (same configs as MirrorTask: consume 5000 at a time, produce each record, wait for every report);
 * with the source filled by ProducerPerformance (random payload, linger 5 ms, batch.size 1 MiB) with
 * compression none and lz4. Reports records/s and CPU seconds per GB of this node process and of each
 * broker JVM (/proc), one copy per path and codec, in this order: batches, records (per codec).
 *
 *   PRIMARY_PORT=10292 STANDBY_PORT=10293 npx tsx bench/batch-copy.ts [--records N] [--record-size B] [--partitions P] [--codecs none,lz4] [--paths batches,records]
 *
 * Clusters must be up (`npm run kafka:up` with the same ports); topics it creates are deleted at the end.
 */
import { parseArgs } from 'node:util';
import { BatchClient, copyPartition, KafkaAdmin, sourceConsumerFactory, targetProducerFactory, type ClusterClientSettings } from 'kafka-mirror-engine/testing';
import { defaultClusters } from '../local-kafka/local-kafka-cluster.ts';
import { createTopic, endOffsets } from './bench-clusters.ts';
import { runProducerPerf } from './perf-tools.ts';
import { liveCpuSeconds } from './proc-stat.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
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
const settings = (alias: string, bootstrapServers: string): ClusterClientSettings => ({ alias, bootstrapServers, client: {}, consumer: {}, producer: {}, admin: {} });
const SOURCE = settings('primary', clusters.primary.bootstrapServers);
const TARGET = settings('standby', clusters.standby.bootstrapServers);
/** This process's CPU seconds so far: user, system. */
function nodeCpuSeconds(): { user: number; system: number } {
  const u = process.cpuUsage();
  return { user: u.user / 1e6, system: u.system / 1e6 };
}

interface Measure {
  path: string;
  codec: string;
  records: number;
  seconds: number;
  nodeCpuS: number;
  nodeSystemCpuS: number;
  sourceBrokerCpuS: number;
  targetBrokerCpuS: number;
  note: string;
}

async function measure(path: string, codec: string, bytes: number, run: () => Promise<{ records: number; note: string }>): Promise<Measure> {
  const [sp, tp] = [clusters.primary.runningPid(), clusters.standby.runningPid()];
  if (!sp || !tp) throw new Error('clusters not running (npm run kafka:up with the same PRIMARY_PORT/STANDBY_PORT)');
  const before = { t: performance.now(), node: nodeCpuSeconds(), s: liveCpuSeconds(sp), d: liveCpuSeconds(tp) };
  const { records, note } = await run();
  const seconds = (performance.now() - before.t) / 1000;
  const after = nodeCpuSeconds();
  const gb = bytes / 1e9;
  return {
    path,
    codec,
    records,
    seconds,
    nodeCpuS: (after.user + after.system - before.node.user - before.node.system) / gb,
    nodeSystemCpuS: (after.system - before.node.system) / gb,
    sourceBrokerCpuS: (liveCpuSeconds(sp) - before.s) / gb,
    targetBrokerCpuS: (liveCpuSeconds(tp) - before.d) / gb,
    note,
  };
}

async function copyBatches(sourceTopic: string, targetTopic: string, endOffsets: number[]): Promise<{ records: number; note: string }> {
  const source = new BatchClient({ bootstrap: SOURCE.bootstrapServers, clientId: 'kme-bench-batches' });
  const target = new BatchClient({ bootstrap: TARGET.bootstrapServers, clientId: 'kme-bench-batches' });
  await Promise.all([source.connect(), target.connect()]);
  try {
    const [[sourceLayout], [targetLayout]] = await Promise.all([source.metadata([sourceTopic]), target.metadata([targetTopic])]);
    const producer = await target.initProducerId();
    const results = await Promise.all(
      endOffsets.map((toOffset, partition) => copyPartition({ source, target, sourceLayout: sourceLayout!, targetLayout: targetLayout!, partition, fromOffset: 0, toOffset, producer })),
    );
    const records = results.reduce((s, r) => s + r.records, 0);
    const batches = results.reduce((s, r) => s + r.batches, 0);
    const bytes = results.reduce((s, r) => s + r.bytes, 0);
    return { records, note: `${batches} produce requests of one batch, avg ${Math.round(bytes / batches / 1024)} KiB, ${(records / batches).toFixed(0)} records` };
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}

async function copyRecords(sourceTopic: string, targetTopic: string, total: number): Promise<{ records: number; note: string }> {
  let delivered = 0;
  let failed = 0;
  const consumer = await sourceConsumerFactory(SOURCE, 'kme-bench-records', 'read_uncommitted')({ consumeTimeoutMs: 100, onError: () => undefined });
  const producer = await targetProducerFactory(TARGET, 'kme-bench-records')({ onDelivery: (err) => (err ? failed++ : delivered++) });
  try {
    consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: sourceTopic, partition, offset: 0 })));
    for (let consumed = 0; consumed < total; ) {
      const batch = await consumer.consume(5000);
      for (const record of batch) {
        while (!producer.produce(targetTopic, record)) await new Promise((r) => setTimeout(r, 5));
      }
      consumed += batch.length;
    }
    if (!(await producer.awaitReports(300_000, () => total - delivered - failed))) throw new Error('record path: delivery reports missing');
    if (failed > 0) throw new Error(`record path: ${failed} records failed`);
    return { records: delivered, note: 'consume(5000) → produce per record → all delivery reports' };
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect()]);
  }
}

async function main(): Promise<void> {
  const sourceAdmin = new KafkaAdmin({ 'bootstrap.servers': SOURCE.bootstrapServers, 'client.id': 'kme-bench-batch-copy' });
  const targetAdmin = new KafkaAdmin({ 'bootstrap.servers': TARGET.bootstrapServers, 'client.id': 'kme-bench-batch-copy' });
  const created: [KafkaAdmin, string][] = [];
  const create = async (admin: KafkaAdmin, name: string) => {
    await createTopic(admin, name, PARTITIONS);
    created.push([admin, name]);
  };
  const results: Measure[] = [];
  const bytes = RECORDS * RECORD_SIZE;
  try {
    for (const codec of String(args.codecs).split(',')) {
      const sourceTopic = `bench-batch-copy-${codec}-${Date.now()}`;
      await create(sourceAdmin, sourceTopic);
      const fill = await runProducerPerf({ bootstrapServers: SOURCE.bootstrapServers, topic: sourceTopic, records: RECORDS, recordSizeBytes: RECORD_SIZE, throughput: -1, tuning: { lingerMs: 5, batchSizeBytes: 1024 * 1024, compression: codec }, timeoutMs: 600_000 });
      const ends = await endOffsets(sourceAdmin, sourceTopic, PARTITIONS);
      console.error(`${codec}: source filled, ${fill.recordsPerSec.toFixed(0)} records/s, end offsets ${ends.join(',')}`);
      for (const path of String(args.paths).split(',')) {
        const targetTopic = `primary.${sourceTopic}.${path}`;
        await create(targetAdmin, targetTopic);
        const m = await measure(path, codec, bytes, () => (path === 'batches' ? copyBatches(sourceTopic, targetTopic, ends) : copyRecords(sourceTopic, targetTopic, RECORDS)));
        if (m.records !== RECORDS) throw new Error(`${path}/${codec}: copied ${m.records} of ${RECORDS}`);
        console.error(`${path}/${codec}: ${m.seconds.toFixed(1)} s`);
        results.push(m);
        await targetAdmin.deleteTopic(targetTopic);
      }
    }
  } finally {
    for (const [admin, name] of created) await admin.deleteTopic(name).catch(() => undefined);
    sourceAdmin.close();
    targetAdmin.close();
  }
  console.log(`\n${RECORDS} records × ${RECORD_SIZE} B = ${(bytes / 1e9).toFixed(2)} GB, ${PARTITIONS} partitions; CPU seconds per GB copied\n`);
  console.log('| path | source codec | records/s | MB/s | node CPU-s/GB (of it system) | source broker CPU-s/GB | target broker CPU-s/GB | notes |');
  console.log('|---|---|---:|---:|---:|---:|---:|---|');
  for (const m of results) {
    console.log(`| ${m.path} | ${m.codec} | ${Math.round(m.records / m.seconds).toLocaleString('en')} | ${(bytes / 1e6 / m.seconds).toFixed(0)} | ${m.nodeCpuS.toFixed(2)} (${m.nodeSystemCpuS.toFixed(2)}) | ${m.sourceBrokerCpuS.toFixed(2)} | ${m.targetBrokerCpuS.toFixed(2)} | ${m.note} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
