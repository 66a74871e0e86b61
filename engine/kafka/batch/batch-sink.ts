/**
 * The target side of the batch data path behind a small port: an idempotent producer identity from
 * InitProducerId (KIP-98, no transactional id) and Produce v11 of one pre-encoded v2 batch per request,
 * re-signed with that identity and the caller's base sequence (./producer-fields.ts). Leaders come from
 * Metadata v12 by topic name, cached until a partition answers an error or a request fails.
 *
 * Sequences are claimed by the writers from the sink's {@link BatchSink.sequences} (./sequence-book.ts: one
 * per remote partition for the task's life, shared by successive batch lanes and, in exactly-once mode, the
 * record producer); a claim carries the identity its sequence counts in, and this module only stamps what the
 * caller passes. A batch is stamped with the identity the caller numbered it under, never with whatever
 * identity is current when the request is finally written (after a metadata lookup or a connect): a
 * {@link BatchSink.reinit} in between would otherwise put the new producer id on a sequence counted for the
 * old one, which the broker answers OUT_OF_ORDER_SEQUENCE_NUMBER or, when the range equals one of the 5
 * batches it caches for that producer and partition, acknowledges as a duplicate without writing it.
 * {@link BatchSink.reinit} takes a new producer identity (what the Java producer does on UNKNOWN_PRODUCER_ID /
 * OUT_OF_ORDER_SEQUENCE_NUMBER for an idempotent producer: `TransactionManager.handleFailedBatch` →
 * `requestIdempotentEpochBumpForPartition` / reset producer id); callers see it as a new
 * {@link ProducerIdentity.generation} and the book restarts their sequences at 0.
 *
 * Exactly-once (`transactional` settings): the identity is the TRANSACTIONAL one of the task's
 * `transactional.id` (InitProducerId to its transaction coordinator), every batch is written with the
 * transactional bit set and the transactional id in the Produce request, after its partition was added to the
 * open transaction (./batch-transactions.ts, {@link BatchProducer.transactions}); the record path and the
 * internal records write through the same identity (./batch-record-producer.ts).
 */
import { BatchClient, type TopicLayout } from './batch-client.ts';
import type { ProducePartitionResult } from './batch-protocol.ts';
import { rewriteProducerFields, type ProducerFields } from './producer-fields.ts';
import type { BatchBytes } from './record-batch.ts';
import { ERROR_CODES, MirrorError } from '../../core/errors.ts';
import { reconnect } from './batch-source.ts';
import { BatchTransactions, UNUSABLE_TXN_CODES } from './batch-transactions.ts';
import { SequenceBook, type ProducerIdentity } from './sequence-book.ts';
import { ClientTxnProtocol } from './txn-protocol.ts';
import type { TransactionalSettings } from '../target-transactions.ts';

export type { ProducerIdentity } from './sequence-book.ts';

/** The batch-path target port; unit tests pass a fake. */
export interface BatchSink {
  /** Connects and takes the first producer identity. Throws MirrorError. */
  connect(): Promise<void>;
  /** The current identity ({@link connect} first). */
  readonly identity: ProducerIdentity;
  /** Base sequences per target partition (for the task's life), each claimed with the identity it counts in: every writer of this sink claims them here. */
  readonly sequences: SequenceBook;
  /**
   * Re-signs `batch` (one v2 batch, in place in its head chunk: baseOffset 0, `fields`' producer id, epoch and
   * base sequence, CRC) and produces it to `partition` of `topic` with acks=all; its chunks go into the request
   * as they are. `fields` is an identity this sink gave (a {@link sequences} claim's, possibly an older
   * identity than {@link identity} for a resend) with the caller's sequence in it. Exactly-once: the partition
   * is added to the transaction for THAT identity (an identity replaced meanwhile is answered 47
   * INVALID_PRODUCER_EPOCH). Never rejects:
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
  private connecting: Promise<void> | undefined;
  readonly sequences = new SequenceBook(() => this.current);
  /** Exactly-once only: the open transaction of the transactional identity. */
  readonly transactions: BatchTransactions | undefined;
  private readonly transactionalId: string | null;

  /** `transactional`: exactly-once (see the module doc); absent: an idempotent producer. */
  constructor(client: BatchClient, transactional?: TransactionalSettings) {
    this.client = client;
    this.transactionalId = transactional?.transactionalId ?? null;
    this.transactions = transactional && new BatchTransactions({ protocol: new ClientTxnProtocol(client), transactionalId: transactional.transactionalId, transactionTimeoutMs: transactional.transactionTimeoutMs });
  }

  get identity(): ProducerIdentity {
    return this.current;
  }

  /** Connects and takes the first identity, once: later calls resolve with the first (the record path and the batch path share one transactional producer). */
  connect(): Promise<void> {
    this.connecting ??= (async () => {
      await this.client.connect();
      await this.reinit(true);
    })();
    const connecting = this.connecting;
    connecting.catch(() => {
      if (this.connecting === connecting) this.connecting = undefined;
    });
    return connecting;
  }

  /**
   * A new identity. Transactional: InitProducerId with the transactional id (a new epoch; the coordinator
   * aborts the open transaction) — without `fresh` an open transaction is doomed (BatchTransactions.init).
   */
  async reinit(fresh = false): Promise<void> {
    let id: { producerId: number; producerEpoch: number };
    try {
      id = this.transactions ? await this.transactions.init(30_000, fresh) : await this.client.initProducerId();
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
      if (this.transactions) {
        // KIP-890 verification: the partition must be in the transaction before a transactional batch reaches it —
        // the transaction of the identity the batch is stamped with (BatchTransactions invariant C: a batch of a
        // replaced identity is answered 47 and never added to the new epoch's transaction).
        const code = await this.transactions.enlist(topic, partition, fields, PRODUCE_TIMEOUT_MS);
        if (code !== 0) {
          // A fenced or unusable identity reads as INVALID_PRODUCER_EPOCH (47): the lane takes a new identity. The
          // open transaction is doomed only when the answer is about it: a batch of an identity replaced meanwhile
          // was never part of it (the transaction it belonged to was doomed or aborted when the identity was replaced).
          const current = this.transactions.identity;
          const ofOpenTransaction = fields.producerId === current.producerId && fields.producerEpoch === current.producerEpoch;
          if (ofOpenTransaction && UNUSABLE_TXN_CODES.has(code)) this.transactions.doom(`AddPartitionsToTxn answered Kafka error code ${code}`);
          const errorCode = UNUSABLE_TXN_CODES.has(code) ? 47 : code;
          return { response: Promise.resolve({ ...failure(topic, partition, `AddPartitionsToTxn for ${topic}-${partition} answered Kafka error code ${code}`), errorCode }) };
        }
      }
      // The identity the caller counted the sequence in, not this.current (see the module doc).
      rewriteProducerFields(batch.chunks[0]!, { ...fields, transactional: this.transactions !== undefined }, batch.size);
      const response = this.client.produceOn(await this.client.connection(leader.leaderId), { transactionalId: this.transactionalId, acks: -1, timeoutMs: PRODUCE_TIMEOUT_MS, topics: [{ topic, partitions: [{ partition, batch }] }] }).then(
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
