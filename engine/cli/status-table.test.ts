import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildStatus, type EngineReport } from '../telemetry/engine-status.ts';
import { EventJournal } from '../telemetry/event-journal.ts';
import { Telemetry } from '../telemetry/telemetry.ts';
import { statusCommand } from './observability-cli.ts';
import { formatStatus } from './status-table.ts';

describe('kafka-mirror status', () => {
  it('prints the engine line, flows, partitions with lag and the events newest first', async () => {
    const t = new Telemetry();
    t.recordMirrored(5, 10, { flow: 'primary->standby', topic: 'commit-log' }, 0);
    const journal = new EventJournal();
    journal.add({ event: 'log_truncation_detected', level: 'critical', time: '2026-01-01T00:00:00.000Z', flow: 'primary->standby', topic: 'commit-log', partition: 0, gap: 5, msg: 'CRITICAL: Log truncation detected for commit-log-0. Expected offset 1, but got 6. Gap of 5 messages detected' });
    const report: EngineReport = {
      task: undefined, pid: 7, startedAtMs: 0, reportedAtMs: 64_000, phase: 'running',
      flows: [{ name: 'primary->standby', source: 'primary', target: 'standby', readCommitted: true, state: 'RUNNING' }],
      partitions: [{ flow: 'primary->standby', topic: 'commit-log', remoteTopic: 'primary.commit-log', partition: 0, topicId: 'X', state: 'MIRRORING', nextOffset: 7, ackedNextOffset: 7 }],
      telemetry: t.figures(), journal: journal.snapshot(), process: { rssBytes: 0, heapUsedBytes: 0, cpuUserSeconds: 0, cpuSystemSeconds: 0 },
    };
    const status = buildStatus([report], undefined, { version: '1.2.3', mode: 'single-process', pid: 7, startedAtMs: 0, phase: 'running', staleAfterMs: 5000 }, 65_000);
    const text = formatStatus(status);
    expect(text.split('\n')[0]).toBe('kafka-mirror 1.2.3  single-process  pid 7  up 1m 5s  running  READY');
    expect(text).toContain('totals: 1 records mirrored, lag 0 records / 0.0 s, 1 truncations (5 records lost), 0 topic resets');
    expect(text).toMatch(/primary->standby\s+commit-log -> primary\.commit-log\s+0\s+MIRRORING\s+7\s+-\s+-\s+-\s+-\s+1\s+5\.0\s+log_truncation_detected 2026-01-01T00:00:00\.000Z/);
    expect(text).toContain('  2026-01-01T00:00:00.000Z  CRITICAL  CRITICAL: Log truncation detected for commit-log-0.');
    await t.shutdown();
  });

  it('exits 1 naming the URL when the engine does not answer', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r())); // a port nobody listens on now
    const err: string[] = [];
    const code = await statusCommand({ url: `http://127.0.0.1:${port}` }, () => undefined, (s) => err.push(s));
    expect(code).toBe(1);
    expect(err.join('')).toBe(`kafka-mirror status: no status from http://127.0.0.1:${port}/status: ECONNREFUSED\n`);
  });
});
