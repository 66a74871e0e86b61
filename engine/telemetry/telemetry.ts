/**
 * Replication figures through an OpenTelemetry meter: `replication-latency-ms` (histogram: target
 * acknowledgement time − source record timestamp, ms), `replication-records` and `replication-bytes`
 * (counters), `truncation-lost-records` (counter), `heartbeat-latency-ms` (histogram: target acknowledgement
 * time − the heartbeat's emission time, for MM2 heartbeats mirrored through this engine, over every hop),
 * `offset-syncs` and `checkpoints` (counters of records emitted). An in-process reader collects them so the engine
 * can log a summary (p50/p99 latency, records/s, bytes/s); any other OTel reader/exporter can be added.
 *
 * The latency histogram uses the exponential aggregation (base-2 buckets, relative error ≈ 2^(2^-scale) − 1,
 * about 4 % at 160 buckets), so quantiles are computed from OTel's own data, not from a side copy.
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
  private readonly series = new Map<string, { attributes: Attributes; records: number; bytes: number }>();
  /** Attributes object → its series: callers that reuse one object per series skip the key building. */
  private readonly seriesByObject = new WeakMap<Attributes, { attributes: Attributes; records: number; bytes: number }>();
  private readonly lost: Counter;
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
    this.heartbeatLatency = meter.createHistogram('heartbeat-latency-ms', { unit: 'ms', description: 'target ack time of a mirrored MM2 heartbeat minus its emission time (all hops)' });
    this.offsetSyncs = meter.createCounter('offset-syncs', { description: 'offset syncs emitted' });
    this.checkpoints = meter.createCounter('checkpoints', { description: 'consumer-group checkpoints emitted' });
  }

  /** Records one acknowledged record: latency in ms, size in bytes. */
  recordMirrored(latencyMs: number, bytes: number, attributes: Attributes): void {
    const now = Date.now();
    this.firstAckAtMs ??= now;
    this.lastAckAtMs = now;
    this.acked++;
    this.latency.record(Math.max(0, latencyMs), attributes);
    const series = this.seriesOf(attributes);
    series.records++;
    series.bytes += bytes;
  }

  /** The running totals of one attribute set (same values = same series, whatever the object). */
  private seriesOf(attributes: Attributes): { attributes: Attributes; records: number; bytes: number } {
    let s = this.seriesByObject.get(attributes);
    if (s === undefined) {
      const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      s = this.series.get(key);
      if (s === undefined) this.series.set(key, (s = { attributes: { ...attributes }, records: 0, bytes: 0 }));
      this.seriesByObject.set(attributes, s);
    }
    return s;
  }

  /** Adds `count` records lost to source truncation. */
  recordLost(count: number, attributes: Attributes): void {
    this.lost.add(count, attributes);
  }

  /** Records the replication latency of one mirrored heartbeat, ms since its emission. */
  recordHeartbeatLatency(latencyMs: number, attributes: Attributes): void {
    this.heartbeatLatency.record(Math.max(0, latencyMs), attributes);
  }

  /** Counts one emitted offset sync. */
  recordOffsetSync(attributes: Attributes): void {
    this.offsetSyncs.add(1, attributes);
  }

  /** Counts one emitted checkpoint. */
  recordCheckpoint(attributes: Attributes): void {
    this.checkpoints.add(1, attributes);
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
