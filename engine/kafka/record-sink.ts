/**
 * A producer for the engine's internal records — offset syncs, checkpoints, heartbeats — on one
 * cluster. Idempotent, `acks=all` and without a delivery timeout (`message.timeout.ms=0`, as the
 * mirror producer): a cluster that is down holds records back instead of dropping some of them, so
 * what reaches a topic is always a prefix of what was sent (the offset-sync store relies on that).
 * Records go to partition 0 (MM2's internal topics have one partition).
 */
import type { LibrdKafkaError, Producer } from '@confluentinc/kafka-javascript';
import type { Logger } from '../core/logger.ts';
import { awaitDeliveryReports, connectProducer, targetProducerConfig, type ClusterClientSettings } from './kafka-clients.ts';
import { KAFKA_ERROR_CODES as K } from './error-codes.ts';

/** Called once a record was acknowledged (`err` undefined) or failed for good. */
export type DeliveryCallback = (err: LibrdKafkaError | undefined) => void;

/** Where internal records go; {@link RecordSink} implements it, unit tests substitute a fake. */
export interface InternalRecordSink {
  /** Enqueues a record for partition 0 of `topic`; false when it could not be enqueued (queue full, closed). */
  send(topic: string, key: Buffer, value: Buffer, timestampMs: number, onDelivery?: DeliveryCallback): boolean;
  /** Waits up to `timeoutMs` for every enqueued record; false when some are still pending. */
  flush?(timeoutMs: number): Promise<boolean>;
}

/** A connected internal-record producer. Create with {@link RecordSink.connect}; `close()` when done. */
export class RecordSink implements InternalRecordSink {
  readonly clusterAlias: string;
  private producer: Producer | undefined;
  private readonly log: Logger;
  private failures = 0;
  /** Records enqueued whose delivery report has not reached this thread yet. */
  private pendingReports = 0;

  private constructor(producer: Producer, clusterAlias: string, logger: Logger) {
    this.producer = producer;
    this.clusterAlias = clusterAlias;
    this.log = logger;
    producer.on('delivery-report', (err, report) => {
      this.pendingReports--;
      const cb = report.opaque as DeliveryCallback | undefined;
      if (err) {
        this.failures++;
        this.log.warn({ err: err.message, code: err.code, topic: report.topic }, `internal record to ${report.topic} on ${clusterAlias} failed: ${err.message}`);
      }
      cb?.(err ?? undefined);
    });
  }

  /** Connects a producer to `cluster`. Throws MirrorError (KAFKA_ERROR / AUTH_FAILED). */
  static async connect(cluster: ClusterClientSettings, clientId: string, logger: Logger): Promise<RecordSink> {
    const producer = await connectProducer({ ...targetProducerConfig(cluster, clientId), 'linger.ms': 5 });
    return new RecordSink(producer, cluster.alias, logger);
  }

  /** Records that failed for good since start. */
  get failedRecords(): number {
    return this.failures;
  }

  /** {@link InternalRecordSink.send}; `value` null writes a tombstone (progress cleanup). */
  send(topic: string, key: Buffer, value: Buffer | null, timestampMs: number, onDelivery?: DeliveryCallback): boolean {
    if (!this.producer) return false;
    try {
      this.producer.produce(topic, 0, value, key, timestampMs, onDelivery);
      this.pendingReports++;
      return true;
    } catch (err) {
      // A full local queue is back-pressure (the caller retries later), not worth a line.
      if ((err as LibrdKafkaError).code !== K._QUEUE_FULL) this.log.warn({ err, topic }, `cannot enqueue an internal record for ${topic}`);
      return false;
    }
  }

  /**
   * Waits up to `timeoutMs` for every enqueued record and its delivery callback (the offset-sync writer's
   * progress gating reads what the callbacks recorded). Resolves false when some are still pending.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    if (!this.producer) return true;
    try {
      return await awaitDeliveryReports(timeoutMs, () => this.pendingReports);
    } catch {
      return false;
    }
  }

  /** Flushes for up to `timeoutMs` (records still pending then are dropped, logged) and disconnects. Idempotent. */
  async close(timeoutMs = 5000): Promise<void> {
    const producer = this.producer;
    if (!producer) return;
    const flushed = await this.flush(timeoutMs);
    if (!flushed) this.log.warn({ cluster: this.clusterAlias, timeoutMs }, `internal records to ${this.clusterAlias} still pending after ${timeoutMs} ms; dropping them`);
    this.producer = undefined;
    // Producer.disconnect(timeout) flushes once more first; nothing is left to wait for.
    await new Promise<void>((resolve) => {
      try {
        producer.disconnect(0, () => resolve());
      } catch {
        resolve();
      }
    });
  }
}
