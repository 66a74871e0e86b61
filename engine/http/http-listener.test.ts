import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { buildStatus, type EnginePhase, type EngineReport } from '../telemetry/engine-status.ts';
import { EventJournal } from '../telemetry/event-journal.ts';
import { Telemetry } from '../telemetry/telemetry.ts';
import { startHttpListener, type HttpListener, type StatusView } from './http-listener.ts';

const listeners: HttpListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

function capture(): { lines: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString()) as Record<string, unknown>), cb()) });
  return { lines, logger: createLogger({ destination: sink, level: 'info' }) };
}

/** A view over one fake report whose phase and partition state the test sets. */
function fakeView(state: { phase: EnginePhase; partitionState: string }): StatusView {
  const telemetry = new Telemetry();
  return {
    current: () => {
      const reports: EngineReport[] = [{
        task: undefined, pid: process.pid, startedAtMs: Date.now() - 5000, reportedAtMs: Date.now(), phase: state.phase,
        flows: [{ name: 'primary->standby', source: 'primary', target: 'standby', readCommitted: true, state: 'RUNNING' }],
        partitions: [{ flow: 'primary->standby', topic: 'commit-log', remoteTopic: 'primary.commit-log', partition: 0, topicId: 'X', state: state.partitionState, nextOffset: 3, ackedNextOffset: 3 }],
        telemetry: telemetry.figures(), journal: new EventJournal().snapshot(),
        process: { rssBytes: 0, heapUsedBytes: 0, cpuUserSeconds: 0, cpuSystemSeconds: 0 },
      }];
      return { status: buildStatus(reports, undefined, { version: '9.9.9', mode: 'single-process', pid: process.pid, startedAtMs: Date.now() - 5000, phase: state.phase, staleAfterMs: 5000 }), reports };
    },
  };
}

describe('HTTP listener', () => {
  it('binds port 0 to a free port, logs http_listening with the bound URL, and serves status, probes, metrics and the dashboard', async () => {
    const { lines, logger } = capture();
    const state = { phase: 'starting' as EnginePhase, partitionState: 'MIRRORING' };
    const l = await startHttpListener({ address: { url: 'http://127.0.0.1:0', host: '127.0.0.1', port: 0 }, view: fakeView(state), logger, processMetrics: false });
    listeners.push(l);
    expect(l.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(l.url).not.toMatch(/:0$/);
    expect(lines.find((x) => x.event === 'http_listening')).toMatchObject({ url: l.url, msg: `HTTP listening on ${l.url}`, component: 'http' });

    const ready = await fetch(`${l.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'NOT_READY', reasons: ['engine is starting'] });
    expect((await fetch(`${l.url}/health`)).status).toBe(200);
    state.phase = 'running';
    expect((await fetch(`${l.url}/ready`)).status).toBe(200);
    state.partitionState = 'FAILED';
    expect(await (await fetch(`${l.url}/ready`)).json()).toEqual({ status: 'NOT_READY', reasons: ['partition commit-log-0 of primary->standby failed'] });
    state.phase = 'failed';
    const health = await fetch(`${l.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'DOWN', reason: 'engine is failed' });

    const status = (await (await fetch(`${l.url}/status`)).json()) as { engine: { version: string }; partitions: { remoteTopic: string }[] };
    expect(status.engine.version).toBe('9.9.9');
    expect(status.partitions[0]!.remoteTopic).toBe('primary.commit-log');
    const metrics = await fetch(`${l.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('kafka_mirror_next_offset{source="primary",target="standby",topic="primary.commit-log",partition="0"} 3');

    const page = await fetch(`${l.url}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<script src="vendor/uPlot.iife.min.js"></script>');
    expect(html).not.toMatch(/https?:\/\//); // no CDN
    for (const asset of ['dashboard.js', 'dashboard.css', 'vendor/uPlot.iife.min.js', 'vendor/uPlot.min.css']) {
      const res = await fetch(`${l.url}/${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.text()).length, asset).toBeGreaterThan(100);
    }
  });

  it('reports a port in use as a ConfigError naming the key and the address', async () => {
    const { logger } = capture();
    const first = await startHttpListener({ address: { url: 'http://127.0.0.1:0', host: '127.0.0.1', port: 0 }, view: fakeView({ phase: 'running', partitionState: 'MIRRORING' }), logger, processMetrics: false });
    listeners.push(first);
    const port = Number(new URL(first.url).port);
    const url = `http://127.0.0.1:${port}`;
    const err = await startHttpListener({ address: { url, host: '127.0.0.1', port }, view: fakeView({ phase: 'running', partitionState: 'MIRRORING' }), logger, processMetrics: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).key).toBe('listeners');
    expect((err as Error).message).toBe(
      `Invalid config: 'listeners' = '${url}' (expected an address this process can listen on: 127.0.0.1:${port} is already in use (EADDRINUSE); choose another port, 0 for any free one, or an empty value to disable the HTTP listener)`,
    );
  });
});
