/**
 * `kafka-mirror status --url URL`: the engine's `/status` document (engine/telemetry/engine-status.ts) as
 * tables in the terminal — engine line, flows, partitions with lag, and the latest events — the same view
 * as the dashboard. Plain text, fixed-width columns, no colours (it is often piped or pasted into tickets).
 */
import type { EngineStatus } from '../telemetry/engine-status.ts';

/** How many events the table shows (newest first). */
const EVENTS_SHOWN = 10;

/** Renders `rows` (first row = header) with columns padded to their widest cell. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

const n = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : String(v));
const sec = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(1));

/** The whole view as text (ends without a newline). */
export function formatStatus(s: EngineStatus): string {
  const e = s.engine;
  const lines: string[] = [];
  lines.push(`kafka-mirror ${e.version}  ${e.mode}  pid ${e.pid}  up ${duration(e.uptimeMs)}  ${e.phase}  ${e.ready ? 'READY' : `NOT READY (${e.notReady.join('; ')})`}`);
  lines.push(
    `totals: ${s.totals.recordsMirrored} records mirrored, lag ${s.totals.lagRecords} records / ${sec(s.totals.lagSeconds)} s, ` +
      `${s.totals.truncations} truncations (${s.totals.lostRecords} records lost), ${s.totals.topicResets} topic resets`,
  );
  if (e.mode === 'multi-process') {
    lines.push('', table([['TASK', 'PID', 'PHASE', 'REPORTED', 'RSS MiB'], ...e.tasks.map((t) => [n(t.task), String(t.pid), t.phase + (t.stale ? ' (STALE)' : ''), t.reportedAt, (t.process.rssBytes / 2 ** 20).toFixed(0)])]));
  }
  lines.push(
    '',
    table([
      ['FLOW', 'STATE', 'PARTITIONS', 'LAG RECORDS', 'LAG S', 'MIRRORED', 'OFFSET SYNCS', 'CHECKPOINTS', 'ERROR'],
      ...s.flows.map((f) => [f.name, f.state, String(f.partitions), String(f.lagRecords), sec(f.lagSeconds), String(f.recordsMirrored), String(f.offsetSyncs), String(f.checkpoints), f.error ? `${f.error.code}: ${f.error.message}` : '']),
    ]),
  );
  lines.push(
    '',
    table([
      ['FLOW', 'TOPIC', 'PARTITION', 'STATE', 'NEXT OFFSET', 'LOG START', 'LOG END', 'LAG RECORDS', 'LAG S', 'MIRRORED', 'LATENCY AVG MS', 'LAST EVENT'],
      ...s.partitions.map((p) => [
        p.flow, `${p.topic} -> ${p.remoteTopic}`, String(p.partition), p.state, String(p.nextOffset), n(p.sourceLogStartOffset), n(p.sourceLogEndOffset),
        n(p.lagRecords), sec(p.lagSeconds), String(p.recordsMirrored), p.replicationLatencyMs?.avg == null ? '-' : p.replicationLatencyMs.avg.toFixed(1),
        p.lastEvent ? `${p.lastEvent.event} ${p.lastEvent.time}` : '',
      ]),
    ]),
  );
  const events = s.events.slice(0, EVENTS_SHOWN);
  lines.push('', events.length === 0 ? 'EVENTS: none' : `EVENTS (newest first, ${events.length} of ${s.events.length}):`);
  for (const ev of events) lines.push(`  ${ev.time}  ${ev.severity.toUpperCase().padEnd(8)}  ${ev.message}`);
  return lines.join('\n');
}
