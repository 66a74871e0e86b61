/**
 * Exactly-once on the batch data path: the record path's target producer (../target-producer.ts port) and
 * the internal records of the transaction (progress, target-side offset syncs: ../transaction-sink.ts) written
 * through the batch path's TRANSACTIONAL producer identity (./batch-sink.ts with `transactional`), so that one
 * transaction holds everything a commit round commits. With `data.path = batches` the record path still carries
 * what the bytes cannot (heartbeats topics, a compressed batch that must be trimmed, a rejected batch:
 * engine/replicate/batch-path.ts); a second, librdkafka transactional producer could not put those records in
 * the same transaction (one `transactional.id` is one producer id and epoch: KIP-98).
 *
 * Records are queued per target partition and written as uncompressed v2 batches (./batch-encoder.ts) with one
 * Produce request in flight per partition (whatever queued meanwhile forms the next batch), sequences claimed
 * from the sink's SequenceBook (the same per-remote-partition sequence the batch lanes claim from), each batch
 * signed with the identity its sequence was claimed in. Delivery reports come in produce order per partition,
 * with the downstream offset of each record. A retriable answer resends the same batch with the same sequence (the broker
 * deduplicates it, KIP-98); any other answer fails the batch and everything queued behind it on the partition
 * and dooms the transaction (BatchTransactions.doom: it is aborted, never committed).
 */
import { KAFKA_ERROR_CODES as K } from '../error-codes.ts';
import type { ClientErrorLike, SourceRecord } from '../source-consumer.ts';
import type { TargetProducer, TargetProducerFactory, DeliveryHandler, RecordLimits } from '../target-producer.ts';
import type { InternalDelivery, TargetTransactions, TransactionGroup, TransactionOffset } from '../target-transactions.ts';
import { encodeBatch, type BatchRecord } from './batch-encoder.ts';
import type { BatchProducer, BatchSink } from './batch-sink.ts';
import type { BatchTransactions } from './batch-transactions.ts';
import { batchBytesOf } from './record-batch.ts';
import { claimFields } from './sequence-book.ts';

/** What {@link BatchRecordProducer} uses of the transactional {@link BatchProducer} (unit tests fake it). */
export type TransactionalBatchSink = Pick<BatchSink, 'send' | 'sequences' | 'identity' | 'awaitPartitions'> & {
  readonly transactions: Pick<BatchTransactions, 'commit' | 'abort' | 'doom'> | undefined;
};

/** Largest batch this producer builds from queued records (bytes of record data, roughly): below the broker's default `message.max.bytes` (1 048 588). */
const MAX_BATCH_BYTES = 900_000;

/** Produce answers sent again unchanged: -1 request failed, 3 UNKNOWN_TOPIC_OR_PARTITION, 5 LEADER_NOT_AVAILABLE, 6 NOT_LEADER_OR_FOLLOWER, 7 REQUEST_TIMED_OUT, 13 NETWORK_EXCEPTION, 19/20 NOT_ENOUGH_REPLICAS(_AFTER_APPEND), 56 KAFKA_STORAGE_ERROR, 74/75 leader epoch (as batch-path.ts). */
const RETRIABLE: ReadonlySet<number> = new Set([-1, K.UNKNOWN_TOPIC_OR_PARTITION, K.LEADER_NOT_AVAILABLE, K.NOT_LEADER_OR_FOLLOWER, K.REQUEST_TIMED_OUT, K.NETWORK_EXCEPTION, 19, 20, 56, 74, 75]);

/** Rejections of the batch itself (10 MESSAGE_TOO_LARGE, 18 RECORD_LIST_TOO_LARGE, 32 INVALID_TIMESTAMP, 87 INVALID_RECORD): the broker appended nothing, so the sequence is given back. */
const REJECTED: ReadonlySet<number> = new Set([10, 18, 32, 87]);

interface Queued {
  record: BatchRecord;
  /** Internal records: their own report; mirrored records: undefined (the task's DeliveryHandler). */
  internal: InternalDelivery | undefined;
  bytes: number;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  waiting: Queued[];
  busy: boolean;
}

/**
 * The {@link TargetProducerFactory} of the exactly-once batch path: the first producer connects `sink()` (the
 * task's shared transactional batch producer, created on first use); each later one — the transaction cycle replacing an unusable
 * producer — takes a new epoch first (InitProducerId aborts the open transaction; the cycle re-adopts every
 * partition from committed progress). Throws TransactionError / MirrorError when the target refuses.
 */
export function batchRecordProducerFactory(sink: () => BatchProducer): TargetProducerFactory {
  let connected = false;
  return async (options) => {
    if (connected) await sink().reinit(true);
    else await sink().connect();
    connected = true;
    return new BatchRecordProducer(sink(), options.onDelivery);
  };
}

/** {@link TargetProducer} over a transactional {@link BatchProducer}. See the module doc. */
export class BatchRecordProducer implements TargetProducer {
  private readonly sink: TransactionalBatchSink;
  private readonly onDelivery: DeliveryHandler;
  private readonly queues = new Map<string, PartitionQueue>();
  private scheduled = false;
  private closed = false;
  /** Records queued or in flight whose report has not been given. */
  private pending = 0;
  readonly transactions: TargetTransactions;

  constructor(sink: TransactionalBatchSink, onDelivery: DeliveryHandler) {
    if (!sink.transactions) throw new Error('BatchRecordProducer needs a transactional BatchProducer');
    const tx = sink.transactions;
    this.sink = sink;
    this.onDelivery = onDelivery;
    this.transactions = {
      sendInternal: (topic, partition, key, value, timestampMs, onDelivery) => this.enqueue(topic, partition, { key, value, headers: [], timestamp: timestampMs }, onDelivery ?? noop),
      commit: (offsets: readonly TransactionOffset[], group: TransactionGroup | undefined, timeoutMs: number) => tx.commit(offsets, group, timeoutMs),
      abort: (timeoutMs: number) => tx.abort(timeoutMs),
    };
  }

  produce(topic: string, record: SourceRecord): boolean {
    const key = record.key === undefined || record.key === null ? null : Buffer.isBuffer(record.key) ? record.key : Buffer.from(record.key);
    const headers: [string, Buffer | null][] = [];
    for (const h of record.headers ?? []) for (const [k, v] of Object.entries(h)) headers.push([k, Buffer.isBuffer(v) ? v : Buffer.from(v)]);
    return this.enqueue(topic, record.partition, { key, value: record.value, headers, timestamp: record.timestamp ?? Date.now() }, undefined);
  }

  awaitPartitions(wanted: ReadonlyMap<string, number>, timeoutMs?: number): Promise<void> {
    return this.sink.awaitPartitions(wanted, timeoutMs);
  }

  /** The remote topic's limit is not read here (evidence only); this producer's own limit is {@link MAX_BATCH_BYTES}. */
  recordLimits(): Promise<RecordLimits> {
    return Promise.resolve({ remoteMaxMessageBytes: undefined, producerMaxMessageBytes: MAX_BATCH_BYTES });
  }

  /**
   * Waits until `pendingReports()` and this producer's own unreported records are 0, within `timeoutMs`
   * (true), else false. Reports already come in produce order per partition (one request in flight each); the
   * queues are pumped at once rather than on the next tick.
   */
  async awaitReports(timeoutMs: number, pendingReports: () => number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.pumpAll();
    while (pendingReports() > 0 || this.pending > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 2));
    }
    return true;
  }

  /** Stops (after waiting up to `flushTimeoutMs` for reports; 0: at once). Records not reported by then never are. The shared sink stays open (the batch path closes it). */
  async disconnect(flushTimeoutMs = 5000): Promise<void> {
    if (flushTimeoutMs > 0) await this.awaitReports(flushTimeoutMs, () => 0);
    this.closed = true;
  }

  private enqueue(topic: string, partition: number, record: BatchRecord, internal: InternalDelivery | undefined): boolean {
    if (this.closed) return false;
    const key = `${topic}\0${partition}`;
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = { topic, partition, waiting: [], busy: false }));
    q.waiting.push({ record, internal, bytes: 64 + (record.key?.length ?? 0) + (record.value?.length ?? 0) + record.headers.reduce((n, [k, v]) => n + k.length + (v?.length ?? 0), 0) });
    this.pending++;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pumpAll();
      });
    }
    return true;
  }

  private pumpAll(): void {
    for (const q of this.queues.values()) this.pump(q);
  }

  private pump(q: PartitionQueue): void {
    if (q.busy || q.waiting.length === 0 || this.closed) return;
    let bytes = 0;
    let n = 0;
    while (n < q.waiting.length && (n === 0 || bytes + q.waiting[n]!.bytes <= MAX_BATCH_BYTES)) bytes += q.waiting[n++]!.bytes;
    const items = q.waiting.splice(0, n);
    q.busy = true;
    void this.write(q, items).finally(() => {
      q.busy = false;
      this.pump(q);
    });
  }

  /** Produces `items` as one batch until it is acknowledged or failed for good; reports each. */
  private async write(q: PartitionQueue, items: Queued[]): Promise<void> {
    const batch = encodeBatch(items.map((i) => i.record));
    // One claim for the batch's life: every (re)send is signed with the identity its sequence counts in (SequenceBook invariant B).
    const claim = this.sink.sequences.claim(q.topic, q.partition, items.length);
    const { sequence, identity: { generation } } = claim;
    for (let backoffMs = 50; ; backoffMs = Math.min(backoffMs * 2, 1000)) {
      const r = await this.sink.send(q.topic, q.partition, batchBytesOf(batch), claimFields(claim));
      if (this.closed) return;
      if (r.errorCode === 0) {
        items.forEach((item, i) => this.report(q, item, undefined, r.baseOffset + i));
        return;
      }
      // Resent only while its identity is current: a replaced transactional epoch is fenced (the transaction is aborted anyway).
      if (RETRIABLE.has(r.errorCode) && this.sink.identity.generation === generation) {
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        if (this.closed) return;
        continue;
      }
      if (REJECTED.has(r.errorCode)) this.sink.sequences.rewind(q.topic, q.partition, generation, sequence);
      this.sink.transactions?.doom(`a batch of ${items.length} records to ${q.topic}-${q.partition} failed with Kafka error code ${r.errorCode}`);
      const err: ClientErrorLike = { code: r.errorCode, message: r.errorMessage ?? `Kafka error code ${r.errorCode}` };
      // The records queued behind it would be out of sequence: they fail with it (the transaction aborts anyway).
      for (const item of [...items, ...q.waiting.splice(0)]) this.report(q, item, err, -1);
      return;
    }
  }

  private report(q: PartitionQueue, item: Queued, err: ClientErrorLike | undefined, offset: number): void {
    this.pending--;
    if (item.internal) item.internal(err);
    else this.onDelivery(err, q.topic, q.partition, offset);
  }
}

function noop(): void {}
