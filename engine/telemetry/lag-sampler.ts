/**
 * Replication lag per partition, in records and in seconds, from a periodic sample of the source's log
 * offsets: one ListOffsets round (earliest + latest) per flow per interval, never per record.
 *
 * - Records: source log end (high watermark, or last stable offset under read_committed — what a
 *   read_committed fetch can reach) minus the next offset to mirror (everything below it is
 *   acknowledged by the target); 0 when caught up. Like a consumer's `records-lag`, a transactional
 *   topic shows 1 after its last commit marker (markers are never mirrored).
 * - Seconds: age of the oldest source record not yet acknowledged by the target; 0 when caught up. When
 *   the mirror task reports the source timestamp of its oldest in-flight record, that is exact; otherwise
 *   (the record was not fetched yet) its append time is interpolated from the history of sampled log ends
 *   (the approach of kafka-lag-exporter): it lies between the last sample whose end was ≤ the offset and the
 *   first whose end was above it. Before the first sample above the offset it is unknown, and before the
 *   history starts it is bounded by the first sample (lag at least that old).
 *
 * The sampler depends on nothing Kafka-specific: it is given a {@link SourceOffsetsReader} per flow
 * (engine/kafka/kafka-admin.ts `KafkaAdmin` satisfies it).
 */
import type { Logger } from '../core/logger.ts';

/** Log start and end offsets of one partition (end: high watermark, or LSO when read_committed). */
export interface SampledOffsets {
  logStartOffset: number;
  logEndOffset: number;
}

/** What the sampler needs of a source cluster: ListOffsets. Keys of the result are `topic-partition`. */
export interface SourceOffsetsReader {
  partitionOffsets(partitions: readonly { topic: string; partition: number }[], readCommitted: boolean): Promise<Map<string, SampledOffsets>>;
}

/** One flow to sample: its name, isolation, reader, and the partitions to sample now (source topics). */
export interface LagSamplerFlow {
  name: string;
  readCommitted: boolean;
  reader: SourceOffsetsReader;
  partitions(): readonly { topic: string; partition: number }[];
}

/** The latest sample of one partition, with the epoch ms it was taken at and the error if the last attempt failed. */
export interface PartitionSample extends SampledOffsets {
  sampledAtMs: number;
  error: string | undefined;
}

/** Lag of one partition: records (≥ 0) and seconds (≥ 0, ms precision); undefined parts when not sampled yet. */
export interface PartitionLag {
  records: number | undefined;
  seconds: number | undefined;
}

/** Cap of the log-end history per partition (change points); older ones drop, making old lag a lower bound. */
const MAX_HISTORY = 1000;

interface EndPoint {
  end: number;
  firstAtMs: number;
  lastAtMs: number;
}

/**
 * The sampled log ends of one partition: one point per distinct end, with the first and last time it was
 * seen. Invariant: `points[i].end` strictly increases; a lower end (topic recreated, divergence) clears the history.
 */
export class EndOffsetHistory {
  private points: EndPoint[] = [];

  /** Adds a sample: log end `end` seen at `atMs`. */
  add(end: number, atMs: number): void {
    const last = this.points[this.points.length - 1];
    if (last !== undefined && end === last.end) {
      last.lastAtMs = atMs;
      return;
    }
    if (last !== undefined && end < last.end) this.points = [];
    this.points.push({ end, firstAtMs: atMs, lastAtMs: atMs });
    if (this.points.length > MAX_HISTORY) this.points.splice(0, this.points.length - MAX_HISTORY);
  }

  /**
   * Estimated epoch ms at which the record at `offset` was appended: interpolated between the last time the
   * end was ≤ `offset` and the first time it was above. Undefined when no sample was above it yet.
   * Drops the points no later call can need (calls come with a non-decreasing `offset`).
   */
  appendedAtMs(offset: number): number | undefined {
    const i = this.points.findIndex((p) => p.end > offset);
    if (i < 0) return undefined;
    if (i === 0) return this.points[0]!.firstAtMs; // appended before the history starts: at least this old
    const before = this.points[i - 1]!;
    const after = this.points[i]!;
    if (i > 1) this.points.splice(0, i - 1);
    const fraction = (offset + 1 - before.end) / (after.end - before.end);
    return before.lastAtMs + fraction * (after.firstAtMs - before.lastAtMs);
  }
}

/** Samples the source log offsets of every flow's partitions periodically; computes lag on demand. */
export class LagSampler {
  private readonly flows: readonly LagSamplerFlow[];
  private readonly intervalMs: number;
  private readonly log: Logger | undefined;
  private readonly samples = new Map<string, PartitionSample>();
  private readonly histories = new Map<string, EndOffsetHistory>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastErrorLogAtMs = 0;

  /** `intervalMs`: time between sampling rounds (default 1000 ms). */
  constructor(options: { flows: readonly LagSamplerFlow[]; intervalMs?: number; logger?: Logger }) {
    this.flows = options.flows;
    this.intervalMs = options.intervalMs ?? 1000;
    this.log = options.logger;
  }

  /** Starts periodic sampling (the first round at once). */
  start(): void {
    if (this.timer) return;
    void this.sampleNow();
    this.timer = setInterval(() => void this.sampleNow(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Stops sampling; resolves once a round in progress ended. That round makes no further request: with a
   * source cluster down, its per-topic retries (one admin timeout each) would otherwise hold the stop of the
   * process for tens of seconds.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sampling round over every flow (a round still running is awaited instead of overlapped). */
  sampleNow(): Promise<void> {
    return (this.running ??= this.round().finally(() => (this.running = undefined)));
  }

  private async round(): Promise<void> {
    await Promise.all(this.flows.map((f) => this.sampleFlow(f)));
  }

  private async sampleFlow(flow: LagSamplerFlow): Promise<void> {
    const partitions = flow.partitions();
    if (partitions.length === 0 || this.stopped) return;
    try {
      this.store(flow, await flow.reader.partitionOffsets(partitions, flow.readCommitted), Date.now());
    } catch {
      // One missing topic (deleted, being recreated) fails the whole call: sample topic by topic instead.
      const topics = [...new Set(partitions.map((p) => p.topic))];
      for (const topic of topics) {
        if (this.stopped) return;
        const some = partitions.filter((p) => p.topic === topic);
        try {
          this.store(flow, await flow.reader.partitionOffsets(some, flow.readCommitted), Date.now());
        } catch (err) {
          for (const p of some) {
            const s = this.samples.get(key(flow.name, p.topic, p.partition));
            if (s) s.error = (err as Error).message;
          }
          this.logFailure(flow.name, topic, err);
        }
      }
    }
  }

  private store(flow: LagSamplerFlow, offsets: Map<string, SampledOffsets>, atMs: number): void {
    for (const [tp, o] of offsets) {
      const dash = tp.lastIndexOf('-');
      const k = key(flow.name, tp.slice(0, dash), Number(tp.slice(dash + 1)));
      this.samples.set(k, { logStartOffset: o.logStartOffset, logEndOffset: o.logEndOffset, sampledAtMs: atMs, error: undefined });
      let h = this.histories.get(k);
      if (h === undefined) this.histories.set(k, (h = new EndOffsetHistory()));
      h.add(o.logEndOffset, atMs);
    }
  }

  private logFailure(flow: string, topic: string, err: unknown): void {
    const now = Date.now();
    if (now - this.lastErrorLogAtMs < 60_000) return;
    this.lastErrorLogAtMs = now;
    this.log?.debug({ flow, topic, err: (err as Error).message }, `lag sampling of ${topic} failed; lag figures keep their last sample`);
  }

  /** The latest sample of a partition (undefined before the first). */
  sample(flow: string, topic: string, partition: number): PartitionSample | undefined {
    return this.samples.get(key(flow, topic, partition));
  }

  /**
   * Lag of a partition whose next offset to mirror is `nextToMirror`, at `nowMs`. `oldestUnackedTimestampMs`:
   * source timestamp of the oldest record in flight to the target, when the task knows it (exact seconds).
   */
  lag(flow: string, topic: string, partition: number, nextToMirror: number, nowMs: number, oldestUnackedTimestampMs?: number): PartitionLag {
    const k = key(flow, topic, partition);
    const s = this.samples.get(k);
    if (s === undefined) return { records: undefined, seconds: undefined };
    const records = Math.max(0, s.logEndOffset - nextToMirror);
    if (records === 0) return { records, seconds: 0 };
    const appendedAt = oldestUnackedTimestampMs ?? this.histories.get(k)?.appendedAtMs(nextToMirror);
    return { records, seconds: appendedAt === undefined ? undefined : Math.max(0, Math.round(nowMs - appendedAt)) / 1000 };
  }
}

function key(flow: string, topic: string, partition: number): string {
  return `${flow}\u0000${topic}\u0000${partition}`;
}
