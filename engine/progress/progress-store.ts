/**
 * Where the engine remembers how far it mirrored: a single-partition compacted topic on the TARGET
 * cluster (disaster-recovery principle: the standby holds everything needed to resume; a new engine
 * host resumes from it). One record per (source cluster, topic, partition, topic ID): a recreated
 * source topic has a new topic ID, so its progress can never be mistaken for the old one's
 * (MM2 keys `mm2-offsets.<src>.internal` by topic name — the root of its reset bugs).
 *
 * Key and value are JSON (readable with kafka-console-consumer):
 *   key   {"sourceCluster":"primary","topic":"commit-log","partition":0,"topicId":"…"}
 *   value {"nextOffset":1000,"updatedAt":"2026-…Z","remoteTopic":"primary.commit-log","gaps":[…]}
 * `nextOffset` is the next upstream offset to mirror; it is written only after the target acknowledged
 * every record below it.
 */
import type { Logger } from '../core/logger.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';
import type { RecordSink } from '../kafka/record-sink.ts';
import { ClusterClients } from '../kafka/cluster-connections.ts';
import { MirrorError, ERROR_CODES } from '../core/errors.ts';
import { ensureInternalTopic, readInternalTopic, untilSettled } from '../kafka/internal-topics.ts';


/**
 * Upstream offsets [expectedOffset, logStartOffset) of a partition incarnation that were not mirrored:
 * a truncation gap, or (`reason` 'record-rejected') one record the target rejected, skipped under
 * `record.rejected.policy=skip` (`bytes`: its key + value size, `error`: the rejection). `acknowledgedAt`
 * set once an operator (or a policy) accepted it.
 */
export interface GapRecord {
  expectedOffset: number;
  logStartOffset: number;
  gap: number;
  detectedAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: 'operator' | 'continue-policy' | 'record-rejected-policy';
  reason?: 'record-rejected';
  bytes?: number;
  error?: string;
}

/** The identity of one partition incarnation. */
export interface ProgressKey {
  sourceCluster: string;
  topic: string;
  partition: number;
  topicId: string;
}

/** One progress record. */
export interface ProgressRecord extends ProgressKey {
  nextOffset: number;
  updatedAt: string;
  remoteTopic: string;
  gaps: GapRecord[];
}

/** Encodes the record key; property order is fixed so compaction sees equal keys as equal bytes. */
export function encodeProgressKey(k: ProgressKey): Buffer {
  return Buffer.from(JSON.stringify({ sourceCluster: k.sourceCluster, topic: k.topic, partition: k.partition, topicId: k.topicId }));
}

/** Encodes the record value. */
export function encodeProgressValue(r: ProgressRecord): Buffer {
  return Buffer.from(JSON.stringify({ nextOffset: r.nextOffset, updatedAt: r.updatedAt, remoteTopic: r.remoteTopic, gaps: r.gaps }));
}

/** Decodes a key/value pair; throws MirrorError(KAFKA_ERROR) naming the field on malformed input. */
export function decodeProgress(key: Buffer, value: Buffer): ProgressRecord {
  const need = (ok: boolean, field: string) => {
    if (!ok) throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `malformed progress record: '${field}' missing or invalid in ${key.toString('utf8')}`);
  };
  // Not JSON, or JSON but not an object: name the part, never leak a bare SyntaxError/TypeError.
  const parseObject = (bytes: Buffer, field: string): Record<string, unknown> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    need(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), field);
    return parsed as Record<string, unknown>;
  };
  const k = parseObject(key, 'key') as Partial<ProgressKey>;
  const v = parseObject(value, 'value') as Partial<ProgressRecord>;
  need(v.gaps === undefined || Array.isArray(v.gaps), 'gaps');
  need(typeof k.sourceCluster === 'string', 'sourceCluster');
  need(typeof k.topic === 'string', 'topic');
  need(Number.isInteger(k.partition), 'partition');
  need(typeof k.topicId === 'string', 'topicId');
  need(Number.isInteger(v.nextOffset) && (v.nextOffset ?? -1) >= 0, 'nextOffset');
  return {
    sourceCluster: k.sourceCluster!,
    topic: k.topic!,
    partition: k.partition!,
    topicId: k.topicId!,
    nextOffset: v.nextOffset!,
    updatedAt: String(v.updatedAt ?? ''),
    remoteTopic: String(v.remoteTopic ?? ''),
    gaps: Array.isArray(v.gaps) ? v.gaps : [],
  };
}

/** Options of {@link ProgressStore}. */
export interface ProgressStoreOptions {
  topic: string;
  sourceCluster: string;
  target: ClusterClientSettings;
  replicationFactor: number;
  logger: Logger;
  /**
   * The target cluster's shared clients (ClusterConnections): its admin and its internal-record producer
   * carry the progress. Default: a set of its own, closed by {@link ProgressStore.close}.
   */
  clients?: ClusterClients;
}

/**
 * Reads and writes progress for one source cluster. `load()` reads the whole topic once at start;
 * afterwards the in-memory view is updated by this instance's own writes (one engine per source
 * cluster and target is the deployment model, as for MM2's dedicated mode). Writes go through the
 * target's internal-record producer (idempotent, acks=all, no delivery timeout), shared with
 * checkpoints and heartbeats.
 */
export class ProgressStore {
  readonly topic: string;
  private readonly sourceCluster: string;
  private readonly target: ClusterClientSettings;
  private readonly replicationFactor: number;
  private readonly log: Logger;
  private readonly clients: ClusterClients;
  private readonly ownsClients: boolean;
  /** key `topic-partition` → records of every incarnation, in the order written (oldest first). */
  private readonly byPartition = new Map<string, ProgressRecord[]>();
  private sink: RecordSink | undefined;
  private writeError: Error | undefined;
  /** Delivery callback of every progress record: the first failure is rethrown by the next flush. */
  private readonly onDelivery = (err: { message: string } | undefined): void => {
    if (!err) return;
    this.writeError ??= new MirrorError(ERROR_CODES.DELIVERY_FAILED, `progress write to ${this.topic} failed: ${err.message}`, { cause: err });
    this.log.error({ err, topic: this.topic }, 'progress write failed');
  };

  constructor(options: ProgressStoreOptions) {
    this.topic = options.topic;
    this.sourceCluster = options.sourceCluster;
    this.target = options.target;
    this.replicationFactor = options.replicationFactor;
    this.log = options.logger;
    this.ownsClients = options.clients === undefined;
    this.clients = options.clients ?? new ClusterClients(options.target, { logger: options.logger });
  }

  /** Creates the progress topic on the target if needed and reads it into memory. Returns the number of records read. */
  async load(): Promise<number> {
    const admin = this.clients.admin;
    const outcome = await ensureInternalTopic(admin, this.topic, this.replicationFactor);
    if (outcome === 'created-with-broker-default') {
      this.log.warn(
        { topic: this.topic, key: 'progress.topic.replication.factor', replicationFactor: this.replicationFactor },
        `Created ${this.topic} with the broker's default.replication.factor: 'progress.topic.replication.factor' = ${this.replicationFactor} is more than the target's brokers can hold`,
      );
    }
    // A topic just created may not have a leader in the cluster's metadata yet; the reader needs one.
    if (outcome !== 'exists') await untilSettled(() => admin.partitionOffsets([{ topic: this.topic, partition: 0 }]));
    this.byPartition.clear();
    return this.read(() => true);
  }

  /**
   * Reads the progress of `partitions` again (what other engine instances wrote since {@link load}: the
   * previous owner of a partition the flow's group moves here stores its final progress before it lets
   * go) and replaces the in-memory records of exactly those partitions. Returns the records read for them.
   * Throws MirrorError on Kafka failures.
   */
  async reload(partitions: readonly { topic: string; partition: number }[]): Promise<number> {
    if (partitions.length === 0) return 0;
    const keys = new Set(partitions.map((tp) => `${tp.topic}-${tp.partition}`));
    const fresh = new ProgressStore({ topic: this.topic, sourceCluster: this.sourceCluster, target: this.target, replicationFactor: this.replicationFactor, logger: this.log, clients: this.clients });
    const read = await fresh.read((k) => keys.has(`${k.topic}-${k.partition}`));
    for (const key of keys) {
      const records = fresh.byPartition.get(key);
      if (records) this.byPartition.set(key, records);
      else this.byPartition.delete(key);
    }
    return read;
  }

  /** Reads the whole topic into memory, keeping the partitions `wanted` accepts. Returns the records kept. */
  private async read(wanted: (key: ProgressKey) => boolean): Promise<number> {
    let read = 0;
    await readInternalTopic(
      this.target,
      this.topic,
      ({ key, value }) => {
        if (!key) return;
        if (!value) {
          const k = JSON.parse(key.toString('utf8')) as ProgressKey;
          if (wanted(k)) this.forgetKey(k); // tombstone: progress deleted (cleanup)
          return;
        }
        const record = decodeProgress(key, value);
        if (record.sourceCluster !== this.sourceCluster || !wanted(record)) return;
        this.remember(record);
        read++;
      },
      { clientId: 'kafka-mirror-progress-loader', admin: this.clients.admin },
    );
    return read;
  }


  /** Every recorded incarnation of a partition, oldest first (empty when never mirrored). */
  incarnations(topic: string, partition: number): readonly ProgressRecord[] {
    return this.byPartition.get(`${topic}-${partition}`) ?? [];
  }

  /** The record of one incarnation, if any. */
  get(topic: string, partition: number, topicId: string): ProgressRecord | undefined {
    return this.incarnations(topic, partition).find((r) => r.topicId === topicId);
  }

  /**
   * Writes a record (asynchronously; {@link flush} waits for it). The in-memory view is updated
   * at once. A failed write is logged and rethrown by the next {@link flush}.
   */
  async write(record: Omit<ProgressRecord, 'sourceCluster' | 'updatedAt'> & { updatedAt?: string }): Promise<void> {
    const full: ProgressRecord = { ...record, sourceCluster: this.sourceCluster, updatedAt: record.updatedAt ?? new Date().toISOString() };
    this.remember(full);
    this.send(await this.ensureSink(), encodeProgressKey(full), encodeProgressValue(full));
  }

  /** Waits until every write so far is acknowledged. Throws the first write error, or MirrorError(KAFKA_ERROR) when writes are still pending after `timeoutMs`. */
  async flush(timeoutMs = 30_000): Promise<void> {
    if (this.sink && !(await this.sink.flush(timeoutMs))) {
      throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `flush failed: progress writes to ${this.topic} still pending after ${timeoutMs} ms`);
    }
    if (this.writeError) {
      const err = this.writeError;
      this.writeError = undefined;
      throw err;
    }
  }

  /** Flushes; closes the clients when they are the store's own (shared ones are closed by their owner). */
  async close(): Promise<void> {
    try {
      if (this.sink) await this.flush();
    } finally {
      this.sink = undefined;
      if (this.ownsClients) await this.clients.close();
    }
  }

  /**
   * Deletes every stored incarnation of `topic` (all partitions) with tombstones, so a future engine
   * starts that topic from scratch. For operators' cleanup and the scenarios. Call {@link flush} after.
   */
  async forget(topic: string): Promise<number> {
    let written = 0;
    for (const [key, records] of [...this.byPartition]) {
      if (!records[0] || records[0].topic !== topic) continue;
      const sink = await this.ensureSink();
      for (const r of records) {
        this.send(sink, encodeProgressKey(r), null);
        written++;
      }
      this.byPartition.delete(key);
    }
    return written;
  }

  private forgetKey(k: ProgressKey): void {
    if (k.sourceCluster !== this.sourceCluster) return;
    const key = `${k.topic}-${k.partition}`;
    const list = (this.byPartition.get(key) ?? []).filter((r) => r.topicId !== k.topicId);
    if (list.length) this.byPartition.set(key, list);
    else this.byPartition.delete(key);
  }

  private remember(record: ProgressRecord): void {
    const key = `${record.topic}-${record.partition}`;
    const list = (this.byPartition.get(key) ?? []).filter((r) => r.topicId !== record.topicId);
    list.push(record);
    this.byPartition.set(key, list);
  }

  private async ensureSink(): Promise<RecordSink> {
    return (this.sink ??= await this.clients.internalSink());
  }

  /** Enqueues one progress record (`value` null: tombstone) for partition 0. Throws MirrorError(DELIVERY_FAILED) when it cannot be enqueued. */
  private send(sink: RecordSink, key: Buffer, value: Buffer | null): void {
    if (!sink.send(this.topic, key, value, Date.now(), this.onDelivery)) {
      throw new MirrorError(ERROR_CODES.DELIVERY_FAILED, `progress write to ${this.topic} could not be enqueued (producer queue full or closed)`);
    }
  }
}
