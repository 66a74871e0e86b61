/**
 * Copies one partition's record batches from a source to a target partition through the batch layer:
 * Fetch by topic ID → v2 batch reader → read_committed filter → forward plan → producer-field rewrite →
 * Produce one batch per request, up to `maxInflight` requests pipelined (idempotence keeps order for up
 * to 5 in flight per partition: `ProducerStateManager`, KIP-98 / KAFKA-5494) while the next fetch runs.
 * The foundation of the batch data path (issue 16) and the loop the batch-copy test and bench run; not
 * yet MirrorTask's data path (no retries, no progress, no detectors: every error stops the copy).
 *
 * Invariant: batches are produced in upstream offset order and each Produce response's base offset is
 * the previous one's base offset + its record count (checked: a gap or overlap on the target throws).
 */
import { ERROR_CODES, MirrorError } from '../../core/errors.ts';
import { AbortedTransactionFilter } from './aborted-filter.ts';
import type { BatchClient, TopicLayout } from './batch-client.ts';
import { ISOLATION, type ProducePartitionResult } from './batch-protocol.ts';
import { planBatch, type RebuildReason } from './forward-plan.ts';
import { lastRecordPair, type ForwardedBatch, type OffsetPair } from './offset-map.ts';
import { nextSequence, rewriteProducerFields } from './producer-fields.ts';
import { batchBytesOf, readBatches, type BatchBytes } from './record-batch.ts';

/** One partition copy. Offsets are upstream offsets; `toOffset` is exclusive (e.g. the high watermark). */
export interface CopyPartitionOptions {
  /** Where batches are fetched (a {@link BatchClient}; unit tests pass a fake). */
  source: Pick<BatchClient, 'fetch'>;
  /** Where batches are produced. */
  target: Pick<BatchClient, 'produce'>;
  /** From `source.metadata()`. */
  sourceLayout: TopicLayout;
  /** From `target.metadata()`. */
  targetLayout: TopicLayout;
  partition: number;
  fromOffset: number;
  toOffset: number;
  /** From `target.initProducerId()`; sequences start at 0 for a fresh producer id. */
  producer: { producerId: number; producerEpoch: number };
  readCommitted?: boolean;
  /** Produce requests in flight at once (1..5). Default 5. */
  maxInflight?: number;
  /** Fetch `partition_max_bytes` / `max_bytes` (bytes). Default 8 MiB. */
  fetchMaxBytes?: number;
  /** Fetch `max_wait_ms`. Default 500. */
  fetchMaxWaitMs?: number;
  /**
   * Copies upstream records `[fromOffset, toOffset]` through the record path (a compressed batch that
   * must be trimmed or rebuilt, see ./forward-plan.ts). Called with no produce in flight. Without it
   * such a batch stops the copy with an error.
   */
  recordCopy?: (fromOffset: number, toOffset: number, reasons: RebuildReason[]) => Promise<void>;
}

/** What a copy did. */
export interface CopyPartitionResult {
  /** Batches produced (forwarded + rebuilt). */
  batches: number;
  rebuiltBatches: number;
  records: number;
  /** Bytes of produced batches. */
  bytes: number;
  /** Last-record offset pair of every produced batch, in order. */
  pairs: OffsetPair[];
  /** Record-path copies requested, as `[from, to]` upstream ranges. */
  recordCopies: [number, number][];
  /** The upstream offset the copy stopped at (≥ toOffset). */
  nextOffset: number;
}

interface InFlight {
  forwarded: ForwardedBatch;
  response: Promise<ProducePartitionResult[]>;
}

/**
 * Copies `[fromOffset, toOffset)` of one partition. Throws MirrorError (KAFKA_ERROR) on any Fetch or
 * Produce error code, or DELIVERY_FAILED when the target assigned offsets out of sequence.
 */
export async function copyPartition(o: CopyPartitionOptions): Promise<CopyPartitionResult> {
  const src = o.sourceLayout.partitions.find((p) => p.partition === o.partition);
  const dst = o.targetLayout.partitions.find((p) => p.partition === o.partition);
  if (!src || !dst) throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `partition ${o.partition} missing in ${src ? o.targetLayout.topic : o.sourceLayout.topic}`);
  const maxInflight = Math.min(Math.max(o.maxInflight ?? 5, 1), 5);
  let maxBytes = o.fetchMaxBytes ?? 8 * 1024 * 1024;
  const result: CopyPartitionResult = { batches: 0, rebuiltBatches: 0, records: 0, bytes: 0, pairs: [], recordCopies: [], nextOffset: o.fromOffset };
  const inflight: InFlight[] = [];
  let sequence = 0;
  let downstreamNext = -1;

  const settleOldest = async (): Promise<void> => {
    const f = inflight.shift()!;
    const [r] = await f.response;
    if (!r || r.errorCode !== 0) {
      throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `Produce to ${o.targetLayout.topic}-${o.partition} failed with Kafka error code ${r?.errorCode}: ${r?.errorMessage ?? ''}`);
    }
    if (downstreamNext !== -1 && r.baseOffset !== downstreamNext) {
      throw new MirrorError(ERROR_CODES.DELIVERY_FAILED, `${o.targetLayout.topic}-${o.partition}: batch acknowledged at ${r.baseOffset}, expected ${downstreamNext}`);
    }
    downstreamNext = r.baseOffset + f.forwarded.recordCount;
    result.pairs.push(lastRecordPair(f.forwarded, r.baseOffset));
  };
  const send = async (bytes: BatchBytes, forwarded: ForwardedBatch): Promise<void> => {
    if (inflight.length >= maxInflight) await settleOldest();
    rewriteProducerFields(bytes.chunks[0]!, { ...o.producer, baseSequence: sequence }, bytes.size);
    sequence = nextSequence(sequence, forwarded.recordCount);
    const response = o.target.produce(dst.leaderId, { acks: -1, timeoutMs: 30_000, topics: [{ topic: o.targetLayout.topic, partitions: [{ partition: o.partition, batch: bytes }] }] });
    response.catch(() => undefined); // observed by settleOldest; avoid an unhandled rejection meanwhile
    inflight.push({ forwarded, response });
    result.batches++;
    result.records += forwarded.recordCount;
    result.bytes += bytes.size;
  };

  let expected = o.fromOffset;
  while (expected < o.toOffset) {
    const res = await o.source.fetch(src.leaderId, {
      maxWaitMs: o.fetchMaxWaitMs ?? 500,
      minBytes: 1,
      maxBytes,
      isolationLevel: o.readCommitted ? ISOLATION.READ_COMMITTED : ISOLATION.READ_UNCOMMITTED,
      topics: [{ topicId: o.sourceLayout.topicId, partitions: [{ partition: o.partition, fetchOffset: expected, currentLeaderEpoch: src.leaderEpoch, partitionMaxBytes: maxBytes }] }],
    });
    const p = res.partitions[0];
    if (res.errorCode !== 0 || !p || p.errorCode !== 0) {
      throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `Fetch of ${o.sourceLayout.topic}-${o.partition} at ${expected} failed with Kafka error code ${p?.errorCode ?? res.errorCode}`);
    }
    const list = readBatches(p.records);
    if (list.batches.length === 0 && list.partialBatchSize > maxBytes) maxBytes = list.partialBatchSize;
    const filter = new AbortedTransactionFilter(p.abortedTransactions);
    for (const batch of list.batches) {
      if (!filter.keep(batch)) {
        expected = Math.max(expected, batch.baseOffset + batch.lastOffsetDelta + 1);
        continue;
      }
      const plan = planBatch(batch, expected);
      if (plan.kind === 'forward') {
        await send(batch, { upstreamBase: batch.baseOffset, recordCount: batch.recordCount, upstreamOffsets: null, upstreamNext: plan.nextOffset });
      } else if (plan.kind === 'rebuilt') {
        result.rebuiltBatches++;
        await send(batchBytesOf(plan.bytes), { upstreamBase: plan.upstreamOffsets[0]!, recordCount: plan.upstreamOffsets.length, upstreamOffsets: plan.upstreamOffsets, upstreamNext: plan.nextOffset });
      } else if (plan.kind === 'record-copy') {
        while (inflight.length > 0) await settleOldest();
        if (!o.recordCopy) throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `${o.sourceLayout.topic}-${o.partition}: compressed batch at ${batch.baseOffset} needs a record-path copy (${plan.reasons.join(', ')})`);
        await o.recordCopy(plan.fromOffset, plan.toOffset, plan.reasons);
        result.recordCopies.push([plan.fromOffset, plan.toOffset]);
        downstreamNext = -1; // the record path appended records of its own
      }
      expected = plan.nextOffset;
    }
    // An empty read_committed answer below the last stable offset cannot happen; at the LSO we are done waiting for the source.
    if (list.batches.length === 0 && expected >= (o.readCommitted ? p.lastStableOffset : p.highWatermark)) break;
  }
  while (inflight.length > 0) await settleOldest();
  result.nextOffset = expected;
  return result;
}
