/**
 * The target side of the batch data path behind a small port: an idempotent producer identity from
 * InitProducerId (KIP-98, no transactional id) and Produce v11 of one pre-encoded v2 batch per request,
 * re-signed with that identity and the caller's base sequence (./producer-fields.ts). Leaders come from
 * Metadata v12 by topic name, cached until a partition answers an error or a request fails.
 *
 * Sequences, and the identity they count in, are the caller's (engine/replicate/batch-lane.ts keeps one
 * sequence per remote partition): this module only stamps them. A batch is stamped with the identity the
 * caller numbered it under, never with whatever identity is current when the request is finally written
 * (after a metadata lookup or a connect): a {@link BatchSink.reinit} in between would otherwise put the
 * new producer id on a sequence counted for the old one, which the broker answers
 * OUT_OF_ORDER_SEQUENCE_NUMBER or, when the range equals one of the 5 batches it caches for that producer
 * and partition, acknowledges as a duplicate without writing it. {@link BatchSink.reinit} takes a new producer identity (what the Java
 * producer does on UNKNOWN_PRODUCER_ID / OUT_OF_ORDER_SEQUENCE_NUMBER for an idempotent producer:
 * `TransactionManager.handleFailedBatch` → `requestIdempotentEpochBumpForPartition` / reset producer id);
 * callers see it as a new {@link ProducerIdentity.generation} and restart their sequences at 0.
 */
import { BatchClient, type TopicLayout } from './batch-client.ts';
import type { ProducePartitionResult } from './batch-protocol.ts';
import { rewriteProducerFields, type ProducerFields } from './producer-fields.ts';
import type { BatchBytes } from './record-batch.ts';
import { ERROR_CODES, MirrorError } from '../../core/errors.ts';
import { reconnect } from './batch-source.ts';

/** The producer identity batches are signed with; `generation` counts identities taken since start (1 = the first). */
export interface ProducerIdentity {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly generation: number;
}

/** The batch-path target port; unit tests pass a fake. */
export interface BatchSink {
  /** Connects and takes the first producer identity. Throws MirrorError. */
  connect(): Promise<void>;
  /** The current identity ({@link connect} first). */
  readonly identity: ProducerIdentity;
  /**
   * Re-signs `batch` (one v2 batch, in place in its head chunk: baseOffset 0, `fields`' producer id, epoch and
   * base sequence, CRC) and produces it to `partition` of `topic` with acks=all; its chunks go into the request
   * as they are. `fields` is an identity this sink gave
   * ({@link identity}, possibly an older one for a resend) with the caller's sequence in it. Never rejects:
   * a failed request resolves with errorCode -1 and `errorMessage` (retriable); broker errors come back as
   * their Kafka code.
   */
  send(topic: string, partition: number, batch: BatchBytes, fields: ProducerFields): Promise<ProducePartitionResult>;
  /** Takes a new producer identity (generation + 1). Throws MirrorError when the target does not answer. */
  reinit(): Promise<void>;
  /**
   * Waits until Metadata shows at least `wanted.get(topic)` partitions of every topic of `wanted`.
   * Throws MirrorError(TIMEOUT) after `timeoutMs` (default 30 000).
   */
  awaitPartitions(wanted: ReadonlyMap<string, number>, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** How long the broker may wait for the in-sync replicas (ms): half the Java producer's `request.timeout.ms` default (30 s), below the connection's request timeout. */
const PRODUCE_TIMEOUT_MS = 15_000;

/** {@link BatchSink} over a {@link BatchClient}. */
export class BatchProducer implements BatchSink {
  private readonly client: BatchClient;
  private readonly layouts = new Map<string, TopicLayout>();
  /** `topic\0partition` → resolves once the partition's last request was written (keeps produce order per partition). */
  private readonly issuing = new Map<string, Promise<void>>();
  private current: ProducerIdentity = { producerId: -1, producerEpoch: -1, generation: 0 };

  constructor(client: BatchClient) {
    this.client = client;
  }

  get identity(): ProducerIdentity {
    return this.current;
  }

  async connect(): Promise<void> {
    await this.client.connect();
    await this.reinit();
  }

  async reinit(): Promise<void> {
    let id: { producerId: number; producerEpoch: number };
    try {
      id = await this.client.initProducerId();
    } catch (err) {
      if ((err as { errorCode?: number }).errorCode === undefined) await reconnect(this.client);
      throw err;
    }
    this.current = { ...id, generation: this.current.generation + 1 };
  }

  send(topic: string, partition: number, batch: BatchBytes, fields: ProducerFields): Promise<ProducePartitionResult> {
    // Requests of one partition reach the broker in call order: each is written to its connection only after
    // the previous one was (a metadata lookup or a connect in between must not let a later batch overtake).
    const key = `${topic}\0${partition}`;
    const issued = (this.issuing.get(key) ?? Promise.resolve()).then(() => this.issue(topic, partition, batch, { ...fields }));
    const written = issued.then(() => undefined);
    this.issuing.set(key, written);
    void written.then(() => {
      if (this.issuing.get(key) === written) this.issuing.delete(key);
    });
    return issued.then((r) => r.response);
  }

  /** Writes one Produce request; resolves once it was written (its `response` settles later, never rejects). */
  private async issue(topic: string, partition: number, batch: BatchBytes, fields: ProducerFields): Promise<{ response: Promise<ProducePartitionResult> }> {
    try {
      const leader = (await this.layout(topic))?.partitions[partition];
      if (!leader || leader.partition !== partition || leader.leaderId < 0) {
        this.layouts.delete(topic);
        return { response: Promise.resolve(failure(topic, partition, `no leader known for ${topic}-${partition}`)) };
      }
      rewriteProducerFields(batch.chunks[0]!, fields, batch.size); // the identity the caller counted the sequence in, not this.current (see the module doc)
      const response = this.client.produceOn(await this.client.connection(leader.leaderId), { acks: -1, timeoutMs: PRODUCE_TIMEOUT_MS, topics: [{ topic, partitions: [{ partition, batch }] }] }).then(
        ([r]) => {
          if (!r) return failure(topic, partition, 'Produce response without the partition');
          if (r.errorCode !== 0) this.layouts.delete(topic);
          return r;
        },
        (err: unknown) => {
          this.client.dropConnection(leader.leaderId);
          this.layouts.delete(topic);
          return failure(topic, partition, (err as Error).message ?? String(err));
        },
      );
      return { response };
    } catch (err) {
      this.layouts.delete(topic);
      return { response: Promise.resolve(failure(topic, partition, (err as Error).message ?? String(err))) };
    }
  }

  async awaitPartitions(wanted: ReadonlyMap<string, number>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const [topic, count] of wanted) {
      for (;;) {
        this.layouts.delete(topic);
        const seen = (await this.layout(topic))?.partitions.length ?? 0;
        if (seen >= count) break;
        if (Date.now() > deadline) throw new MirrorError(ERROR_CODES.TIMEOUT, `batch producer still sees ${seen} of ${count} partitions of ${topic} after ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async layout(topic: string): Promise<TopicLayout | undefined> {
    let layout = this.layouts.get(topic);
    if (layout) return layout;
    try {
      [layout] = await this.client.metadata([topic]);
    } catch (err) {
      if ((err as { errorCode?: number }).errorCode === undefined) await reconnect(this.client);
      return undefined;
    }
    if (layout) this.layouts.set(topic, layout);
    return layout;
  }
}

function failure(topic: string, partition: number, message: string): ProducePartitionResult {
  return { topic, partition, errorCode: -1, baseOffset: -1, logStartOffset: -1, errorMessage: message };
}
