/**
 * `/metrics` in the Prometheus text format (prom-client). MM2's metrics under the names Strimzi's
 * JMX-exporter rules give them (`kafka_connect_mirror_<connector class lower-case>_<metric, - → _>`), so
 * existing MM2 dashboards and alerts work unchanged: same names, same labels (`source`, `target`, `topic` —
 * the REMOTE topic, as MM2 tags it, MirrorSourceMetrics — `partition`; `group` for checkpoints), gauges as
 * Strimzi exports them. Ours are prefixed `kafka_mirror_`, with units in their names, and use the same
 * labels so they join with MM2's. Process metrics are prom-client's defaults, prefixed `kafka_mirror_`.
 *
 * Values are read at scrape time from an {@link EngineStatus} and the reports behind it: nothing here runs
 * per record. {@link METRICS} is the one list of names, types, labels and help texts (a test holds it).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineReport, EngineStatus, PartitionStatus } from './engine-status.ts';
import type { WindowedFigures } from './partition-meter.ts';

const P = ['source', 'target', 'topic', 'partition'] as const;
const C = ['source', 'target', 'group', 'topic', 'partition'] as const;
const F = ['source', 'target'] as const;
const SOURCE = 'kafka_connect_mirror_mirrorsourceconnector_';
const CHECKPOINT = 'kafka_connect_mirror_mirrorcheckpointconnector_';

/** Every exported metric (besides prom-client's process defaults): name, type, labels, help. */
export const METRICS = {
  recordCount: { name: `${SOURCE}record_count`, type: 'gauge', labels: P, help: 'Number of source records replicated to the target cluster (MM2 record-count).' },
  recordRate: { name: `${SOURCE}record_rate`, type: 'gauge', labels: P, help: 'Average number of source records replicated to the target cluster per second (MM2 record-rate).' },
  recordAge: { name: `${SOURCE}record_age_ms`, type: 'gauge', labels: P, help: 'The age of incoming source records when replicated to the target cluster, ms (MM2 record-age-ms).' },
  recordAgeMin: { name: `${SOURCE}record_age_ms_min`, type: 'gauge', labels: P, help: 'The min age of incoming source records when replicated to the target cluster, ms.' },
  recordAgeMax: { name: `${SOURCE}record_age_ms_max`, type: 'gauge', labels: P, help: 'The max age of incoming source records when replicated to the target cluster, ms.' },
  recordAgeAvg: { name: `${SOURCE}record_age_ms_avg`, type: 'gauge', labels: P, help: 'The average age of incoming source records when replicated to the target cluster, ms.' },
  byteCount: { name: `${SOURCE}byte_count`, type: 'gauge', labels: P, help: 'Number of bytes replicated to the target cluster (MM2 byte-count; key + value).' },
  byteRate: { name: `${SOURCE}byte_rate`, type: 'gauge', labels: P, help: 'Average number of bytes replicated per second (MM2 byte-rate).' },
  latency: { name: `${SOURCE}replication_latency_ms`, type: 'gauge', labels: P, help: 'Time it takes records to replicate from source to target cluster, ms (MM2 replication-latency-ms).' },
  latencyMin: { name: `${SOURCE}replication_latency_ms_min`, type: 'gauge', labels: P, help: 'Min time it takes records to replicate from source to target cluster, ms.' },
  latencyMax: { name: `${SOURCE}replication_latency_ms_max`, type: 'gauge', labels: P, help: 'Max time it takes records to replicate from source to target cluster, ms.' },
  latencyAvg: { name: `${SOURCE}replication_latency_ms_avg`, type: 'gauge', labels: P, help: 'Average time it takes records to replicate from source to target cluster, ms.' },
  checkpointLatency: { name: `${CHECKPOINT}checkpoint_latency_ms`, type: 'gauge', labels: C, help: 'Time it takes consumer group offsets to replicate from source to target cluster, ms (MM2 checkpoint-latency-ms).' },
  checkpointLatencyMin: { name: `${CHECKPOINT}checkpoint_latency_ms_min`, type: 'gauge', labels: C, help: 'Min time it takes consumer group offsets to replicate from source to target cluster, ms.' },
  checkpointLatencyMax: { name: `${CHECKPOINT}checkpoint_latency_ms_max`, type: 'gauge', labels: C, help: 'Max time it takes consumer group offsets to replicate from source to target cluster, ms.' },
  checkpointLatencyAvg: { name: `${CHECKPOINT}checkpoint_latency_ms_avg`, type: 'gauge', labels: C, help: 'Average time it takes consumer group offsets to replicate from source to target cluster, ms.' },
  lagRecords: { name: 'kafka_mirror_replication_lag_records', type: 'gauge', labels: P, help: 'Source log end (high watermark, or last stable offset under read_committed) minus the next offset to mirror, records.' },
  lagSeconds: { name: 'kafka_mirror_replication_lag_seconds', type: 'gauge', labels: P, help: 'Age of the oldest source record not yet acknowledged by the target, s (0 when caught up).' },
  partitionState: { name: 'kafka_mirror_partition_state', type: 'gauge', labels: [...P, 'state'], help: 'Partition state: 1 for the current one of MIRRORING, WAITING_FOR_TOPIC, REMOVED, FAILED.' },
  sourceLogStart: { name: 'kafka_mirror_source_log_start_offset', type: 'gauge', labels: P, help: 'Log start offset of the source partition (last sample).' },
  sourceLogEnd: { name: 'kafka_mirror_source_log_end_offset', type: 'gauge', labels: P, help: 'Log end offset of the source partition (high watermark, or LSO under read_committed; last sample).' },
  nextOffset: { name: 'kafka_mirror_next_offset', type: 'gauge', labels: P, help: 'Next source offset to mirror (every record below it is acknowledged by the target).' },
  lostRecords: { name: 'kafka_mirror_truncation_lost_records_total', type: 'counter', labels: P, help: 'Records deleted on the source before they were mirrored (truncation gaps), records.' },
  truncations: { name: 'kafka_mirror_truncation_events_total', type: 'counter', labels: P, help: 'Log truncations detected.' },
  topicResets: { name: 'kafka_mirror_topic_resets_total', type: 'counter', labels: P, help: 'Topic resets detected (source topic deleted and recreated: new topic ID).' },
  divergences: { name: 'kafka_mirror_log_divergences_total', type: 'counter', labels: P, help: 'Log divergences detected (source log end below the mirrored position, same topic ID).' },
  provenanceSkipped: { name: 'kafka_mirror_provenance_skipped_records_total', type: 'counter', labels: P, help: 'Records not mirrored because their provenance header (kafka-mirror.origin) names the target cluster: copies that would loop (active-active), records.' },
  offsetSyncs: { name: 'kafka_mirror_offset_syncs_total', type: 'counter', labels: F, help: 'Offset syncs emitted.' },
  checkpoints: { name: 'kafka_mirror_checkpoints_total', type: 'counter', labels: F, help: 'Consumer-group checkpoints emitted.' },
  heartbeatLatency: { name: 'kafka_mirror_heartbeat_latency_ms', type: 'gauge', labels: [...F, 'topic'], help: 'Target acknowledgement time of the last mirrored MM2 heartbeat minus its emission time (all hops), ms.' },
  heartbeatLatencyMax: { name: 'kafka_mirror_heartbeat_latency_ms_max', type: 'gauge', labels: [...F, 'topic'], help: 'Max heartbeat latency over the last 30-60 s, ms.' },
  flowFailed: { name: 'kafka_mirror_flow_failed', type: 'gauge', labels: F, help: '1 when the flow stopped on a fatal error (truncation under policy fail, divergence, delivery failure).' },
  ready: { name: 'kafka_mirror_ready', type: 'gauge', labels: [], help: '1 when every assigned partition is past its start checks and none failed (GET /ready).' },
  uptime: { name: 'kafka_mirror_uptime_seconds', type: 'gauge', labels: [], help: 'Seconds since the engine started.' },
  taskRss: { name: 'kafka_mirror_task_resident_memory_bytes', type: 'gauge', labels: ['task'], help: 'Resident memory of each task process (tasks.max > 1), bytes.' },
  taskCpu: { name: 'kafka_mirror_task_cpu_seconds_total', type: 'counter', labels: ['task', 'mode'], help: 'CPU time of each task process (tasks.max > 1), s, by mode (user, system).' },
} as const satisfies Record<string, { name: string; type: 'gauge' | 'counter'; labels: readonly string[]; help: string }>;

type MetricKey = keyof typeof METRICS;
type Instrument = Gauge | Counter;

/** The states `kafka_mirror_partition_state` enumerates (engine/partitions/partition-state.ts). */
const STATES = ['MIRRORING', 'WAITING_FOR_TOPIC', 'REMOVED', 'FAILED'];

/** A prom-client registry over {@link METRICS}; {@link render} fills it from a status and its reports. */
export class PrometheusExport {
  readonly registry = new Registry();
  private readonly instruments: Record<MetricKey, Instrument>;

  /** `processMetrics` (default true): prom-client's process and Node.js metrics, prefixed `kafka_mirror_`. */
  constructor(options: { processMetrics?: boolean } = {}) {
    const instruments: Partial<Record<MetricKey, Instrument>> = {};
    for (const [key, m] of Object.entries(METRICS) as [MetricKey, (typeof METRICS)[MetricKey]][]) {
      const config = { name: m.name, help: m.help, labelNames: [...m.labels], registers: [this.registry] };
      instruments[key] = m.type === 'counter' ? new Counter(config) : new Gauge(config);
    }
    this.instruments = instruments as Record<MetricKey, Instrument>;
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'kafka_mirror_' });
  }

  /** Content-Type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for `status` (built from `reports`). */
  async render(status: EngineStatus, reports: readonly EngineReport[]): Promise<string> {
    for (const i of Object.values(this.instruments)) i.reset();
    const set = (key: MetricKey, labels: Record<string, string>, value: number | null | undefined) => {
      const i = this.instruments[key];
      const v = typeof value === 'number' ? value : NaN;
      if (i instanceof Counter) {
        if (Number.isFinite(v) && v > 0) i.inc(labels, v);
        else i.inc(labels, 0);
      } else i.set(labels, v);
    };
    const flowAliases = new Map(status.flows.map((f) => [f.name, { source: f.source, target: f.target }]));
    for (const p of status.partitions) this.setPartition(p, set);
    for (const r of reports) {
      for (const c of r.telemetry.checkpointLatency) {
        const labels = { ...(flowAliases.get(c.flow) ?? { source: '', target: '' }), group: c.group, topic: c.topic, partition: String(c.partition) };
        setWindowed(set, ['checkpointLatency', 'checkpointLatencyMin', 'checkpointLatencyMax', 'checkpointLatencyAvg'], labels, c.latencyMs);
      }
      for (const h of r.telemetry.heartbeatLatency) {
        const labels = { ...(flowAliases.get(h.flow) ?? { source: '', target: '' }), topic: h.topic };
        set('heartbeatLatency', labels, num(h.latencyMs.last));
        set('heartbeatLatencyMax', labels, num(h.latencyMs.max));
      }
      for (const k of r.telemetry.provenanceSkipped ?? []) {
        const p = status.partitions.find((x) => x.flow === k.flow && x.topic === k.topic && x.partition === k.partition);
        const labels = { ...(flowAliases.get(k.flow) ?? { source: '', target: '' }), topic: p?.remoteTopic ?? k.topic, partition: String(k.partition) };
        set('provenanceSkipped', labels, k.records);
      }
      if (status.engine.mode === 'multi-process' && r.task !== undefined) {
        set('taskRss', { task: String(r.task) }, r.process.rssBytes);
        set('taskCpu', { task: String(r.task), mode: 'user' }, r.process.cpuUserSeconds);
        set('taskCpu', { task: String(r.task), mode: 'system' }, r.process.cpuSystemSeconds);
      }
    }
    for (const f of status.flows) {
      const labels = { source: f.source, target: f.target };
      set('offsetSyncs', labels, f.offsetSyncs);
      set('checkpoints', labels, f.checkpoints);
      set('flowFailed', labels, f.state === 'FAILED' ? 1 : 0);
    }
    set('ready', {}, status.engine.ready ? 1 : 0);
    set('uptime', {}, status.engine.uptimeMs / 1000);
    return this.registry.metrics();
  }

  private setPartition(p: PartitionStatus, set: (key: MetricKey, labels: Record<string, string>, value: number | null | undefined) => void): void {
    const labels = { source: p.source, target: p.target, topic: p.remoteTopic, partition: String(p.partition) };
    set('recordCount', labels, p.recordsMirrored);
    set('byteCount', labels, p.bytesMirrored);
    set('recordRate', labels, p.recordRate);
    set('byteRate', labels, p.byteRate);
    setWindowed(set, ['latency', 'latencyMin', 'latencyMax', 'latencyAvg'], labels, p.replicationLatencyMs);
    setWindowed(set, ['recordAge', 'recordAgeMin', 'recordAgeMax', 'recordAgeAvg'], labels, p.recordAgeMs);
    set('lagRecords', labels, p.lagRecords);
    set('lagSeconds', labels, p.lagSeconds);
    set('sourceLogStart', labels, p.sourceLogStartOffset);
    set('sourceLogEnd', labels, p.sourceLogEndOffset);
    set('nextOffset', labels, p.nextOffset);
    for (const state of STATES) set('partitionState', { ...labels, state }, p.state === state ? 1 : 0);
    set('lostRecords', labels, p.lostRecords);
    set('truncations', labels, p.truncations);
    set('topicResets', labels, p.topicResets);
    set('divergences', labels, p.divergences);
  }
}

function setWindowed(
  set: (key: MetricKey, labels: Record<string, string>, value: number | null | undefined) => void,
  keys: [MetricKey, MetricKey, MetricKey, MetricKey],
  labels: Record<string, string>,
  f: WindowedFigures | null,
): void {
  set(keys[0], labels, num(f?.last));
  set(keys[1], labels, num(f?.min));
  set(keys[2], labels, num(f?.max));
  set(keys[3], labels, num(f?.avg));
}

/** A finite number, else NaN (JSON turns NaN into null on its way from a task process). */
function num(v: number | null | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}
