/**
 * A transactional producer on the source cluster for test/truncation.int.test.ts (transaction markers and
 * aborted records are not truncation): the rdkafka-style Producer of @confluentinc/kafka-javascript used
 * directly, not through the engine's wrappers (kafkajs has no Kafka 4 friendly transactional path we trust here).
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { LibrdKafkaError, Producer as RdProducer } from '@confluentinc/kafka-javascript';
import { randomBytes } from 'node:crypto';
import { PRIMARY } from '../testkit/test-clusters.ts';

/**
 * A transactional producer (rdkafka-style API: initTransactions / beginTransaction / commitTransaction /
 * abortTransaction) on the source cluster.
 */
export class TransactionalProducer {
  private readonly producer: RdProducer;

  constructor() {
    this.producer = new Kafka.Producer({
      'bootstrap.servers': PRIMARY,
      'client.id': 'kme-test-transactional',
      'transactional.id': `kme-test-tx-${randomBytes(4).toString('hex')}`,
      dr_cb: false,
    } as never);
  }

  async connect(): Promise<this> {
    await callback<void>((cb) => this.producer.connect({ timeout: 30_000 }, (err) => cb(err as LibrdKafkaError | null)));
    await callback<void>((cb) => this.producer.initTransactions(30_000, cb));
    return this;
  }

  /** Produces `values` to partition 0 inside one transaction, then commits or aborts it. */
  async transaction(topic: string, values: readonly string[], outcome: 'commit' | 'abort'): Promise<void> {
    await callback<void>((cb) => this.producer.beginTransaction(cb));
    for (const v of values) this.producer.produce(topic, 0, Buffer.from(v), null, Date.now());
    if (outcome === 'commit') await callback<void>((cb) => this.producer.commitTransaction(30_000, cb));
    else {
      // Make sure the aborted records are really in the log before the abort marker (not just dropped locally).
      await callback<void>((cb) => this.producer.flush(30_000, cb));
      await callback<void>((cb) => this.producer.abortTransaction(30_000, cb));
    }
  }

  async disconnect(): Promise<void> {
    await new Promise<void>((resolve) => this.producer.disconnect(() => resolve()));
  }
}

function callback<T>(run: (cb: (err: LibrdKafkaError | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
}
