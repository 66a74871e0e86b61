import fc from 'fast-check';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../core/logger.ts';
import { ClusterReachability } from './cluster-reachability.ts';

type Line = Record<string, unknown> & { level: string; msg: string };

/** A debug logger whose JSON lines land in `lines` (level as label). */
function capture(lines: Line[]): Logger {
  const stream = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line)), cb()) });
  return pino({ level: 'debug', customLevels: { critical: 55 }, formatters: { level: (label) => ({ level: label }) } }, stream) as unknown as Logger;
}

const STANDBY = { alias: 'standby', bootstrapServers: '10.0.0.7:9093,10.0.0.8:9093' };
const WARN_AFTER_MS = 10_000;

function setup() {
  const lines: Line[] = [];
  const state = new ClusterReachability(STANDBY, { warnAfterMs: WARN_AFTER_MS, logger: capture(lines), roles: ['target of primary->standby'] });
  const at = (level: string) => lines.filter((l) => l.level === level);
  return { lines, state, at };
}

describe('ClusterReachability', () => {
  it('warns once, naming alias and bootstrap servers, when an outage reaches the threshold', () => {
    const { state, at } = setup();
    state.success(1_000);
    state.failure('metadata request', 'Local: Broker transport failure', 2_000);
    state.evaluate(2_000 + WARN_AFTER_MS - 1);
    expect(at('warn')).toEqual([]);
    expect(state.status().reachable).toBe(true);
    expect(state.status().downSinceMs).toBe(2_000);

    state.evaluate(2_000 + WARN_AFTER_MS);
    state.failure('connection', 'all broker connections are down', 13_000);
    state.evaluate(40_000);
    const warns = at('warn');
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({
      event: 'cluster_unreachable',
      alias: 'standby',
      bootstrapServers: '10.0.0.7:9093,10.0.0.8:9093',
      roles: ['target of primary->standby'],
      downSinceMs: 2_000,
      downForMs: WARN_AFTER_MS,
      operation: 'metadata request',
      error: 'Local: Broker transport failure',
      thresholdMs: WARN_AFTER_MS,
    });
    expect(warns[0]!.msg).toBe(
      "Cluster 'standby' (10.0.0.7:9093,10.0.0.8:9093) unreachable for 10.0 s: metadata request failed: Local: Broker transport failure; mirroring as target of primary->standby waits until it answers",
    );
    expect(state.status()).toMatchObject({ reachable: false, downSinceMs: 2_000, lastFailure: { operation: 'connection', atMs: 13_000 } });
  });

  it('logs one info line with the outage duration when the cluster answers again', () => {
    const { state, at } = setup();
    state.failure('metadata request', 'Local: Timed out', 5_000, 0);
    state.evaluate(12_000);
    state.success(21_300, 21_000);
    state.success(23_300, 23_000);
    const infos = at('info');
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({ event: 'cluster_reachable_again', alias: 'standby', bootstrapServers: STANDBY.bootstrapServers, outageMs: 21_300, downSinceMs: 0 });
    expect(infos[0]!.msg).toBe("Cluster 'standby' (10.0.0.7:9093,10.0.0.8:9093) is reachable again after an outage of 21.3 s");
    expect(state.status()).toEqual({ alias: 'standby', bootstrapServers: STANDBY.bootstrapServers, roles: ['target of primary->standby'], reachable: true, lastSuccessMs: 23_300, lastFailure: { operation: 'metadata request', message: 'Local: Timed out', atMs: 5_000 } });
  });

  it('stays quiet at warn and info while the cluster flaps below the threshold', () => {
    const { state, at, lines } = setup();
    for (let t = 0; t < 100_000; t += 10_000) {
      state.failure('connection', 'all broker connections are down', t);
      state.evaluate(t + WARN_AFTER_MS - 1);
      state.success(t + WARN_AFTER_MS - 1);
    }
    expect(at('warn')).toEqual([]);
    expect(at('info')).toEqual([]);
    expect(lines.filter((l) => l.level === 'debug')).toHaveLength(10);
    expect(state.status().reachable).toBe(true);
  });

  it('ignores an answer to a request sent before the outage began', () => {
    const { state, at } = setup();
    state.failure('connection', 'all broker connections are down', 1_000);
    state.success(1_500, 900); // asked at 900, before the connection loss at 1 000
    expect(state.failing).toBe(true);
    state.evaluate(11_000);
    expect(at('warn')).toHaveLength(1);
  });

  it('starts an outage no earlier than the last answer', () => {
    const { state } = setup();
    state.success(5_000);
    state.failure('metadata request', 'Local: Timed out', 9_000, 4_000); // asked at 4 000, answered-by-others at 5 000
    expect(state.status().downSinceMs).toBe(5_000);
  });

  it('property: warn and info lines alternate, warns come only after the threshold, infos report outages ≥ the threshold', () => {
    const step = fc.record({ gapMs: fc.integer({ min: 0, max: 6_000 }), kind: fc.constantFrom('failure', 'success', 'evaluate') });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const { state, lines } = setup();
        let t = 0;
        for (const s of steps) {
          t += s.gapMs;
          if (s.kind === 'failure') state.failure('metadata request', 'x', t);
          else if (s.kind === 'success') state.success(t);
          else state.evaluate(t);
        }
        const events = lines.filter((l) => l.event !== undefined);
        for (const [i, l] of events.entries()) {
          expect(l.event).toBe(i % 2 === 0 ? 'cluster_unreachable' : 'cluster_reachable_again');
          if (l.event === 'cluster_unreachable') expect(l.downForMs as number).toBeGreaterThanOrEqual(WARN_AFTER_MS);
          else expect(l.outageMs as number).toBeGreaterThanOrEqual(WARN_AFTER_MS);
        }
        expect(state.status().reachable).toBe(events.length % 2 === 0);
      }),
      { seed: 20261212, numRuns: 300 },
    );
  });
});
