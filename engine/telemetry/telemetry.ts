/**
 * Replication figures through an OpenTelemetry meter: `replication-latency-ms` (histogram: target
 * acknowledgement time − source record timestamp, ms), `replication-records` and `replication-bytes`
 * (counters), `truncation-lost-records` (counter), `heartbeat-latency-ms` (histogram: target acknowledgement
 * time − the heartbeat's emission time, for MM2 heartbeats mirrored through this engine, over every hop),
 * `offset-syncs` and `checkpoints` (counters of records emitted). An in-process reader collects them so the engine
 * can log a summary (p50/p99 latency, records/s, bytes/s); any other OTel reader/exporter can be added.
 *
 * The latency histogram uses the exponential aggregation (base-2 buckets, relative error ≈ 2^(2^-scale) − 1,
 * about 4 % at 160 buckets), so quantiles are computed from OTel's own data, not from a side copy. It is
 * recorded without attributes: OTel hashes a histogram's attributes on every record(), and the summary
 * merges every data point anyway; per-partition latency lives in the {@link PartitionMeter}s.
 *
 * Besides the OTel instruments, plain per-partition figures for the Prometheus export
 * (engine/telemetry/prometheus-export.ts): a {@link PartitionMeter} per mirrored partition (MM2's
 * `MirrorSourceMetrics`), per-flow counts of offset syncs, checkpoints and lost records, and windowed
 * checkpoint / heartbeat latencies. They are read at scrape time with {@link Telemetry.figures}.
 */
import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
  type ExponentialHistogram,
  type IMetricReader,
} from '@opentelemetry/sdk-metrics';
import { PartitionMeter, WindowedStat, type PartitionMeterSnapshot, type WindowedFigures } from './partition-meter.ts';

/** Attributes of the latency histogram: none (see the module doc). */
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** Running totals of one (flow, topic) attribute set, and the meters of its partitions (indexed by partition). */
interface Series {
  attributes: Attributes;
  records: number;
  bytes: number;
  partitions: (PartitionMeter | undefined)[];
}

class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** Totals since start: records, bytes, lost records; latency quantiles in ms (undefined when nothing was mirrored). */
export interface ReplicationSummary {
  records: number;
  bytes: number;
  lostRecords: number;
  latencyP50Ms: number | undefined;
  latencyP99Ms: number | undefined;
  latencyMaxMs: number | undefined;
  /** Records per second between the first and the last acknowledgement (undefined below 2 records). */
  activeRecordsPerSec: number | undefined;
  /** Offset syncs and checkpoints emitted. */
  offsetSyncs: number;
  checkpoints: number;
  /** Heartbeats mirrored, and their latency since emission in ms (undefined when none was mirrored). */
  heartbeats: number;
  heartbeatLatencyP50Ms: number | undefined;
  heartbeatLatencyMaxMs: number | undefined;
}

/** The engine's instruments and a summary view over them. */
export class Telemetry {
  readonly provider: MeterProvider;
  private readonly reader = new PullReader();
  private readonly latency: Histogram;
  /** Running totals of `replication-records` / `replication-bytes` per attribute set, reported at each collection. */
  private readonly series = new Map<string, Series>();
  /** Attributes object → its series: callers that reuse one object per series skip the key building. */
  private readonly seriesByObject = new WeakMap<Attributes, Series>();
  /** Per flow: offset syncs, checkpoints emitted, records lost to truncation. */
  private readonly flowCounts = new Map<string, FlowCounts>();
  /** `flow\0group\0topic\0partition` → checkpoint latency (MM2 `checkpoint-latency-ms`). */
  private readonly checkpointLatency = new Map<string, { labels: CheckpointLabels; stat: WindowedStat }>();
  /** `flow\0topic` → latency of mirrored heartbeats. */
  private readonly heartbeatStats = new Map<string, { flow: string; topic: string; stat: WindowedStat }>();
  private readonly lost: Counter;
  private readonly provenanceSkipped: Counter;
  /** `flow\0topic\0partition` → records not mirrored because they came from the target (provenance header). */
  private readonly provenanceSkippedByPartition = new Map<string, { flow: string; topic: string; partition: number; records: number }>();
  private readonly heartbeatLatency: Histogram;
  private readonly offsetSyncs: Counter;
  private readonly checkpoints: Counter;
  private firstAckAtMs: number | undefined;
  private lastAckAtMs = 0;
  private acked = 0;

  /** `readers` are extra OTel metric readers (e.g. a Prometheus exporter). */
  constructor(options: { readers?: IMetricReader[] } = {}) {
    this.provider = new MeterProvider({
      readers: [this.reader, ...(options.readers ?? [])],
      views: ['replication-latency-ms', 'heartbeat-latency-ms'].map((instrumentName) => ({
        instrumentName,
        aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160, recordMinMax: true } },
      })),
    });
    const meter = this.provider.getMeter('kafka-mirror-engine');
    this.latency = meter.createHistogram('replication-latency-ms', { unit: 'ms', description: 'target ack time minus source record timestamp' });
    // Observable counters over in-process totals: a synchronous Counter hashes its attributes on every
    // add(), twice per mirrored record — about 15 % of the mirror's main thread at 80k records/s.
    const records = meter.createObservableCounter('replication-records', { description: 'records mirrored and acknowledged by the target' });
    const bytes = meter.createObservableCounter('replication-bytes', { unit: 'By', description: 'key+value bytes mirrored' });
    meter.addBatchObservableCallback((result) => {
      for (const s of this.series.values()) {
        result.observe(records, s.records, s.attributes);
        result.observe(bytes, s.bytes, s.attributes);
      }
    }, [records, bytes]);
    this.lost = meter.createCounter('truncation-lost-records', { description: 'records deleted on the source before they were mirrored' });
    this.provenanceSkipped = meter.createCounter('provenance-skipped-records', { description: 'records not mirrored because their provenance header names the target cluster (they would loop)' });
    this.heartbeatLatency = meter.createHistogram('heartbeat-latency-ms', { unit: 'ms', description: 'target ack time of a mirrored MM2 heartbeat minus its emission time (all hops)' });
    this.offsetSyncs = meter.createCounter('offset-syncs', { description: 'offset syncs emitted' });
    this.checkpoints = meter.createCounter('checkpoints', { description: 'consumer-group checkpoints emitted' });
  }

  /**
   * Records one acknowledged record: latency in ms (target ack − source timestamp), size in bytes.
   * `attributes` ({flow, topic}: the source topic) should be one object per topic, reused. With `partition`
   * the record also feeds that partition's {@link PartitionMeter}; `readAtMs` (epoch ms at which the task
   * read it from the source) gives its MM2 `record-age-ms` (default: the acknowledgement time).
   * O(1): a WeakMap hit, an array index and a few additions. `records` (default 1): how many records the
   * acknowledgement covers — the batch data path reports one per record batch, with the newest record's
   * latency and the batch's bytes (the latency histogram then counts batches, not records).
   */
  recordMirrored(latencyMs: number, bytes: number, attributes: Attributes, partition?: number, readAtMs?: number, records = 1): void {
    const now = Date.now();
    this.firstAckAtMs ??= now;
    this.lastAckAtMs = now;
    this.acked += records;
    this.latency.record(Math.max(0, latencyMs), NO_ATTRIBUTES);
    const series = this.seriesOf(attributes);
    series.records += records;
    series.bytes += bytes;
    if (partition !== undefined) {
      const meter = (series.partitions[partition] ??= new PartitionMeter(now));
      // Source timestamp = now − latency; age when read = readAt − timestamp.
      meter.record(latencyMs, readAtMs === undefined ? latencyMs : readAtMs - (now - latencyMs), bytes, now, records);
    }
  }

  /** The running totals of one attribute set (same values = same series, whatever the object). */
  private seriesOf(attributes: Attributes): Series {
    let s = this.seriesByObject.get(attributes);
    if (s === undefined) {
      const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      s = this.series.get(key);
      if (s === undefined) this.series.set(key, (s = { attributes: { ...attributes }, records: 0, bytes: 0, partitions: [] }));
      this.seriesByObject.set(attributes, s);
    }
    return s;
  }

  private countsOf(flow: unknown): FlowCounts {
    const name = String(flow ?? '');
    let c = this.flowCounts.get(name);
    if (c === undefined) this.flowCounts.set(name, (c = { offsetSyncs: 0, checkpoints: 0, lostRecords: 0 }));
    return c;
  }

  /** Adds `count` records lost to source truncation (`attributes.flow` names the flow). */
  recordLost(count: number, attributes: Attributes): void {
    this.lost.add(count, attributes);
    this.countsOf(attributes.flow).lostRecords += count;
  }

  /**
   * Counts one record not mirrored because its provenance header names the flow's target cluster
   * (engine/replicate/provenance.ts); `attributes`: {flow, topic} with the SOURCE topic.
   */
  recordProvenanceSkipped(attributes: { flow: string; topic: string }, partition: number): void {
    this.provenanceSkipped.add(1, attributes);
    const key = `${attributes.flow}\u0000${attributes.topic}\u0000${partition}`;
    let c = this.provenanceSkippedByPartition.get(key);
    if (c === undefined) this.provenanceSkippedByPartition.set(key, (c = { flow: attributes.flow, topic: attributes.topic, partition, records: 0 }));
    c.records++;
  }

  /** Records the replication latency of one mirrored heartbeat, ms since its emission (`attributes`: {flow, topic}). */
  recordHeartbeatLatency(latencyMs: number, attributes: Attributes): void {
    this.heartbeatLatency.record(Math.max(0, latencyMs), attributes);
    const flow = String(attributes.flow ?? '');
    const topic = String(attributes.topic ?? '');
    const key = `${flow}\u0000${topic}`;
    let h = this.heartbeatStats.get(key);
    if (h === undefined) this.heartbeatStats.set(key, (h = { flow, topic, stat: new WindowedStat(Date.now()) }));
    h.stat.record(latencyMs, Date.now());
  }

  /** Counts one emitted offset sync (`attributes.flow` names the flow). */
  recordOffsetSync(attributes: Attributes): void {
    this.offsetSyncs.add(1, attributes);
    this.countsOf(attributes.flow).offsetSyncs++;
  }

  /** Counts one emitted checkpoint (`attributes.flow` names the flow). */
  recordCheckpoint(attributes: Attributes): void {
    this.checkpoints.add(1, attributes);
    this.countsOf(attributes.flow).checkpoints++;
  }

  /**
   * Records MM2's `checkpoint-latency-ms` of one checkpoint the target acknowledged: ms from its creation to
   * the acknowledgement (MirrorCheckpointTask.commitRecord). `topic` is the remote topic, as in MM2's tags.
   */
  recordCheckpointLatency(labels: CheckpointLabels, latencyMs: number): void {
    const key = `${labels.flow}\u0000${labels.group}\u0000${labels.topic}\u0000${labels.partition}`;
    let c = this.checkpointLatency.get(key);
    if (c === undefined) this.checkpointLatency.set(key, (c = { labels: { ...labels }, stat: new WindowedStat(Date.now()) }));
    c.stat.record(latencyMs, Date.now());
  }

  /** The plain per-partition, per-flow and per-group figures at `nowMs` (JSON-safe; read at scrape time). */
  figures(nowMs = Date.now()): TelemetryFigures {
    const partitions: PartitionFigures[] = [];
    for (const s of this.series.values()) {
      s.partitions.forEach((meter, partition) => {
        if (meter) partitions.push({ flow: String(s.attributes.flow ?? ''), topic: String(s.attributes.topic ?? ''), partition, ...meter.snapshot(nowMs) });
      });
    }
    return {
      partitions,
      flows: [...this.flowCounts].map(([flow, c]) => ({ flow, ...c })),
      checkpointLatency: [...this.checkpointLatency.values()].map((c) => ({ ...c.labels, latencyMs: c.stat.snapshot(nowMs) })),
      heartbeatLatency: [...this.heartbeatStats.values()].map((h) => ({ flow: h.flow, topic: h.topic, latencyMs: h.stat.snapshot(nowMs) })),
      provenanceSkipped: [...this.provenanceSkippedByPartition.values()].map((c) => ({ ...c })),
    };
  }

  /** Collects the instruments and summarises them over all attributes. */
  async summary(): Promise<ReplicationSummary> {
    return summarize([await this.snapshot()]);
  }

  /**
   * The raw, mergeable figures behind {@link summary} (plain data: it crosses process boundaries, e.g. from
   * the task processes of a `tasks.max` > 1 engine to their supervisor, which merges them with {@link summarize}).
   */
  async snapshot(): Promise<TelemetrySnapshot> {
    const { resourceMetrics } = await this.reader.collect();
    const out: TelemetrySnapshot = {
      records: 0, bytes: 0, lostRecords: 0, offsetSyncs: 0, checkpoints: 0, latency: [], heartbeatLatency: [],
      acked: this.acked, firstAckAtMs: this.firstAckAtMs, lastAckAtMs: this.lastAckAtMs,
    };
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const point of metric.dataPoints) {
          if (metric.dataPointType === DataPointType.SUM) {
            const value = point.value as number;
            if (metric.descriptor.name === 'replication-records') out.records += value;
            if (metric.descriptor.name === 'replication-bytes') out.bytes += value;
            if (metric.descriptor.name === 'truncation-lost-records') out.lostRecords += value;
            if (metric.descriptor.name === 'offset-syncs') out.offsetSyncs += value;
            if (metric.descriptor.name === 'checkpoints') out.checkpoints += value;
          } else if (metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
            (metric.descriptor.name === 'heartbeat-latency-ms' ? out.heartbeatLatency : out.latency).push(point.value as ExponentialHistogram);
          }
        }
      }
    }
    return out;
  }

  /** Shuts the meter provider down (flushes extra readers). */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}

/** Per-flow counts since start. */
export interface FlowCounts {
  offsetSyncs: number;
  checkpoints: number;
  lostRecords: number;
}

/** Labels of MM2's `checkpoint-latency-ms`: flow, consumer group, remote topic, partition. */
export interface CheckpointLabels {
  flow: string;
  group: string;
  topic: string;
  partition: number;
}

/** One partition's {@link PartitionMeterSnapshot} with its flow and source topic. */
export type PartitionFigures = { flow: string; topic: string; partition: number } & PartitionMeterSnapshot;

/** What {@link Telemetry.figures} returns: plain data (it crosses from task processes to the supervisor). */
export interface TelemetryFigures {
  partitions: PartitionFigures[];
  flows: ({ flow: string } & FlowCounts)[];
  checkpointLatency: (CheckpointLabels & { latencyMs: WindowedFigures & { count: number } })[];
  heartbeatLatency: { flow: string; topic: string; latencyMs: WindowedFigures & { count: number } }[];
  /** Records not mirrored per partition because they came from the target (provenance header); SOURCE topic. Absent in reports of older task processes. */
  provenanceSkipped?: { flow: string; topic: string; partition: number; records: number }[];
}

/** Mergeable telemetry of one process: totals, the latency histograms' data points, acknowledgement times (epoch ms). */
export interface TelemetrySnapshot {
  records: number;
  bytes: number;
  lostRecords: number;
  offsetSyncs: number;
  checkpoints: number;
  /** `replication-latency-ms` data points (one per attribute set). */
  latency: ExponentialHistogram[];
  /** `heartbeat-latency-ms` data points. */
  heartbeatLatency: ExponentialHistogram[];
  /** Records acknowledged, and the times of the first and last acknowledgement. */
  acked: number;
  firstAckAtMs: number | undefined;
  lastAckAtMs: number;
}

/**
 * One summary over the snapshots of several processes (or one): totals add up, quantiles come from the
 * merged histograms, the active rate spans the earliest first to the latest last acknowledgement.
 */
export function summarize(snapshots: readonly TelemetrySnapshot[]): ReplicationSummary {
  const sum = (f: (s: TelemetrySnapshot) => number) => snapshots.reduce((n, s) => n + f(s), 0);
  const latency = snapshots.flatMap((s) => s.latency);
  const heartbeat = snapshots.flatMap((s) => s.heartbeatLatency);
  const acked = sum((s) => s.acked);
  const firsts = snapshots.map((s) => s.firstAckAtMs).filter((t): t is number => t !== undefined);
  const first = firsts.length > 0 ? Math.min(...firsts) : undefined;
  const last = Math.max(0, ...snapshots.map((s) => s.lastAckAtMs));
  const activeMs = last - (first ?? last);
  return {
    records: sum((s) => s.records),
    bytes: sum((s) => s.bytes),
    lostRecords: sum((s) => s.lostRecords),
    latencyP50Ms: exponentialQuantile(latency, 0.5),
    latencyP99Ms: exponentialQuantile(latency, 0.99),
    latencyMaxMs: latency.length ? Math.max(...latency.map((h) => h.max ?? 0)) : undefined,
    activeRecordsPerSec: acked > 1 ? (acked - 1) / (Math.max(1, activeMs) / 1000) : undefined,
    offsetSyncs: sum((s) => s.offsetSyncs),
    checkpoints: sum((s) => s.checkpoints),
    heartbeats: heartbeat.reduce((n, h) => n + h.count, 0),
    heartbeatLatencyP50Ms: exponentialQuantile(heartbeat, 0.5),
    heartbeatLatencyMaxMs: heartbeat.length ? Math.max(...heartbeat.map((h) => h.max ?? 0)) : undefined,
  };
}

/**
 * Quantile `q` (0..1) over exponential histograms (non-negative values), ms. Buckets of different
 * data points are merged by value; each bucket contributes its upper bound base^(index+1), clamped to max.
 * Undefined when the histograms are empty.
 */
export function exponentialQuantile(histograms: readonly ExponentialHistogram[], q: number): number | undefined {
  const buckets: { upper: number; count: number }[] = [];
  let total = 0;
  let zero = 0;
  let max = 0;
  for (const h of histograms) {
    total += h.count;
    zero += h.zeroCount;
    max = Math.max(max, h.max ?? 0);
    const base = Math.pow(2, Math.pow(2, -h.scale));
    h.positive.bucketCounts.forEach((count, i) => {
      if (count > 0) buckets.push({ upper: Math.pow(base, h.positive.offset + i + 1), count });
    });
  }
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = zero;
  if (seen >= rank) return 0;
  buckets.sort((a, b) => a.upper - b.upper);
  for (const b of buckets) {
    seen += b.count;
    if (seen >= rank) return Math.min(b.upper, max);
  }
  return max;
}
