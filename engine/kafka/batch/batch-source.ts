/**
 * The source side of the batch data path behind a small port: one Fetch (v17, topics by ID, raw record
 * bytes) per partition leader per round, over a {@link BatchClient}. Leaders come from Metadata v12 by
 * topic name and are cached until a partition answers a leadership error or a request to its broker
 * fails. Nothing here retries or decides: every partition comes back with its Kafka error code (-1: the
 * request to its leader failed, or its leader is unknown), and the caller (engine/replicate/batch-path.ts)
 * routes OFFSET_OUT_OF_RANGE to the truncation check and UNKNOWN_TOPIC_ID to the topic-ID check.
 *
 * The topic-ID fence (KIP-516): a partition is fetched by the topic ID the caller mirrors, never by name,
 * so a topic deleted and recreated under the same name answers UNKNOWN_TOPIC_ID (100) instead of the new
 * incarnation's records (Fetch v13+; `KafkaApis.handleFetchRequest` in apache/kafka).
 */
import { BatchClient, type TopicLayout } from './batch-client.ts';
import { ISOLATION, type FetchPartitionResult } from './batch-protocol.ts';
import type { AbortedTransaction } from './aborted-filter.ts';
import type { RecordsBytes } from './record-batch.ts';
import { topicIdToUuid } from './topic-id.ts';

/** One partition to fetch. `topicId`: base64url (the engine's spelling). */
export interface BatchFetchRequest {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  /** Upstream offset of the first record wanted. */
  readonly offset: number;
  /** Least `partition_max_bytes` asked for (more when the response budget allows, see MAX_PARTITION_BYTES; the broker still returns one whole first batch, KIP-74). */
  readonly maxBytes: number;
}

/** One partition of a fetch round: what the broker answered, `records` kept as bytes. */
export interface FetchedBatches {
  readonly request: BatchFetchRequest;
  /** Kafka error code: 0 none, 1 OFFSET_OUT_OF_RANGE, 100 UNKNOWN_TOPIC_ID, 6 NOT_LEADER_OR_FOLLOWER …; -1: no answer (leader unknown or its connection failed). */
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** read_committed: aborted transactions overlapping the returned range. */
  readonly abortedTransactions: readonly AbortedTransaction[] | null;
  /** Zero or more v2 batches, the last one possibly partial: one Buffer or the views of the response's socket chunks (no copies). */
  readonly records: RecordsBytes;
  /** What went wrong when `errorCode` is -1. */
  readonly error?: unknown;
}

/** The batch-path source port; unit tests pass a fake. */
export interface BatchSource {
  /** Connects (bootstrap, API versions). Throws MirrorError. */
  connect(): Promise<void>;
  /**
   * One fetch round for `partitions`: a Fetch per leader, in parallel, each waiting up to `maxWaitMs` (ms)
   * for data. Never rejects: failures come back per partition (errorCode -1 with `error`).
   */
  fetch(partitions: readonly BatchFetchRequest[], maxWaitMs: number): Promise<FetchedBatches[]>;
  close(): Promise<void>;
}

/** Total response size asked of one broker per round (bytes). */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * Largest `partition_max_bytes` asked for (bytes) when the response budget leaves room: each partition of a
 * Fetch to one broker asks for `max(its own limit, min(this, MAX_RESPONSE_BYTES / partitions))`. The broker
 * cuts a partition's data at its limit, mid-batch (the log slice ends there), and the partial batch is read,
 * dropped and fetched again next round: with the lane's 1 MiB default and ~0.85 MiB source batches that was
 * ~18 % of the bytes read twice. Splitting the budget keeps the response ≤ MAX_RESPONSE_BYTES, so a broker
 * leading many partitions fills every one of them instead of the first few.
 */
const MAX_PARTITION_BYTES = 8 * 1024 * 1024;

/** {@link BatchSource} over a {@link BatchClient}. */
export class BatchFetcher implements BatchSource {
  private readonly client: BatchClient;
  private readonly isolationLevel: number;
  /** Topic name → its layout from the last Metadata (leaders by partition index). */
  private readonly layouts = new Map<string, TopicLayout>();

  constructor(client: BatchClient, readCommitted: boolean) {
    this.client = client;
    this.isolationLevel = readCommitted ? ISOLATION.READ_COMMITTED : ISOLATION.READ_UNCOMMITTED;
  }

  connect(): Promise<void> {
    return this.client.connect();
  }

  async fetch(partitions: readonly BatchFetchRequest[], maxWaitMs: number): Promise<FetchedBatches[]> {
    const missing = [...new Set(partitions.filter((p) => this.leaderOf(p) === undefined).map((p) => p.topic))];
    if (missing.length > 0) await this.refresh(missing);
    const out: FetchedBatches[] = [];
    const byLeader = new Map<number, BatchFetchRequest[]>();
    for (const p of partitions) {
      const leader = this.leaderOf(p);
      if (leader === undefined) out.push(failed(p, new Error(`no leader known for ${p.topic}-${p.partition}`)));
      else (byLeader.get(leader.leaderId) ?? byLeader.set(leader.leaderId, []).get(leader.leaderId)!).push(p);
    }
    await Promise.all([...byLeader].map(async ([nodeId, list]) => out.push(...(await this.fetchFrom(nodeId, list, maxWaitMs)))));
    return out;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async fetchFrom(nodeId: number, list: readonly BatchFetchRequest[], maxWaitMs: number): Promise<FetchedBatches[]> {
    const byTopicId = new Map<string, BatchFetchRequest[]>();
    for (const p of list) (byTopicId.get(p.topicId) ?? byTopicId.set(p.topicId, []).get(p.topicId)!).push(p);
    const share = Math.min(MAX_PARTITION_BYTES, Math.floor(MAX_RESPONSE_BYTES / list.length));
    try {
      const res = await this.client.fetch(nodeId, {
        maxWaitMs,
        minBytes: 1,
        maxBytes: MAX_RESPONSE_BYTES,
        isolationLevel: this.isolationLevel,
        topics: [...byTopicId].map(([topicId, ps]) => ({
          topicId: topicIdToUuid(topicId),
          partitions: ps.map((p) => ({ partition: p.partition, fetchOffset: p.offset, currentLeaderEpoch: this.leaderOf(p)?.leaderEpoch ?? -1, partitionMaxBytes: Math.max(p.maxBytes, share) })),
        })),
      });
      const answered = new Map<string, FetchPartitionResult>();
      for (const r of res.partitions) answered.set(`${r.topicId}:${r.partition}`, r);
      return list.map((p) => {
        const r = answered.get(`${topicIdToUuid(p.topicId)}:${p.partition}`);
        if (!r) return failed(p, new Error(`Fetch response of broker ${nodeId} lacks ${p.topic}-${p.partition} (top-level error code ${res.errorCode})`), res.errorCode || -1);
        // Leadership moved, the topic changed or is gone: ask Metadata again next round.
        if (r.errorCode !== 0 && r.errorCode !== 1) this.layouts.delete(p.topic);
        return { request: p, errorCode: r.errorCode, highWatermark: r.highWatermark, lastStableOffset: r.lastStableOffset, logStartOffset: r.logStartOffset, abortedTransactions: r.abortedTransactions, records: r.records };
      });
    } catch (err) {
      this.client.dropConnection(nodeId);
      for (const p of list) this.layouts.delete(p.topic);
      return list.map((p) => failed(p, err));
    }
  }

  private leaderOf(p: BatchFetchRequest): { leaderId: number; leaderEpoch: number } | undefined {
    const layout = this.layouts.get(p.topic);
    const leader = layout?.partitions[p.partition];
    return leader && leader.partition === p.partition && leader.leaderId >= 0 ? leader : undefined;
  }

  /** Metadata for `topics`, one request per topic (a deleted topic fails its own request only). A failing bootstrap connection is reopened. */
  private async refresh(topics: readonly string[]): Promise<void> {
    for (const topic of topics) {
      try {
        const [layout] = await this.client.metadata([topic]);
        if (layout) this.layouts.set(topic, layout);
      } catch (err) {
        if ((err as { errorCode?: number }).errorCode === undefined) await reconnect(this.client);
      }
    }
  }
}

/** Reopens a client whose bootstrap connection failed (broker restart); errors are left to the next round. */
export async function reconnect(client: BatchClient): Promise<void> {
  await client.close().catch(() => undefined);
  await client.connect().catch(() => undefined);
}

function failed(p: BatchFetchRequest, error: unknown, errorCode = -1): FetchedBatches {
  return { request: p, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, records: Buffer.alloc(0), error };
}
