import { describe, expect, it } from 'vitest';
import { buildStatus, type EngineReport } from './engine-status.ts';
import { EventJournal } from './event-journal.ts';
import { LagSampler } from './lag-sampler.ts';
import { METRICS, PrometheusExport } from './prometheus-export.ts';
import { Telemetry } from './telemetry.ts';

/**
 * THE list of exported metric names and labels (issue 13): MM2's under Strimzi's JMX-exporter names, then ours.
 * Changing a name breaks users' dashboards and alerts: this list changes only on purpose.
 */
const EXPECTED: Record<string, string[]> = {
  kafka_connect_mirror_mirrorsourceconnector_record_count: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorsourceconnector_record_rate: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorsourceconnector_record_age_ms: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorsourceconnector_record_age_ms_min: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorsourceconnector_record_age_ms_max: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorsourceconnector_record_age_ms_avg: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorsourceconnector_byte_count: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorsourceconnector_byte_rate: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_min: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_avg: ['source', 'target', 'topic', 'partition'],
  kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms: ['source', 'target', 'group', 'topic', 'partition'],
  kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms_min: ['source', 'target', 'group', 'topic', 'partition'],
  kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms_max: ['source', 'target', 'group', 'topic', 'partition'],
  kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms_avg: ['source', 'target', 'group', 'topic', 'partition'],
  kafka_mirror_replication_lag_records: ['source', 'target', 'topic', 'partition'],
  kafka_mirror_replication_lag_seconds: ['source', 'target', 'topic', 'partition'],
  kafka_mirror_partition_state: ['source', 'target', 'topic', 'partition', 'state'],
  kafka_mirror_source_log_start_offset: ['source', 'target', 'topic', 'partition'],
  kafka_mirror_source_log_end_offset: ['source', 'target', 'topic', 'partition'],
  kafka_mirror_next_offset: ['source', 'target', 'topic', 'partition'],
  kafka_mirror_truncation_lost_records_total: ['source', 'target', 'topic', 'partition'],
  kafka_mirror_truncation_events_total: ['source', 'target', 'topic', 'partition'],
  kafka_mirror_topic_resets_total: ['source', 'target', 'topic', 'partition'],
  kafka_mirror_log_divergences_total: ['source', 'target', 'topic', 'partition'],
  kafka_mirror_provenance_skipped_records_total: ['source', 'target', 'topic', 'partition'],
  kafka_mirror_offset_syncs_total: ['source', 'target'],
  kafka_mirror_checkpoints_total: ['source', 'target'],
  kafka_mirror_heartbeat_latency_ms: ['source', 'target', 'topic'],
  kafka_mirror_heartbeat_latency_ms_max: ['source', 'target', 'topic'],
  kafka_mirror_flow_failed: ['source', 'target'],
  kafka_mirror_ready: [],
  kafka_mirror_uptime_seconds: [],
  kafka_mirror_task_resident_memory_bytes: ['task'],
  kafka_mirror_task_cpu_seconds_total: ['task', 'mode'],
};

/** One engine report with one mirrored partition, a truncation, a checkpoint and a heartbeat. */
function report(t: Telemetry, journal: EventJournal, task?: number): EngineReport {
  return {
    task, pid: 42, startedAtMs: 1000, reportedAtMs: Date.now(), phase: 'running',
    flows: [{ name: 'primary->standby', source: 'primary', target: 'standby', readCommitted: true, state: 'RUNNING' }],
    partitions: [{ flow: 'primary->standby', topic: 'commit-log', remoteTopic: 'primary.commit-log', partition: 0, topicId: 'AAAA', state: 'MIRRORING', nextOffset: 10, ackedNextOffset: 10 }],
    telemetry: t.figures(), journal: journal.snapshot(),
    process: { rssBytes: 1, heapUsedBytes: 1, cpuUserSeconds: 1, cpuSystemSeconds: 1 },
  };
}

/** `name{labels} value` lines of the exposition, as [name, labels, value]. */
function samples(text: string): [string, Record<string, string>, string][] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (.+)$/.exec(l)!;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    return [m[1]!, labels, m[3]!];
  });
}

describe('Prometheus export', () => {
  it('declares exactly the agreed names and labels', () => {
    expect(Object.fromEntries(Object.values(METRICS).map((m) => [m.name, [...m.labels]]))).toEqual(EXPECTED);
  });

  it('exports every metric with those labels from an engine report; the partition carries its remote topic', async () => {
    const t = new Telemetry();
    const attrs = { flow: 'primary->standby', topic: 'commit-log' };
    t.recordMirrored(12, 100, attrs, 0, Date.now() - 20);
    t.recordMirrored(8, 50, attrs, 0, Date.now() - 20);
    t.recordOffsetSync({ flow: 'primary->standby', reason: 'interval' });
    t.recordCheckpoint({ flow: 'primary->standby' });
    t.recordCheckpointLatency({ flow: 'primary->standby', group: 'g1', topic: 'primary.commit-log', partition: 0 }, 7);
    t.recordHeartbeatLatency(30, { flow: 'primary->standby', topic: 'heartbeats' });
    t.recordProvenanceSkipped(attrs, 0);
    t.recordProvenanceSkipped(attrs, 0);
    const journal = new EventJournal();
    journal.add({ event: 'log_truncation_detected', flow: 'primary->standby', topic: 'commit-log', partition: 0, gap: 500, expectedOffset: 10, logStartOffset: 510 });
    const source = { partitionOffsets: async () => new Map([['commit-log-0', { logStartOffset: 510, logEndOffset: 700 }]]) };
    const lag = new LagSampler({ flows: [{ name: 'primary->standby', readCommitted: true, reader: source, partitions: () => [{ topic: 'commit-log', partition: 0 }] }] });
    await lag.sampleNow();
    const reports = [report(t, journal, 0)];
    const status = buildStatus(reports, lag, { version: '0.1.0', mode: 'multi-process', pid: 1, startedAtMs: 0, phase: 'running', expectedTasks: 1, staleAfterMs: 5000 });
    const text = await new PrometheusExport({ processMetrics: false }).render(status, reports);
    const got = samples(text);
    for (const [name, labels] of Object.entries(EXPECTED)) {
      const hits = got.filter(([n]) => n === name);
      expect(hits.length, name).toBeGreaterThan(0);
      for (const [, l] of hits) expect(Object.keys(l).sort(), name).toEqual([...labels].sort());
    }
    const value = (name: string, extra: Record<string, string> = {}) => got.find(([n, l]) => n === name && Object.entries(extra).every(([k, v]) => l[k] === v))?.[2];
    const P = { source: 'primary', target: 'standby', topic: 'primary.commit-log', partition: '0' };
    expect(value('kafka_connect_mirror_mirrorsourceconnector_record_count', P)).toBe('2');
    expect(value('kafka_connect_mirror_mirrorsourceconnector_byte_count', P)).toBe('150');
    expect(value('kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max', P)).toBe('12');
    expect(value('kafka_mirror_replication_lag_records', P)).toBe('690');
    expect(value('kafka_mirror_truncation_lost_records_total', P)).toBe('500');
    expect(value('kafka_mirror_truncation_events_total', P)).toBe('1');
    expect(value('kafka_mirror_partition_state', { ...P, state: 'MIRRORING' })).toBe('1');
    expect(value('kafka_mirror_partition_state', { ...P, state: 'FAILED' })).toBe('0');
    expect(value('kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms', { group: 'g1' })).toBe('7');
    expect(value('kafka_mirror_offset_syncs_total')).toBe('1');
    expect(value('kafka_mirror_provenance_skipped_records_total', P)).toBe('2');
    expect(value('kafka_mirror_heartbeat_latency_ms', { topic: 'heartbeats' })).toBe('30');
    expect(value('kafka_mirror_ready')).toBe('1');
    await t.shutdown();
  });

  it('adds prom-client\'s process metrics under the kafka_mirror_ prefix', async () => {
    const t = new Telemetry();
    const reports = [report(t, new EventJournal())];
    const status = buildStatus(reports, undefined, { version: '0', mode: 'single-process', pid: 1, startedAtMs: 0, phase: 'running', staleAfterMs: 5000 });
    const text = await new PrometheusExport().render(status, reports);
    expect(text).toMatch(/^kafka_mirror_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^kafka_mirror_process_cpu_seconds_total /m);
    await t.shutdown();
  });
});
