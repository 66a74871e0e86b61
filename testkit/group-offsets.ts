/**
 * Consumer-group offsets as tests set and read them, with clients independent of the engine's
 * group code: an rdkafka consumer that never subscribes commits explicit offsets (generation -1, as a
 * simple consumer does; the broker refuses it while the group has members), kafkajs reads them back.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer } from '@confluentinc/kafka-javascript';
import { kafkajsClient } from './test-clusters.ts';

/** Commits `offset` (the next record to read) for `group` on one partition of `topic` on `bootstrap`. */
export async function commitGroupOffset(bootstrap: string, group: string, topic: string, partition: number, offset: number): Promise<void> {
  const consumer: KafkaConsumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': false } as never, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    consumer.commitSync([{ topic, partition, offset }]);
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

/** Committed offsets of `group` on `topic` (partition → next offset; partitions without a commit are absent). */
export async function committedOffsets(bootstrap: string, group: string, topic: string): Promise<Map<number, number>> {
  const admin = kafkajsClient(bootstrap).admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((entry?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}
