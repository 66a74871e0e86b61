/**
 * MM2's internal topics (offset syncs, checkpoints, heartbeats) as this engine creates and reads
 * them: one partition, compacted (MM2 creates all three that way), written to partition 0; read from
 * the log start to the end offset seen when reading began, like MM2's `KafkaBasedLog` and
 * RemoteClusterUtils do. Reading is read_committed up to the high watermark (kafka-clients.ts,
 * internalReaderConfig): in exactly-once mode progress and target-side offset syncs are written in
 * transactions, and a pending one is waited for rather than read past or read uncommitted.
 */
import type { KafkaConsumer } from '@confluentinc/kafka-javascript';
import { KafkaAdmin } from './kafka-admin.ts';
import { adminConfig, connectConsumer, consumeBatch, disconnect, internalReaderConfig, type ClusterClientSettings } from './kafka-clients.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { KAFKA_ERROR_CODES as K } from './error-codes.ts';
import { kafkaErrorCode } from './error-classifier.ts';
import { retry } from './retry.ts';

/** One record of an internal topic: raw key and value (null for a tombstone), offset, timestamp (epoch ms). */
export interface InternalRecord {
  key: Buffer | null;
  value: Buffer | null;
  offset: number;
  timestampMs: number;
}

/** What {@link ensureInternalTopic} did. */
export type EnsureOutcome = 'exists' | 'created' | 'created-with-broker-default';

/**
 * Creates `topic` (1 partition, compacted, plus `configs`) if it does not exist. When the cluster has
 * fewer brokers than `replicationFactor` (MM2's default 3 on a single-broker dev cluster), it is created
 * with the broker's `default.replication.factor` instead — `created-with-broker-default`, for the
 * caller to warn about — rather than stopping the flow over an internal topic.
 */
export async function ensureInternalTopic(admin: KafkaAdmin, topic: string, replicationFactor: number, configs: Record<string, string> = {}): Promise<EnsureOutcome> {
  const existing = (await admin.describeTopics([topic])).get(topic);
  if (existing) return 'exists';
  const all = { 'cleanup.policy': 'compact', ...configs };
  let outcome: EnsureOutcome;
  try {
    outcome = (await admin.createTopic(topic, 1, replicationFactor, all)) ? 'created' : 'exists';
  } catch (err) {
    // INVALID_REPLICATION_FACTOR: more replicas asked for than the cluster has brokers.
    if (replicationFactor === -1 || kafkaErrorCode(err) !== K.INVALID_REPLICATION_FACTOR) throw err;
    outcome = (await admin.createTopic(topic, 1, -1, all)) ? 'created-with-broker-default' : 'exists';
  }
  return outcome;
}

/** librdkafka `_NOENT` ("No leaders found") and Kafka UNKNOWN_TOPIC_OR_PARTITION: a topic too new for the cluster's metadata. */
const NEW_TOPIC_ERRORS: ReadonlySet<number> = new Set([K._NOENT, K.UNKNOWN_TOPIC_OR_PARTITION]);
/** How long {@link untilSettled} waits for a new topic, ms. */
const SETTLE_TIMEOUT_MS = 30_000;

/**
 * Runs `read` until a topic this process has just created answers: right after CreateTopics the
 * admin client's metadata may not know its leader yet ("listOffsets failed: Local: No such entry"),
 * which would fail the first start against a fresh target cluster. Retries those errors only, for up to 30 s.
 */
export function untilSettled<T>(read: () => Promise<T>): Promise<T> {
  return retry(read, {
    timeoutMs: SETTLE_TIMEOUT_MS,
    isRetriable: (err) => {
      const code = err instanceof MirrorError ? kafkaErrorCode(err) : undefined;
      return code !== undefined && NEW_TOPIC_ERRORS.has(code);
    },
  });
}


/**
 * Reads partition 0 of `topic` on `cluster` from its log start offset up to the end offset read at
 * the start, calling `onRecord` in offset order (tombstones included: `value` null). A missing topic
 * reads as empty. Resolves with the end offset reached. Throws MirrorError(TIMEOUT) when the end is
 * not reached within `timeoutMs`. `admin`: the cluster's shared admin (ClusterConnections) for the
 * offsets; without it the reader opens and closes one of its own.
 */
export async function readInternalTopic(
  cluster: ClusterClientSettings,
  topic: string,
  onRecord: (record: InternalRecord) => void,
  options: { timeoutMs?: number; clientId?: string; admin?: KafkaAdmin } = {},
): Promise<number> {
  const clientId = options.clientId ?? 'kafka-mirror-internal-reader';
  const admin = options.admin ?? new KafkaAdmin(adminConfig(cluster, clientId), { label: cluster });
  let start: number;
  let end: number;
  try {
    if (!(await admin.describeTopics([topic])).get(topic)) return 0;
    // untilSettled: the topic may have been created a moment ago by another process (the tasks of a flow race to create it).
    ({ logStartOffset: start, logEndOffset: end } = (await untilSettled(() => admin.partitionOffsets([{ topic, partition: 0 }]))).get(`${topic}-0`)!);
  } finally {
    if (admin !== options.admin) admin.close();
  }
  if (end <= start) return end;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const consumer: KafkaConsumer = await connectConsumer(internalReaderConfig(cluster, clientId));
  try {
    consumer.setDefaultConsumeTimeout(200);
    consumer.assign([{ topic, partition: 0, offset: start }]);
    let position = start;
    const deadline = Date.now() + timeoutMs;
    while (position < end) {
      if (Date.now() > deadline) throw new MirrorError(ERROR_CODES.TIMEOUT, `reading ${topic} did not reach offset ${end} within ${timeoutMs} ms (at ${position})`);
      const batch = await consumeBatch(consumer, 1000);
      if (batch.length === 0) {
        // Compaction can remove the offsets just below the end (expired tombstones): the fetch position
        // still moves past them, the records never arrive.
        const fetched = consumer.position([{ topic, partition: 0 }])[0]?.offset;
        if (typeof fetched === 'number' && fetched >= end) break;
      }
      for (const m of batch) {
        if (m.offset >= end) {
          position = end;
          break;
        }
        position = m.offset + 1;
        const key = m.key === null || m.key === undefined ? null : typeof m.key === 'string' ? Buffer.from(m.key) : m.key;
        onRecord({ key, value: m.value ?? null, offset: m.offset, timestampMs: m.timestamp ?? 0 });
      }
    }
  } finally {
    await disconnect(consumer);
  }
  return end;
}
