/**
 * `translateOffsets` — what MM2's `RemoteClusterUtils.translateOffsets(props, remoteAlias, group, timeout)`
 * does, for a consumer failing over to the target: read `<source>.checkpoints.internal` on the target
 * cluster from its log start to its end, keep the last checkpoint per remote topic-partition for the
 * group, and return the downstream offsets to resume from. It reads checkpoints written by this engine
 * or by MM2 (same format).
 */
import { createReplicationPolicy, type ReplicationPolicy } from '../mm2/replication-policy.ts';
import { decodeCheckpoint } from '../mm2/checkpoint.ts';
import { readInternalTopic } from '../kafka/internal-topics.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';

/** Options of {@link translateOffsets}. */
export interface TranslateOffsetsOptions {
  /** Bootstrap servers of the cluster the consumer fails over to (the checkpoints' target), `host:port[,…]`. */
  targetBootstrap: string;
  /** Alias of the cluster the group consumed from (the checkpoints' source), e.g. `primary`. */
  sourceAlias: string;
  groupId: string;
  /** Naming of internal topics (default: MM2's DefaultReplicationPolicy with separator "."). */
  replicationPolicy?: ReplicationPolicy;
  /** librdkafka properties for the target (security.protocol, sasl.*, ssl.*). */
  clientConfig?: Readonly<Record<string, string>>;
  /** How long reading the checkpoints topic may take, ms (default 30 000). */
  timeoutMs?: number;
}

/** The translated position of one partition of a remote topic. */
export interface TranslatedOffset {
  /** Remote topic on the target, e.g. `primary.commit-log`. */
  topic: string;
  partition: number;
  /** Where the group resumes on the target (next record to read). */
  offset: number;
  /** The group's committed offset on the source that this translates. */
  upstreamOffset: number;
  /** The commit's metadata on the source. */
  metadata: string;
  /** When the checkpoint was written (record timestamp, epoch ms). */
  checkpointedAtMs: number;
}

/**
 * Translated offsets of `groupId` on the target, sorted by topic and partition; empty when the
 * checkpoints topic does not exist or holds nothing for the group. Throws MirrorError on connection
 * failures or when the topic cannot be read to its end within `timeoutMs`.
 */
export async function translateOffsets(options: TranslateOffsetsOptions): Promise<TranslatedOffset[]> {
  const policy = options.replicationPolicy ?? createReplicationPolicy(undefined);
  const topic = policy.checkpointsTopic(options.sourceAlias);
  const cluster: ClusterClientSettings = {
    alias: 'target',
    bootstrapServers: options.targetBootstrap,
    client: options.clientConfig ?? {},
    consumer: {},
    producer: {},
    admin: {},
  };
  const last = new Map<string, TranslatedOffset>();
  await readInternalTopic(
    cluster,
    topic,
    (r) => {
      if (!r.value) return;
      let c;
      try {
        c = decodeCheckpoint(r.key, r.value);
      } catch {
        return; // not a checkpoint: skipped, as RemoteClusterUtils does
      }
      if (c.group !== options.groupId) return;
      last.set(`${c.topic}\u0000${c.partition}`, {
        topic: c.topic,
        partition: c.partition,
        offset: c.downstreamOffset,
        upstreamOffset: c.upstreamOffset,
        metadata: c.metadata,
        checkpointedAtMs: r.timestampMs,
      });
    },
    { timeoutMs: options.timeoutMs ?? 30_000, clientId: 'kafka-mirror-translate-offsets' },
  );
  return [...last.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}
