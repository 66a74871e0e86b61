/**
 * Topic setup for the commit-log producer: create the topic when it is missing (rdkafka-style
 * AdminClient) and read its partition count from the producer's own metadata, which is what
 * `seq % partitionCount` must agree with.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { IAdminClient, Metadata, Producer, TopicDescription } from '@confluentinc/kafka-javascript';
import { ERROR_CODES, MirrorError } from '../engine/core/errors.ts';

const ERR_UNKNOWN_TOPIC = 3; // UNKNOWN_TOPIC_OR_PARTITION
const ERR_TOPIC_EXISTS = 36; // TOPIC_ALREADY_EXISTS: another producer won the creation race; fine.

/** Minimal pino-compatible logger (`logger.info({ topic }, 'msg')`); silent when absent. */
export interface CommitLogLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A `KAFKA_ERROR` {@link MirrorError} `"<what>: <client message>"` keeping the client error as `cause`. */
export function kafkaError(what: string, err: unknown): MirrorError {
  const detail = err instanceof Error ? err.message : typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
  return new MirrorError(ERROR_CODES.KAFKA_ERROR, `${what}: ${detail}`, { cause: err });
}

/** Creates the topic when it does not exist; returns whether this call created it. */
export async function ensureTopic(
  o: { bootstrapServers: string; topic: string; partitions: number; timeoutMs: number },
  logger?: CommitLogLogger,
): Promise<boolean> {
  const admin: IAdminClient = Kafka.AdminClient.create({ 'bootstrap.servers': o.bootstrapServers, 'client.id': 'commit-log-producer-admin' });
  try {
    const [description] = await describeTopic(admin, o.topic, o.timeoutMs);
    if (description?.error === undefined) return false;
    if (description.error.code !== ERR_UNKNOWN_TOPIC) throw kafkaError(`cannot describe topic ${o.topic}`, description.error);
    // replication_factor -1 = the broker's default.replication.factor (KIP-464), so a 1-broker
    // local cluster gets 1 and a production cluster its configured value.
    const created = await new Promise<boolean>((resolve, reject) =>
      admin.createTopic({ topic: o.topic, num_partitions: o.partitions, replication_factor: -1 }, o.timeoutMs, (err) => {
        if (!err) resolve(true);
        else if (err.code === ERR_TOPIC_EXISTS) resolve(false);
        else reject(kafkaError(`cannot create topic ${o.topic}`, err));
      }),
    );
    if (created) logger?.info({ topic: o.topic, partitions: o.partitions }, 'created topic');
    return created;
  } finally {
    admin.disconnect();
  }
}

function describeTopic(admin: IAdminClient, topic: string, timeoutMs: number): Promise<TopicDescription[]> {
  return new Promise((resolve, reject) =>
    admin.describeTopics([topic], { timeout: timeoutMs }, (err, result) => (err ? reject(kafkaError(`cannot describe topic ${topic}`, err)) : resolve(result))),
  );
}

/** The topic's partition count from the producer's metadata, waiting (bounded) for a new topic to appear. */
export async function topicPartitionCount(producer: Producer, topic: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const metadata = await new Promise<Metadata>((resolve, reject) =>
      producer.getMetadata({ topic, timeout: timeoutMs }, (err, data) => (err ? reject(kafkaError(`cannot read metadata of ${topic}`, err)) : resolve(data))),
    );
    const count = metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    if (count > 0) return count;
    if (performance.now() > deadline) throw new MirrorError(ERROR_CODES.TIMEOUT, `topic ${topic} has no partitions in metadata after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
