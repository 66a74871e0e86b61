/**
 * Shared by the HTTP-listener integration tests (test/observability.int.test.ts, test/dashboard.int.test.ts):
 * a source topic with a kafkajs producer of `p:i` values, DeleteRecords through the engine's admin, and
 * readers of the engine's `/status` and `/metrics`.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer } from '@confluentinc/kafka-javascript';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaAdmin, type EngineStatus, type PartitionStatus } from '../engine/testing.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';

/** Where tests leave artefacts for people (excerpts, screenshots): `logs/` at the repository root. */
export const LOGS_DIR = join(import.meta.dirname, '..', 'logs');

/** Writes `text` to `logs/<name>` (creating the folder); returns the path. */
export function saveArtefact(name: string, text: string | Buffer): string {
  mkdirSync(LOGS_DIR, { recursive: true });
  const path = join(LOGS_DIR, name);
  writeFileSync(path, text);
  return path;
}

/** A source topic `<prefix>-data` with `partitions` partitions, its remote name, a producer and DeleteRecords. Call `close()`. */
export async function sourceTopic(name: string, partitions: number) {
  const prefix = uniqueTopic(name);
  const topic = `${prefix}-data`;
  const remote = `primary.${topic}`;
  const primary = kafkajsClient(PRIMARY);
  const admin = primary.admin();
  const standbyAdmin = kafkajsClient(STANDBY).admin();
  const producer = primary.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await Promise.all([admin.connect(), standbyAdmin.connect(), producer.connect()]);
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  const sent = Array.from({ length: partitions }, () => 0);
  return {
    prefix,
    topic,
    remote,
    sent,
    /** Produces `perPartition` more `p:i` records to every partition (or to `only`). */
    async produce(perPartition: number, only?: number): Promise<void> {
      const targets = only === undefined ? sent.map((_, p) => p) : [only];
      const messages = targets.flatMap((p) => Array.from({ length: perPartition }, (_, i) => ({ partition: p, key: `k${i}`, value: `${p}:${sent[p]! + i}` })));
      await producer.send({ topic, acks: -1, messages });
      for (const p of targets) sent[p]! += perPartition;
    },
    /** DeleteRecords below `offset` of `partition` on the source; resolves with the new log start offset. */
    async deleteBefore(partition: number, offset: number): Promise<number> {
      const deleter = new KafkaAdmin({ 'bootstrap.servers': PRIMARY, 'client.id': 'kme-test-delete-records' });
      try {
        return await deleter.deleteRecordsBefore({ topic, partition }, offset);
      } finally {
        deleter.close();
      }
    },
    async close(): Promise<void> {
      await producer.disconnect().catch(() => undefined);
      await Promise.allSettled([admin.deleteTopics({ topics: [topic], timeout: 10_000 }), standbyAdmin.deleteTopics({ topics: [remote], timeout: 10_000 })]);
      await Promise.allSettled([admin.disconnect(), standbyAdmin.disconnect()]);
    },
  };
}

/** Commits `offset` for `group` on partition `partition` of `topic` on the source (an rdkafka consumer without a subscription). */
export async function commitGroupOffset(group: string, topic: string, partition: number, offset: number): Promise<void> {
  const consumer: KafkaConsumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': PRIMARY, 'group.id': group, 'enable.auto.commit': false } as never, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    consumer.commitSync([{ topic, partition, offset }]);
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

/** GET `<url>/status`. */
export async function getStatus(url: string): Promise<EngineStatus> {
  const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`/status answered ${res.status}`);
  return (await res.json()) as EngineStatus;
}

/** GET `<url>/metrics` as text. */
export async function getMetrics(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** HTTP status code of `GET <url><path>`. */
export async function probe(url: string, path: '/health' | '/ready'): Promise<number> {
  return (await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) })).status;
}

/** One partition of `topic` in a status document. */
export function partitionOf(status: EngineStatus, topic: string, partition: number): PartitionStatus | undefined {
  return status.partitions.find((p) => p.topic === topic && p.partition === partition);
}

/** The exposition lines of `metric` whose labels include `labels` (e.g. `{topic: …}`). */
export function metricLines(text: string, metric: string, labels: Record<string, string> = {}): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `)).filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
}

/** The value of the single exposition line of `metric` with `labels` (NaN when absent). */
export function metricValue(text: string, metric: string, labels: Record<string, string> = {}): number {
  const [line] = metricLines(text, metric, labels);
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}
