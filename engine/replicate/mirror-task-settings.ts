/**
 * The settings, progress-store port and outcome of a mirror task, the consume timeout it derives from
 * them, and the ownership fence in front of its progress store (mirror-task.ts re-exports them).
 */
import type { MirrorError } from '../core/errors.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';
import type { TopicPartition } from '../kafka/kafka-admin.ts';
import type { DiscoverySettings } from '../discovery/topic-discovery.ts';
import type { ProgressPort } from '../partitions/partition-progress.ts';

/** What a mirror task needs from its flow's config (FlowConfig satisfies it). Durations in ms. */
export interface MirrorTaskSettings extends DiscoverySettings {
  /** Flow name, e.g. `primary->standby`. */
  name: string;
  targetAlias: string;
  target: ClusterClientSettings;
  isolationLevel: 'read_committed' | 'read_uncommitted';
  truncationPolicy: 'fail' | 'continue';
  /** Our `record.rejected.policy`: `fail` stops the flow on a record the target rejects, `skip` records it as a gap. */
  recordRejectedPolicy: 'fail' | 'skip';
  /** `refresh.topics.enabled` (MM2): false = topics are discovered at start only. */
  refreshTopicsEnabled: boolean;
  refreshTopicsIntervalMs: number;
  topicResetCheckIntervalMs: number;
  truncationCheckIntervalMs: number;
  progressFlushIntervalMs: number;
  /**
   * `progress.flush.max.records`: a partition's progress is written once this many of its records were
   * acknowledged since its last write (0: by time only, every `progressFlushIntervalMs`).
   */
  progressFlushMaxRecords: number;
  /** `consumer.poll.timeout.ms` (MM2, 1000): see {@link consumeTimeoutMs}. */
  consumerPollTimeoutMs: number;
  /** The source consumer's `auto.offset.reset` (default `earliest`): where partitions without progress start (PartitionCheckSettings). */
  autoOffsetReset?: 'earliest' | 'latest';
  /** `data.path` (absent: `records`): `batches` forwards record batches as bytes (engine/replicate/batch-path.ts); the record path then carries only what bytes cannot. */
  dataPath?: 'records' | 'batches';
  /** `heartbeat.interval.ms` of the flow's group: the stall limit of the ownership fence (partition-ownership.ts). */
  heartbeatIntervalMs: number;
  /** `exactly.once.source.support` (KIP-618): `enabled` = transactional commits (transaction-cycle.ts); absent = `disabled`. */
  exactlyOnceSourceSupport?: 'disabled' | 'enabled';
  /** `transaction.timeout.ms` (exactly-once; default 10 000): the deadline of each commit step. */
  transactionTimeoutMs?: number;
}

/** The progress store as the task uses it (ProgressStore satisfies it). */
export interface TaskProgressStore extends ProgressPort {
  /** Waits until every write is acknowledged; throws the first write error. */
  flush(): Promise<void>;
  /** Flushes and closes (the runtime calls it after the task stopped). */
  close(): Promise<void>;
  /** Re-reads the stored progress of `partitions` (what another instance wrote; ProgressStore.reload). Absent: nothing to re-read. */
  reload?(partitions: readonly TopicPartition[]): Promise<number>;
}

/** How a task ended. */
export type TaskOutcome = { status: 'stopped' } | { status: 'failed'; error: MirrorError };

/**
 * How long one consume call waits for the first record of a batch (ms, ≥ 1): `consumer.poll.timeout.ms`
 * (MM2's poll timeout, default 1000), capped at a fifth of the shortest interval the loop must honour
 * (truncation check, topic-ID check, progress flush, topic refresh when enabled). Checks and stop()
 * run between batches, so on an idle source they wait for the consume call: the cap keeps them at most
 * 20 % late. With default settings (`truncation.check.interval.ms` = 500) this is 100 ms, the wait used
 * before the key was read. A record ends the wait at once whatever the value (timeout for the first record only).
 */
export function consumeTimeoutMs(s: Pick<MirrorTaskSettings, 'consumerPollTimeoutMs' | 'truncationCheckIntervalMs' | 'topicResetCheckIntervalMs' | 'progressFlushIntervalMs' | 'refreshTopicsEnabled' | 'refreshTopicsIntervalMs'>): number {
  const intervals = [s.truncationCheckIntervalMs, s.topicResetCheckIntervalMs, s.progressFlushIntervalMs];
  if (s.refreshTopicsEnabled) intervals.push(s.refreshTopicsIntervalMs);
  return Math.max(1, Math.min(s.consumerPollTimeoutMs, Math.floor(Math.min(...intervals) / 5)));
}

/** `store` behind the ownership fence: {@link ProgressPort.mayWrite} asks `mayWrite` (persistProgress writes nothing when it says no). */
export function fenced(store: ProgressPort, mayWrite: (topic: string, partition: number) => boolean): ProgressPort {
  return {
    get: (topic, partition, topicId) => store.get(topic, partition, topicId),
    incarnations: (topic, partition) => store.incarnations(topic, partition),
    write: (record) => store.write(record),
    mayWrite,
  };
}
