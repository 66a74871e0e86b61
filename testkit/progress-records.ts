/**
 * The engine's progress topic read from outside: the raw key/value JSON documented in
 * engine/progress/progress-store.ts, decoded here (not with engine code) from records a
 * ClusterReader or TopicTail (testkit/cluster-reader.ts) read back.
 */
import type { ReadRecord } from './cluster-reader.ts';

/** The progress topic of flows from `primary` under the default replication policy (on the target cluster). */
export const PROGRESS_TOPIC = 'mm2-progress.primary.internal';

/** The latest progress record of one partition incarnation. */
export interface ProgressEntry {
  sourceCluster: string;
  topic: string;
  partition: number;
  /** Topic ID in Kafka's printed form (base64url, 22 characters). */
  topicId: string;
  /** Next upstream offset to mirror. */
  nextOffset: number;
  remoteTopic: string;
  /** Offset of the progress record in the progress topic. */
  offset: number;
}

/**
 * Latest progress entry per (partition, topic ID) of source `topic` (flows from `sourceCluster`), in
 * partition order. Tombstones and other topics are skipped. `records`: progress-topic records as read by
 * ClusterReader.readRecords or collected by a TopicTail.
 */
export function latestProgress(records: readonly ReadRecord[], topic: string, sourceCluster = 'primary'): ProgressEntry[] {
  const latest = new Map<string, ProgressEntry>();
  for (const r of records) {
    if (!r.key || !r.value) continue;
    const k = JSON.parse(r.key.toString('utf8')) as { sourceCluster: string; topic: string; partition: number; topicId: string };
    if (k.topic !== topic || k.sourceCluster !== sourceCluster) continue;
    const v = JSON.parse(r.value.toString('utf8')) as { nextOffset: number; remoteTopic: string };
    const prev = latest.get(`${k.partition}/${k.topicId}`);
    if (prev && prev.offset > r.offset) continue;
    latest.set(`${k.partition}/${k.topicId}`, { ...k, nextOffset: v.nextOffset, remoteTopic: v.remoteTopic, offset: r.offset });
  }
  return [...latest.values()].sort((a, b) => a.partition - b.partition);
}
