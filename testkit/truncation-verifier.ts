/**
 * Verification side of the truncation tests (test/truncation.int.test.ts) and of
 * scenarios/measure-detection.ts, on one-partition topics: kafkajs (an independent client) creates
 * topics, produces, and reads offsets and records back through {@link ClusterReader}. Deletions go
 * through the engine's own KafkaAdmin.deleteRecordsBefore (kafkajs' DeleteRecords is not trusted against
 * Kafka 4 here): that is the input of the action under test, not something verified with it.
 */
import type { Producer } from 'kafkajs';
import { KafkaAdmin } from '../engine/testing.ts';
import { ClusterReader, type ReadRecord } from './cluster-reader.ts';
import { PRIMARY, STANDBY, kafkajsClient, remoteOf, uniqueTopic } from './test-clusters.ts';
import { waitFor } from './wait-for.ts';

/** `[prefix-from, …, prefix-(from+count-1)]`: one distinguishable value per record. */
export function seq(prefix: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${from + i}`);
}

/** Readers on both clusters, a kafkajs producer on the source, the engine's admin for DeleteRecords. Call {@link connect}, then {@link close}. */
export class TruncationVerifier {
  readonly source = new ClusterReader(PRIMARY);
  readonly target = new ClusterReader(STANDBY);
  private producer: Producer = kafkajsClient(PRIMARY).producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  private readonly deleter = new KafkaAdmin({ 'bootstrap.servers': PRIMARY, 'client.id': 'kme-test-delete-records' });
  private readonly created: string[] = [];

  /** Connects the readers and the producer; resolves with this verifier. */
  async connect(): Promise<this> {
    await Promise.all([this.source.connect(), this.target.connect(), this.producer.connect()]);
    return this;
  }

  /** Deletes every topic this verifier created (source and remote) and disconnects. Never throws. */
  async close(): Promise<void> {
    await Promise.allSettled([this.source.deleteTopicsIfPresent(this.created), this.target.deleteTopicsIfPresent(this.created.map(remoteOf))]);
    this.deleter.close();
    await Promise.allSettled([this.producer.disconnect(), this.source.close(), this.target.close()]);
  }

  /** Creates a one-partition source topic named `<prefix>-<8 hex>` with topic-level `configs`; returns its name. */
  async createTopic(prefix: string, configs: Record<string, string> = {}): Promise<string> {
    return this.createNamedTopic(uniqueTopic(prefix), configs);
  }

  /** Creates a one-partition source topic with exactly this name (deleted again by {@link close}); returns it. */
  async createNamedTopic(topic: string, configs: Record<string, string> = {}): Promise<string> {
    this.created.push(topic);
    await this.source.admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
      waitForLeaders: true,
    });
    return topic;
  }

  /** Produces `values` (optionally keyed) to partition 0 in order, acknowledged by the broker (acks=all); resolves with the offset of each. */
  async produce(topic: string, values: readonly string[], keys?: readonly string[]): Promise<number[]> {
    const offsets: number[] = [];
    for (let i = 0; i < values.length; i += 500) {
      const chunk = values.slice(i, i + 500).map((value, j) => ({ value, key: keys?.[i + j] ?? null, partition: 0 }));
      const [meta] = await this.producer.send({ topic, acks: -1, messages: chunk });
      const base = Number(meta!.baseOffset);
      offsets.push(...chunk.map((_, j) => base + j));
    }
    return offsets;
  }

  /** Log start offset and log end offset (high watermark) of source partition 0. */
  async sourceOffsets(topic: string): Promise<{ logStartOffset: number; logEndOffset: number }> {
    const [p] = await this.source.partitionOffsets(topic);
    return { logStartOffset: p!.logStartOffset, logEndOffset: p!.logEndOffset };
  }

  /** DeleteRecords: moves the log start offset of partition 0 to `offset`; resolves with the new low watermark. */
  deleteRecordsBefore(topic: string, offset: number): Promise<number> {
    return this.deleter.deleteRecordsBefore({ topic, partition: 0 }, offset);
  }

  /** High watermark of remote partition 0 (0 when the remote topic does not exist yet). */
  async remoteEnd(topic: string): Promise<number> {
    return (await this.target.highWatermarks(remoteOf(topic))).get(0) ?? 0;
  }

  /** Waits until remote partition 0 holds at least `count` records; rejects after `timeoutMs` naming the last end seen. */
  async waitForRemote(topic: string, count: number, timeoutMs = 60_000): Promise<void> {
    let seen = -1;
    await waitFor(async () => (seen = await this.remoteEnd(topic)) >= count, {
      timeoutMs,
      intervalMs: 50,
      message: `${remoteOf(topic)} to hold ${count} records (last seen ${seen})`,
    });
  }

  /** Every record of the remote topic's partition 0, in offset order. */
  async readRemote(topic: string): Promise<ReadRecord[]> {
    return (await this.target.readAll(remoteOf(topic))).get(0) ?? [];
  }

  /** Every record of source partition 0 still in the log, in offset order (offset gaps show compaction). */
  async readSource(topic: string): Promise<ReadRecord[]> {
    return (await this.source.readAll(topic)).get(0) ?? [];
  }
}
