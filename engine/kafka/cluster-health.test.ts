import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../core/logger.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import type { ClusterClientSettings } from './kafka-clients.ts';
import type { ClusterProbeFactory } from './cluster-probe.ts';
import { ClusterHealth, ClusterUnreachableError, type ClusterHealthSettings } from './cluster-health.ts';

type Line = Record<string, unknown> & { level: string; msg: string };

function capture(lines: Line[]): Logger {
  const stream = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line)), cb()) });
  return pino({ level: 'debug', customLevels: { critical: 55 }, formatters: { level: (label) => ({ level: label }) } }, stream) as unknown as Logger;
}

const cluster = (alias: string, bootstrapServers: string): ClusterClientSettings => ({ alias, bootstrapServers, client: {}, consumer: {}, producer: {}, admin: {} });
const PRIMARY = cluster('primary', '10.0.0.1:9092');
const STANDBY = cluster('standby', '10.0.0.2:9093');
const FLOW = { name: 'primary->standby', source: PRIMARY, target: STANDBY };

/**
 * Fake clusters: each alias is up or down; a probe of a down cluster fails after `failAfterMs` (a
 * refused connection is fast, a black hole takes the timeout); `hang` never answers.
 */
class FakeNetwork {
  readonly up = new Map<string, boolean>();
  readonly checks = new Map<string, number>();
  readonly closed = new Set<string>();
  hang = false;
  /** Aliases whose probe answers "authentication failed" (the cluster is there and refuses the credentials). */
  readonly authFails = new Set<string>();
  failAfterMs = 50;
  private readonly lossListeners = new Map<string, (message: string) => void>();

  readonly factory: ClusterProbeFactory = (c, onConnectionLoss) => {
    this.lossListeners.set(c.alias, onConnectionLoss);
    return {
      check: () => {
        this.checks.set(c.alias, (this.checks.get(c.alias) ?? 0) + 1);
        if (this.hang) return new Promise<void>(() => undefined);
        if (this.authFails.has(c.alias)) return Promise.reject(new MirrorError(ERROR_CODES.AUTH_FAILED, 'authentication failed: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN'));
        if (this.up.get(c.alias) ?? true) return Promise.resolve();
        return new Promise<void>((_, reject) => setTimeout(() => reject(new Error('Local: Broker transport failure')), this.failAfterMs));
      },
      close: () => void this.closed.add(c.alias),
    };
  };

  /** The probe client's "all broker connections are down" event. */
  loseConnection(alias: string): void {
    this.lossListeners.get(alias)?.('all broker connections are down');
  }
}

const SETTINGS: Partial<ClusterHealthSettings> = { warnAfterMs: 3_000, startupWaitMs: 10_000, probeIntervalMs: 500, probeTimeoutMs: 400 };

function setup(settings: Partial<ClusterHealthSettings> = SETTINGS) {
  const lines: Line[] = [];
  const net = new FakeNetwork();
  const health = new ClusterHealth({ clusters: ClusterHealth.clustersOf([FLOW]), logger: capture(lines), settings, probeFactory: net.factory });
  const events = (event: string) => lines.filter((l) => l.event === event);
  return { lines, net, health, events };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ClusterHealth', () => {
  it('start-up resolves once every cluster answered, and says so', async () => {
    const { net, health, events } = setup();
    net.up.set('standby', false);
    health.start();
    let done = false;
    const waiting = health.awaitReachable().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(done).toBe(false);
    net.up.set('standby', true);
    await vi.advanceTimersByTimeAsync(600);
    await waiting;
    expect(events('clusters_reachable')).toHaveLength(1);
    expect(events('clusters_reachable')[0]!.msg).toBe('Every cluster answered: primary (10.0.0.1:9092), standby (10.0.0.2:9093)');
    expect(events('cluster_unreachable')).toEqual([]); // 2.5 s down is below the 3 s threshold
    health.stop();
  });

  it('start-up gives up after cluster.startup.wait.ms naming the alias, bootstrap servers, role and what was tried; the warn line came first', async () => {
    const { net, health, lines } = setup();
    net.up.set('standby', false);
    health.start();
    const failure = health.awaitReachable().catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(9_900);
    expect(lines.some((l) => l.level === 'error')).toBe(false);
    await vi.advanceTimersByTimeAsync(700);
    const err = await failure;
    expect(err).toBeInstanceOf(ClusterUnreachableError);
    const e = err as ClusterUnreachableError;
    expect(e.code).toBe(ERROR_CODES.CLUSTER_UNREACHABLE);
    expect(e.message).toMatch(/^Start-up gave up after 10\d{3} ms \('cluster\.startup\.wait\.ms' = 10000\): cluster 'standby' \(10\.0\.0\.2:9093\), target of primary->standby, did not answer \d+ metadata request\(s\) \(last: Local: Broker transport failure\)\. Check that the brokers run/);
    expect(e.message).not.toContain("'primary'");
    expect(e.clusters).toEqual([expect.objectContaining({ alias: 'standby', bootstrapServers: '10.0.0.2:9093', roles: ['target of primary->standby'], failedChecks: expect.any(Number) })]);
    expect(e.clusters[0]!.failedChecks).toBeGreaterThanOrEqual(15);
    const warns = lines.filter((l) => l.event === 'cluster_unreachable');
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ level: 'warn', alias: 'standby', bootstrapServers: '10.0.0.2:9093', component: 'cluster-health' });
    health.stop();
  });

  it('start-up ends at once with AUTH_FAILED naming the cluster when it refuses the credentials (no waiting, no warn line)', async () => {
    const { net, health, lines } = setup();
    net.authFails.add('standby');
    health.start();
    const failure = health.awaitReachable().catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(100);
    const err = await failure;
    expect(err).toBeInstanceOf(MirrorError);
    expect((err as MirrorError).code).toBe(ERROR_CODES.AUTH_FAILED);
    expect((err as Error).message).toMatch(/^cluster 'standby' \(10\.0\.0\.2:9093\): authentication failed: SASL authentication error/);
    expect(lines.filter((l) => l.event === 'cluster_unreachable')).toEqual([]);
    health.stop();
  });

  it('with cluster.startup.wait.ms = 0 each cluster gets exactly one probe before the verdict', async () => {
    const { net, health } = setup({ ...SETTINGS, startupWaitMs: 0 });
    net.up.set('standby', false);
    health.start();
    const failure = health.awaitReachable().catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(100);
    const err = await failure;
    expect(err).toBeInstanceOf(ClusterUnreachableError);
    expect((err as ClusterUnreachableError).clusters).toEqual([expect.objectContaining({ alias: 'standby', failedChecks: 1 })]);
    expect((err as Error).message).toContain('did not answer 1 metadata request(s) (last: Local: Broker transport failure)');
    expect(net.checks.get('standby')).toBe(1);
    health.stop();
  });

  it('an outage while running: one warn after the threshold, one info with the outage duration, snapshot follows', async () => {
    const { net, health, events } = setup();
    health.start();
    await health.awaitReachable();
    expect(health.snapshot().map((s) => [s.alias, s.reachable])).toEqual([['primary', true], ['standby', true]]);

    const downAt = Date.now();
    net.up.set('standby', false);
    net.loseConnection('standby'); // the client's event starts the clock before the next probe
    await vi.advanceTimersByTimeAsync(2_900);
    expect(events('cluster_unreachable')).toEqual([]);
    expect(health.snapshot()[1]).toMatchObject({ alias: 'standby', reachable: true, downSinceMs: downAt });
    await vi.advanceTimersByTimeAsync(600);
    expect(events('cluster_unreachable')).toHaveLength(1);
    expect(events('cluster_unreachable')[0]).toMatchObject({ alias: 'standby', bootstrapServers: '10.0.0.2:9093', downSinceMs: downAt });
    expect(health.snapshot()[1]).toMatchObject({ reachable: false, downSinceMs: downAt });
    expect(health.snapshot()[0]).toMatchObject({ alias: 'primary', reachable: true });

    await vi.advanceTimersByTimeAsync(20_000);
    expect(events('cluster_unreachable')).toHaveLength(1); // one line per transition, not per retry
    net.up.set('standby', true);
    await vi.advanceTimersByTimeAsync(600);
    const back = events('cluster_reachable_again');
    expect(back).toHaveLength(1);
    expect(back[0]!.outageMs as number).toBeGreaterThanOrEqual(23_500);
    expect(back[0]!.outageMs as number).toBeLessThanOrEqual(24_100);
    expect(health.snapshot()[1]).toMatchObject({ reachable: true });
    expect(health.snapshot()[1]!.downSinceMs).toBeUndefined();
    health.stop();
  });

  it('keeps at most one probe per cluster in flight', async () => {
    const { net, health } = setup();
    net.hang = true;
    health.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(net.checks.get('standby')).toBe(1);
    expect(net.checks.get('primary')).toBe(1);
    health.stop();
  });

  it('explain() names the cluster that is not answering on Kafka failures only', async () => {
    const { net, health } = setup();
    health.start();
    await health.awaitReachable();
    const kafka = new MirrorError(ERROR_CODES.KAFKA_ERROR, 'describeTopics failed: Local: Timed out');
    expect(health.explain(kafka)).toBe(kafka); // every cluster answers: nothing to add

    net.up.set('standby', false);
    await vi.advanceTimersByTimeAsync(600);
    const explained = health.explain(kafka);
    expect(explained).toBeInstanceOf(ClusterUnreachableError);
    expect(explained.code).toBe(ERROR_CODES.CLUSTER_UNREACHABLE);
    expect(explained.cause).toBe(kafka);
    expect(explained.message).toMatch(/^describeTopics failed: Local: Timed out; cluster 'standby' \(10\.0\.0\.2:9093\) has not answered since \S+Z \(metadata request failed: Local: Broker transport failure\)$/);

    const auth = new MirrorError(ERROR_CODES.AUTH_FAILED, 'SASL authentication failed');
    expect(health.explain(auth)).toBe(auth); // exit code 4 stays
    const other = new Error('bug');
    expect(health.explain(other)).toBe(other);
    health.stop();
  });

  it('stop() closes the probes, rejects a pending start-up wait and logs nothing afterwards', async () => {
    const { net, health, lines } = setup();
    net.up.set('standby', false);
    health.start();
    const failure = health.awaitReachable().catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(1_000);
    health.stop();
    const err = await failure;
    expect(err).toBeInstanceOf(ClusterUnreachableError);
    expect((err as Error).message).toBe('Stopped while waiting for the clusters to answer at start-up');
    expect([...net.closed].sort()).toEqual(['primary', 'standby']);
    const count = lines.length;
    const checks = net.checks.get('standby');
    net.loseConnection('standby');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(lines).toHaveLength(count);
    expect(net.checks.get('standby')).toBe(checks);
  });

  it('clustersOf: one entry per alias, with every role the flows give it', () => {
    const dr = cluster('dr', '10.0.0.3:9092');
    const monitored = ClusterHealth.clustersOf([FLOW, { name: 'standby->dr', source: STANDBY, target: dr }]);
    expect(monitored.map((m) => [m.cluster.alias, m.roles])).toEqual([
      ['primary', ['source of primary->standby']],
      ['standby', ['target of primary->standby', 'source of standby->dr']],
      ['dr', ['target of standby->dr']],
    ]);
  });

  it('derives the probe interval from a short warn threshold', () => {
    const { health } = setup({ warnAfterMs: 1_000 });
    expect(health.settings).toEqual({ warnAfterMs: 1_000, startupWaitMs: 60_000, probeIntervalMs: 500, probeTimeoutMs: 5_000 });
    expect(setup({}).health.settings.probeIntervalMs).toBe(2_000);
  });
});
