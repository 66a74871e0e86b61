/**
 * The chaos harness's tables (Markdown, so they paste into a note as they are): one summary row per
 * delivery mode, the faults applied, and the per-partition audit of each mode. Pure formatting.
 */
import { FAULT_KINDS } from './fault-loop.ts';
import type { ChaosResult, DeliveryMode } from './chaos-run.ts';
import { auditProblems } from '../testkit/delivery-audit.ts';

/** A mode that did not run, with the reason (e.g. the engine does not accept exactly-once yet). */
export interface SkippedMode {
  mode: DeliveryMode;
  reason: string;
}

/** Verdict problems of a run: the producer fell short, audit problems (duplicates count only under exactly-once; re-copies over `maxRecopy`), source loss, engine problems. */
export function runProblems(r: ChaosResult, maxRecopy?: number): string[] {
  const p = r.produced;
  return [
    ...(p.exitCode !== 143 || p.acked !== p.sent || p.acked === 0 ? [`VerifiableProducer exited ${p.exitCode} (143 expected: stopped by the harness) with ${p.acked} of ${p.sent} records acknowledged (${p.failed} failed${p.firstError ? `: ${p.firstError}` : ''})`] : []),
    ...(r.sourceLost > 0 ? [`${r.sourceLost} records acknowledged to the producer are missing from the source topic (broker-side loss)`] : []),
    ...auditProblems(r.audit, { exactlyOnce: r.mode === 'exactly-once', ...(maxRecopy !== undefined && r.mode === 'at-least-once' ? { maxRecopy } : {}) }),
    ...r.engineProblems,
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

const pct = (part: number, whole: number) => (whole === 0 ? '0' : ((100 * part) / whole).toFixed(2));

/** The summary table: one row per mode run, one per skipped mode. */
export function summaryTable(results: readonly ChaosResult[], skipped: readonly SkippedMode[], maxRecopy?: number): string {
  const head = ['mode', 'instances', 'faults', 'produced', 'source', 'remote', 'lost', 'duplicated', 'dup %', 'out of order', 're-copy runs', 'max re-copy/partition', 'catch-up s', 'result'];
  const rows = results.map((r) => {
    const t = r.audit.total;
    return [r.mode, String(r.instances), String(r.faults.length), String(r.produced.acked), String(t.sourceRecords), String(t.remoteRecords), String(t.lost), String(t.duplicated), pct(t.duplicated, t.sourceRecords),
      String(t.outOfOrder), String(t.recopyRuns), String(t.maxRecopy), (r.catchUpMs / 1000).toFixed(1), runProblems(r, maxRecopy).length === 0 ? 'PASS' : 'FAIL'];
  });
  const skippedRows = skipped.map((s) => [s.mode, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', `skipped: ${s.reason}`]);
  return table([head, ...rows, ...skippedRows]);
}

/** Faults applied per kind and mode. */
export function faultTable(results: readonly ChaosResult[]): string {
  const head = ['mode', ...FAULT_KINDS, 'total'];
  const rows = results.map((r) => [r.mode, ...FAULT_KINDS.map((k) => String(r.faults.filter((f) => f.kind === k).length)), String(r.faults.length)]);
  return table([head, ...rows]);
}

/** The per-partition audit of one run. */
export function partitionTable(r: ChaosResult): string {
  const head = ['partition', 'source', 'remote', 'lost', 'duplicated', 'out of order', 'foreign', 're-copy runs', 'max re-copy'];
  const rows = r.audit.partitions.map((a) => [String(a.partition), String(a.sourceRecords), String(a.remoteRecords), String(a.lost), String(a.duplicated), String(a.outOfOrder), String(a.foreign), String(a.recopyRuns), String(a.maxRecopy)]);
  return table([head, ...rows]);
}

/** Everything, as one Markdown document. */
export function fullReport(o: { title: string; settings: Record<string, unknown>; results: readonly ChaosResult[]; skipped: readonly SkippedMode[]; maxRecopy?: number | undefined }): string {
  const parts = [
    `# ${o.title}`,
    '',
    Object.entries(o.settings).map(([k, v]) => `- ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n'),
    '',
    summaryTable(o.results, o.skipped, o.maxRecopy),
    '',
    faultTable(o.results),
  ];
  for (const r of o.results) {
    parts.push('', `## ${r.mode}: per partition`, '', partitionTable(r));
    const problems = runProblems(r, o.maxRecopy);
    if (problems.length > 0) parts.push('', 'Problems:', ...problems.map((p) => `- ${p}`));
    if (r.failedStarts.length > 0) parts.push('', 'Starts that ended early (started again by the harness):', ...r.failedStarts.map((p) => `- ${p}`));
    parts.push('', `Logs: ${r.logFiles.join(', ')}`);
  }
  return `${parts.join('\n')}\n`;
}
