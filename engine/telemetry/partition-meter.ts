/**
 * Per-partition replication figures as MM2's `MirrorSourceMetrics` keeps them, with the statistics of
 * Kafka's metrics library (org.apache.kafka.common.metrics): `record-count` / `byte-count` (cumulative),
 * `record-rate` / `byte-rate` (a `Meter`: `Rate` over the samples), `record-age-ms` and
 * `replication-latency-ms` (`Value`: the last one) with `-min` / `-max` / `-avg` (`SampledStat`s).
 * Kafka's default `MetricConfig` is used: 2 samples of 30 s, a sample older than 2 × 30 s is obsolete.
 *
 * Hot path: {@link PartitionMeter.record} runs once per acknowledged record; it only adds and compares
 * numbers in two preallocated samples (no allocation, no lookup, no attribute hashing). Everything
 * else (rates, averages, obsolete samples) happens in {@link PartitionMeter.snapshot}, at scrape time.
 */

/** Kafka `MetricConfig` defaults: `metrics.sample.window.ms` 30 000 ms, `metrics.num.samples` 2. */
export const SAMPLE_WINDOW_MS = 30_000;
/** Number of samples a windowed statistic spans (Kafka `metrics.num.samples`). */
export const SAMPLES = 2;

/** One sample window of a partition: records, bytes and the latency / age statistics in it (ms). */
class Sample {
  /** Epoch ms at which this window started (Kafka `Sample.lastWindowMs`). */
  startMs = 0;
  records = 0;
  bytes = 0;
  latencySum = 0;
  latencyMin = Infinity;
  latencyMax = -Infinity;
  ageSum = 0;
  ageMin = Infinity;
  ageMax = -Infinity;

  reset(startMs: number): void {
    this.startMs = startMs;
    this.records = 0;
    this.bytes = 0;
    this.latencySum = 0;
    this.latencyMin = Infinity;
    this.latencyMax = -Infinity;
    this.ageSum = 0;
    this.ageMin = Infinity;
    this.ageMax = -Infinity;
  }
}

/** `last` (Kafka `Value`), and `min` / `max` / `avg` over the live samples (NaN when they hold no value, as Kafka's). In ms. */
export interface WindowedFigures {
  last: number;
  min: number;
  max: number;
  avg: number;
}

/** Plain, JSON-safe figures of one partition at one instant (crosses the task → supervisor IPC channel). */
export interface PartitionMeterSnapshot {
  /** Records acknowledged by the target since start (MM2 `record-count`). */
  recordCount: number;
  /** Key + value bytes of those records (MM2 `byte-count`). */
  byteCount: number;
  /** Records per second over the live samples (MM2 `record-rate`, Kafka `Rate` semantics). */
  recordRate: number;
  /** Bytes per second (MM2 `byte-rate`). */
  byteRate: number;
  /** Target acknowledgement time − source record timestamp, ms (MM2 `replication-latency-ms`). */
  replicationLatencyMs: WindowedFigures;
  /** Time the record was read from the source − its timestamp, ms (MM2 `record-age-ms`). */
  recordAgeMs: WindowedFigures;
  /** Epoch ms of the last acknowledgement (undefined before the first). */
  lastAckAtMs: number | undefined;
}

/**
 * The running figures of one mirrored partition. Invariant: `current.startMs >= previous.startMs`, and the
 * two samples never overlap; a sample starts at the first record at least {@link SAMPLE_WINDOW_MS} after
 * the current one started (Kafka `SampledStat.record`).
 */
export class PartitionMeter {
  private current = new Sample();
  private previous = new Sample();
  private records = 0;
  private bytes = 0;
  private lastLatencyMs = NaN;
  private lastAgeMs = NaN;
  private lastAckAtMs: number | undefined;

  /** `nowMs`: creation time (epoch ms), the start of the first sample. */
  constructor(nowMs: number) {
    this.current.startMs = nowMs;
    this.previous.startMs = nowMs - SAMPLE_WINDOW_MS * SAMPLES; // obsolete from the start
  }

  /**
   * One record acknowledged at `nowMs` (epoch ms): `latencyMs` since its source timestamp, `ageMs` when it
   * was read from the source (negative values — clock skew — count as 0, as OTel's histogram does here), `bytes`.
   * `records` (default 1): records this acknowledgement covers (a record batch); latency and age are sampled once.
   */
  record(latencyMs: number, ageMs: number, bytes: number, nowMs: number, records = 1): void {
    let s = this.current;
    if (nowMs - s.startMs >= SAMPLE_WINDOW_MS) {
      s = this.previous;
      this.previous = this.current;
      this.current = s;
      s.reset(nowMs);
    }
    const latency = latencyMs > 0 ? latencyMs : 0;
    const age = ageMs > 0 ? ageMs : 0;
    this.records += records;
    this.bytes += bytes;
    this.lastLatencyMs = latency;
    this.lastAgeMs = age;
    this.lastAckAtMs = nowMs;
    s.records += records;
    s.bytes += bytes;
    s.latencySum += latency * records;
    if (latency < s.latencyMin) s.latencyMin = latency;
    if (latency > s.latencyMax) s.latencyMax = latency;
    s.ageSum += age * records;
    if (age < s.ageMin) s.ageMin = age;
    if (age > s.ageMax) s.ageMax = age;
  }

  /** The figures at `nowMs`: samples that started 2 × 30 s before it or earlier are obsolete (Kafka `purgeObsoleteSamples`). */
  snapshot(nowMs: number): PartitionMeterSnapshot {
    const live = [this.previous, this.current].filter((s) => nowMs - s.startMs < SAMPLE_WINDOW_MS * SAMPLES);
    const records = live.reduce((n, s) => n + s.records, 0);
    const windowSec = rateWindowMs(live, nowMs) / 1000;
    const figures = (last: number, sum: (s: Sample) => number, min: (s: Sample) => number, max: (s: Sample) => number): WindowedFigures => ({
      last,
      min: records > 0 ? Math.min(...live.map(min)) : NaN,
      max: records > 0 ? Math.max(...live.map(max)) : NaN,
      avg: records > 0 ? live.reduce((n, s) => n + sum(s), 0) / records : NaN,
    });
    return {
      recordCount: this.records,
      byteCount: this.bytes,
      recordRate: records / windowSec,
      byteRate: live.reduce((n, s) => n + s.bytes, 0) / windowSec,
      replicationLatencyMs: figures(this.lastLatencyMs, (s) => s.latencySum, (s) => s.latencyMin, (s) => s.latencyMax),
      recordAgeMs: figures(this.lastAgeMs, (s) => s.ageSum, (s) => s.ageMin, (s) => s.ageMax),
      lastAckAtMs: this.lastAckAtMs,
    };
  }
}

/**
 * The time a Kafka `Rate` divides by (`Rate.windowSize`): from the start of the oldest live sample to now,
 * stretched to at least (samples − 1) full windows so a young meter does not report a burst as a huge rate.
 */
function rateWindowMs(live: readonly Sample[], nowMs: number): number {
  const oldest = live.length > 0 ? Math.min(...live.map((s) => s.startMs)) : nowMs;
  let elapsed = nowMs - oldest;
  const fullWindows = Math.floor(elapsed / SAMPLE_WINDOW_MS);
  if (fullWindows < SAMPLES - 1) elapsed += (SAMPLES - 1 - fullWindows) * SAMPLE_WINDOW_MS;
  return Math.max(1, elapsed);
}

/**
 * One windowed latency-like statistic (ms) with Kafka's `Value`, `Min`, `Max`, `Avg` over the same two
 * 30 s samples as {@link PartitionMeter}: MM2's `checkpoint-latency-ms` (+`-min/-max/-avg`), and the
 * heartbeat latency. For low-volume events (one record per checkpoint or heartbeat), not the data path.
 */
export class WindowedStat {
  private current = { startMs: 0, count: 0, sum: 0, min: Infinity, max: -Infinity };
  private previous = { startMs: 0, count: 0, sum: 0, min: Infinity, max: -Infinity };
  private last = NaN;
  private total = 0;

  /** `nowMs`: creation time (epoch ms). */
  constructor(nowMs: number) {
    this.current.startMs = nowMs;
    this.previous.startMs = nowMs - SAMPLE_WINDOW_MS * SAMPLES;
  }

  /** Records `valueMs` at `nowMs` (negative values count as 0). */
  record(valueMs: number, nowMs: number): void {
    if (nowMs - this.current.startMs >= SAMPLE_WINDOW_MS) {
      const s = this.previous;
      this.previous = this.current;
      this.current = s;
      Object.assign(s, { startMs: nowMs, count: 0, sum: 0, min: Infinity, max: -Infinity });
    }
    const v = valueMs > 0 ? valueMs : 0;
    const s = this.current;
    s.count++;
    s.sum += v;
    if (v < s.min) s.min = v;
    if (v > s.max) s.max = v;
    this.last = v;
    this.total++;
  }

  /** `last`, and `min` / `max` / `avg` over the live samples at `nowMs` (NaN when none holds a value); `count` since start. */
  snapshot(nowMs: number): WindowedFigures & { count: number } {
    const live = [this.previous, this.current].filter((s) => nowMs - s.startMs < SAMPLE_WINDOW_MS * SAMPLES && s.count > 0);
    const count = live.reduce((n, s) => n + s.count, 0);
    return {
      last: this.last,
      min: count > 0 ? Math.min(...live.map((s) => s.min)) : NaN,
      max: count > 0 ? Math.max(...live.map((s) => s.max)) : NaN,
      avg: count > 0 ? live.reduce((n, s) => n + s.sum, 0) / count : NaN,
      count: this.total,
    };
  }
}
