/**
 * Reading records with their headers in exact wire order: the one place where kafkajs folds information
 * away (it groups repeated header names), so this reads with a raw rdkafka-style KafkaConsumer of
 * @confluentinc/kafka-javascript, whose headers arrive as an ordered array of one-key objects (order and
 * duplicate names intact; ../shared/KAFKA-FACTS.md). Never through the engine's own client wrappers.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import type { ReadRecord } from './cluster-reader.ts';
import { uniqueTopic } from './test-clusters.ts';
import { waitFor } from './wait-for.ts';

/**
 * Reads `count` records of `topic`-`partition` from offset 0 (read_uncommitted) on `bootstrap`; resolves
 * with them as {@link ReadRecord}s whose `headers` are in wire order. Rejects after `timeoutMs`.
 */
export async function readWithOrderedHeaders(bootstrap: string, topic: string, partition: number, count: number, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const consumer: KafkaConsumer = new Kafka.KafkaConsumer({
    'bootstrap.servers': bootstrap,
    'group.id': uniqueTopic('kme-verify-headers'),
    'enable.auto.commit': false,
    'auto.offset.reset': 'earliest',
    'isolation.level': 'read_uncommitted',
  } as never);
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  const out: Message[] = [];
  try {
    consumer.setDefaultConsumeTimeout(200);
    consumer.assign([{ topic, partition, offset: 0 }]);
    await waitFor(
      async () => {
        const batch = await new Promise<Message[]>((resolve, reject) => consumer.consume(count, (err, msgs) => (err ? reject(err) : resolve(msgs))));
        out.push(...batch);
        return out.length >= count;
      },
      { timeoutMs, intervalMs: 1, message: `${count} records of ${topic}-${partition} through the rdkafka-style consumer` },
    );
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out.slice(0, count).map((m) => ({
    partition: m.partition,
    offset: m.offset,
    key: m.key === null || m.key === undefined ? null : Buffer.from(m.key),
    value: m.value ?? null,
    timestamp: m.timestamp ?? 0,
    headers: (m.headers ?? []).map((h): [string, Buffer | null] => {
      const [name, v] = Object.entries(h)[0]!;
      return [name, v === null || v === undefined ? null : Buffer.from(v)];
    }),
  }));
}
