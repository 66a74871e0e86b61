/**
 * The independent measuring consumer of the latency phase: reads the remote topic on the target
 * and records, per record, receive time − record timestamp (the source producer's CreateTime, which
 * both mirrors preserve). The same probe, with the same settings, measures MM2 and ours; the
 * mirrors' own metrics are never used.
 */
import { writeFileSync } from 'node:fs';
import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { connectConsumer, consumeBatch, disconnect } from '../engine/testing.ts';

/** Latency quantiles in ms over the counted records. */
export interface LatencySummary {
  /** Records received in total. */
  received: number;
  /** Records counted (timestamp at least `warmupMs` after the first record's). */
  counted: number;
  /** Rate the load actually had, from the record timestamps (records/s). */
  loadRecordsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** p99 over every record received, warm-up included. */
  p99AllMs: number;
}

/** Consumes `topic` (all `partitions`, from offset 0) on `bootstrapServers` until stopped. */
export class LatencyProbe {
  private readonly consumer: KafkaConsumer;
  private readonly latencies: number[] = [];
  private readonly timestamps: number[] = [];
  private running = true;
  private readonly loopDone: Promise<void>;

  private constructor(consumer: KafkaConsumer) {
    this.consumer = consumer;
    this.loopDone = this.loop();
  }

  /**
   * Connects and assigns. `fetch.wait.max.ms=10` keeps the probe's own share of the measured latency
   * small (an idle partition is re-fetched every 10 ms); the share is the same for both mirrors.
   */
  static async start(o: { bootstrapServers: string; topic: string; partitions: number }): Promise<LatencyProbe> {
    const consumer = await connectConsumer({
      'bootstrap.servers': o.bootstrapServers,
      'client.id': 'bench-latency-probe',
      'group.id': `bench-latency-probe-${Date.now()}`,
      'enable.auto.commit': false,
      'enable.partition.eof': false,
      'fetch.wait.max.ms': 10,
      'fetch.min.bytes': 1,
      // read_committed, as consumers of an exactly-once mirror must read (bench/exactly-once.ts): it includes the
      // commit cadence in the latency; for mirrors that write no transactions it reads exactly as read_uncommitted.
      'isolation.level': 'read_committed',
    });
    consumer.setDefaultConsumeTimeout(100);
    (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
    consumer.assign(Array.from({ length: o.partitions }, (_, partition) => ({ topic: o.topic, partition, offset: 0 })));
    return new LatencyProbe(consumer);
  }

  /** Records received so far. */
  get received(): number {
    return this.latencies.length;
  }

  /** Writes every sample as `timestampMs,latencyMs` lines (raw data for a closer look). */
  writeSamples(path: string): void {
    writeFileSync(path, this.timestamps.map((ts, i) => `${ts},${this.latencies[i]}`).join('\n') + '\n');
  }

  /** Stops consuming and disconnects. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loopDone;
    await disconnect(this.consumer);
  }

  /** Quantiles over records whose timestamp is at least `warmupMs` after the first record's. */
  summary(warmupMs: number): LatencySummary {
    let first = Infinity;
    let last = -Infinity;
    for (const ts of this.timestamps) {
      first = Math.min(first, ts);
      last = Math.max(last, ts);
    }
    const counted = this.latencies.filter((_, i) => this.timestamps[i]! >= first + warmupMs).sort((a, b) => a - b);
    return {
      received: this.latencies.length,
      counted: counted.length,
      loadRecordsPerSec: last > first ? ((this.timestamps.length - 1) * 1000) / (last - first) : Number.NaN,
      p50Ms: quantile(counted, 0.5),
      p99Ms: quantile(counted, 0.99),
      maxMs: counted.length ? counted[counted.length - 1]! : Number.NaN,
      p99AllMs: quantile([...this.latencies].sort((a, b) => a - b), 0.99),
    };
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let batch: Message[];
      try {
        batch = await consumeBatch(this.consumer, 10_000);
      } catch {
        continue; // transient (leader election of a fresh topic); the probe only reads
      }
      const now = Date.now();
      for (const m of batch) {
        const ts = m.timestamp ?? now;
        this.timestamps.push(ts);
        this.latencies.push(now - ts);
      }
    }
  }
}

/** Nearest-rank quantile of an ascending array (NaN when empty). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
