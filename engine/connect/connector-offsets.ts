/**
 * KIP-875 offsets of a `MirrorSourceConnector` (`GET|PATCH|DELETE /connectors/{name}/offsets`), mapped onto
 * this engine's progress records (`mm2-progress.<source>.internal` on the target, engine/progress/progress-store.ts).
 *
 * Shape as MM2 stores them (apache/kafka `MirrorUtils.wrapPartition` / `wrapOffset`):
 * `{"partition":{"cluster":"<source alias>","topic":"orders","partition":0},"offset":{"offset":41}}` — the
 * upstream offset of the LAST mirrored record, i.e. our `nextOffset - 1` (MirrorSourceTask seeks to offset + 1).
 * Only the connector's topics (its `topics` / `topics.exclude`: the progress topic is shared by every flow from
 * the same source alias into the target) and only the current incarnation of each partition (latest topic ID
 * written) are shown and reset. Partitions
 * never mirrored are absent; an offset of `null` in a PATCH forgets the partition (it then starts per
 * `auto.offset.reset`, earliest by default). An offset below the source's log start makes the next start
 * report a truncation, as any stored position would.
 */
import type { Logger } from '../core/logger.ts';
import type { FlowConfig } from '../config/config.ts';
import { ClusterClients } from '../kafka/cluster-connections.ts';
import { KafkaAdmin } from '../kafka/kafka-admin.ts';
import { adminConfig } from '../kafka/kafka-clients.ts';
import { readInternalTopic } from '../kafka/internal-topics.ts';
import { ProgressStore, decodeProgress, encodeProgressKey, type ProgressKey, type ProgressRecord } from '../progress/progress-store.ts';
import { ConnectRequestError } from './connect-entities.ts';

/** Connect's `ConnectorOffset` entity for MM2's source connector. */
export interface SourceOffset {
  partition: { cluster: string; topic: string; partition: number };
  offset: { offset: number } | null;
}

/** The latest stored record per (topic, partition) of the flow's source, tombstones applied. */
async function latestRecords(flow: FlowConfig): Promise<ProgressRecord[]> {
  const topic = flow.replicationPolicy.progressTopic(flow.sourceAlias);
  const byIncarnation = new Map<string, ProgressRecord>();
  await readInternalTopic(flow.target, topic, ({ key, value }) => {
    if (!key) return;
    if (!value) {
      const k = JSON.parse(key.toString('utf8')) as ProgressKey;
      byIncarnation.delete(`${k.topic}\u0000${k.partition}\u0000${k.topicId}`);
      return;
    }
    const r = decodeProgress(key, value);
    if (r.sourceCluster !== flow.sourceAlias) return;
    const id = `${r.topic}\u0000${r.partition}\u0000${r.topicId}`;
    byIncarnation.delete(id); // re-inserted: Map order = write order, the last one per partition wins below
    byIncarnation.set(id, r);
  }, { clientId: 'kafka-mirror-worker-offsets-reader' });
  const latest = new Map<string, ProgressRecord>();
  // The progress topic is per source alias, shared by every flow from it into this target: only this connector's topics.
  for (const r of byIncarnation.values()) if (flow.topicFilter.shouldReplicateTopic(r.topic)) latest.set(`${r.topic}\u0000${r.partition}`, r);
  return [...latest.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** GET offsets: one entry per mirrored partition (nextOffset > 0). Throws MirrorError on Kafka failures. */
export async function readSourceOffsets(flow: FlowConfig): Promise<SourceOffset[]> {
  return (await latestRecords(flow)).filter((r) => r.nextOffset > 0).map((r) => ({
    partition: { cluster: flow.sourceAlias, topic: r.topic, partition: r.partition },
    offset: { offset: r.nextOffset - 1 },
  }));
}

/** Checks a PATCH body's entries against MM2's rules (`MirrorSourceConnector.alterOffsets`). Throws ConnectRequestError 400 naming the entry. */
export function checkOffsetEntries(flow: FlowConfig, entries: readonly unknown[]): SourceOffset[] {
  return entries.map((raw, i) => {
    const e = raw as { partition?: Record<string, unknown>; offset?: Record<string, unknown> | null };
    const p = e?.partition;
    const bad = (why: string) => new ConnectRequestError(400, `offsets[${i}]: ${why}`);
    if (!p || typeof p !== 'object') throw bad('"partition" must be an object {cluster, topic, partition}');
    if (p.cluster !== flow.sourceAlias) throw bad(`"partition.cluster" must be the source cluster alias '${flow.sourceAlias}'`);
    if (typeof p.topic !== 'string' || p.topic === '') throw bad('"partition.topic" must be a topic name');
    if (!Number.isSafeInteger(p.partition) || (p.partition as number) < 0) throw bad('"partition.partition" must be an integer ≥ 0');
    if (e.offset === null || e.offset === undefined) return { partition: { cluster: flow.sourceAlias, topic: p.topic, partition: p.partition as number }, offset: null };
    const o = e.offset.offset;
    if (!Number.isSafeInteger(o) || (o as number) < 0) throw bad('"offset.offset" must be an integer ≥ 0 (the last mirrored upstream offset) or the whole "offset" null');
    return { partition: { cluster: flow.sourceAlias, topic: p.topic, partition: p.partition as number }, offset: { offset: o as number } };
  });
}

/** Runs `fn` with a loaded progress store of the flow and the target's clients; flushes and closes. */
async function withStore<T>(flow: FlowConfig, logger: Logger, fn: (store: ProgressStore, clients: ClusterClients) => Promise<T>): Promise<T> {
  const clients = new ClusterClients(flow.target, { logger, adminTimeoutMs: flow.adminTimeoutMs });
  const store = new ProgressStore({ topic: flow.replicationPolicy.progressTopic(flow.sourceAlias), sourceCluster: flow.sourceAlias, target: flow.target, replicationFactor: flow.progressTopicReplicationFactor, logger, clients });
  try {
    await store.load();
    const result = await fn(store, clients);
    await store.flush();
    const sink = await clients.internalSink();
    await sink.flush(30_000);
    return result;
  } finally {
    await store.close().catch(() => undefined);
    await clients.close();
  }
}

/** Writes tombstones for every stored incarnation of the given partitions. */
async function forget(store: ProgressStore, clients: ClusterClients, partitions: readonly { topic: string; partition: number }[]): Promise<number> {
  const sink = await clients.internalSink();
  let n = 0;
  for (const { topic, partition } of partitions) {
    for (const r of store.incarnations(topic, partition)) {
      sink.send(store.topic, encodeProgressKey(r), null, Date.now());
      n++;
    }
  }
  return n;
}

/** PATCH offsets (connector STOPPED): sets or forgets each partition's position. Throws ConnectRequestError 400 for unknown topics. */
export async function alterSourceOffsets(flow: FlowConfig, entries: readonly SourceOffset[], logger: Logger): Promise<void> {
  const source = new KafkaAdmin(adminConfig(flow.source, 'kafka-mirror-worker-offsets'), { label: flow.source, timeoutMs: flow.adminTimeoutMs });
  let topics: Map<string, { topicId: string; partitionCount: number } | undefined>;
  try {
    topics = await source.describeTopics([...new Set(entries.filter((e) => e.offset).map((e) => e.partition.topic))]);
  } finally {
    source.close();
  }
  for (const e of entries) {
    const t = e.offset ? topics.get(e.partition.topic) : undefined;
    if (e.offset && (!t || e.partition.partition >= t.partitionCount)) throw new ConnectRequestError(400, `topic partition ${e.partition.topic}-${e.partition.partition} does not exist on ${flow.sourceAlias}`);
  }
  await withStore(flow, logger, async (store, clients) => {
    await forget(store, clients, entries.filter((e) => e.offset === null).map((e) => e.partition));
    for (const e of entries) {
      if (!e.offset) continue;
      const { topic, partition } = e.partition;
      const topicId = topics.get(topic)!.topicId;
      const existing = store.get(topic, partition, topicId);
      await store.write({ topic, partition, topicId, nextOffset: e.offset.offset + 1, remoteTopic: flow.replicationPolicy.formatRemoteTopic(flow.sourceAlias, topic), gaps: existing?.gaps ?? [] });
    }
  });
}

/** DELETE offsets (connector STOPPED): forgets every stored position of the flow's source. Returns how many records were tombstoned. */
export async function resetSourceOffsets(flow: FlowConfig, logger: Logger): Promise<number> {
  const records = await latestRecords(flow);
  return withStore(flow, logger, (store, clients) => forget(store, clients, records));
}
