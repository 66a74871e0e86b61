/**
 * The admin operations the mirror path uses, as ports: {@link KafkaAdmin} satisfies both, unit tests
 * substitute fakes. Shapes and errors are KafkaAdmin's (kafka-admin.ts): offsets are numbers, topic IDs
 * base64url (KIP-516), failures MirrorError(KAFKA_ERROR | AUTH_FAILED).
 */
import type { KafkaAdmin, PartitionOffsets, TopicDescription, TopicPartition } from './kafka-admin.ts';

/** What a mirror task asks its source cluster: topics, topic IDs, log start / end offsets. */
export interface SourceAdminPort {
  /** Names of all topics, internal ones included. */
  listTopics(): Promise<string[]>;
  /** Descriptions by name; a topic that does not exist maps to `undefined` (not an error). */
  describeTopics(names: readonly string[]): Promise<Map<string, TopicDescription | undefined>>;
  /**
   * Log start and log end offsets (high watermark, or last stable offset with `readCommitted`), keyed by
   * `topic-partition` (tpKey). Throws when a partition's topic does not exist.
   */
  partitionOffsets(partitions: readonly TopicPartition[], readCommitted?: boolean): Promise<Map<string, PartitionOffsets>>;
  /** Closes the connection. Idempotent. */
  close(): void;
}

/** What a mirror task asks its target cluster: remote topics and their partition counts. */
export interface TargetAdminPort {
  /** Descriptions by name; a topic that does not exist maps to `undefined`. */
  describeTopics(names: readonly string[]): Promise<Map<string, TopicDescription | undefined>>;
  /** Creates a topic (`replicationFactor` -1: broker default); resolves false when it already exists. */
  createTopic(name: string, partitions: number, replicationFactor: number, configs?: Record<string, string>): Promise<boolean>;
  /** Grows a topic to `totalPartitions`; resolves false when another client grew it first. */
  createPartitions(name: string, totalPartitions: number): Promise<boolean>;
  /** Closes the connection. Idempotent. */
  close(): void;
}

// Compile-time proof that the real admin client satisfies both ports.
const _sourceAdmin = (a: KafkaAdmin): SourceAdminPort => a;
const _targetAdmin = (a: KafkaAdmin): TargetAdminPort => a;
