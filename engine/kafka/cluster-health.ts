/**
 * Reachability monitor of the clusters an engine uses (DESIGN.md invariant 6: retriable conditions are
 * visible — "a warn line naming the cluster once they last, and the status API"). Per cluster alias: one
 * cheap probe per interval (a Metadata request for no topics, engine/kafka/cluster-probe.ts) plus the
 * probe client's "all broker connections are down" events; the decisions and log lines live in
 * {@link ClusterReachability}. Also the start-up wait (`cluster.startup.wait.ms`) and the error that
 * names the cluster when it runs out.
 *
 * Read-only view for the status API: {@link ClusterHealthView.snapshot}.
 */
import type { Logger } from '../core/logger.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { CLUSTER_HEALTH_DEFAULTS } from '../config/cluster-health-keys.ts';
import type { ClusterClientSettings } from './kafka-clients.ts';
import { ClusterReachability, type ClusterFailure, type ClusterHealthStatus } from './cluster-reachability.ts';
import { describeCluster, withClusterLabel, type ClusterLabel } from './cluster-label.ts';
import { librdkafkaProbe, type ClusterProbe, type ClusterProbeFactory } from './cluster-probe.ts';

export type { ClusterHealthStatus } from './cluster-reachability.ts';

/** Settings of {@link ClusterHealth}; ms. */
export interface ClusterHealthSettings {
  /** `cluster.unreachable.warn.ms` (10 000): outage length before the warn line. */
  warnAfterMs: number;
  /** `cluster.startup.wait.ms` (60 000; Infinity = forever): how long {@link ClusterHealth.awaitReachable} waits. */
  startupWaitMs: number;
  /** How often each cluster is probed (default: 2 000, or half the warn threshold when that is shorter; ≥ 100). */
  probeIntervalMs: number;
  /** Timeout of one probe (default 5 000): a black-holed address answers nothing, not even a refusal. */
  probeTimeoutMs: number;
}

/** The read-only interface the status API consumes (`/status` shows it, `/ready` fails while a cluster is not `reachable`). */
export interface ClusterHealthView {
  /** One entry per monitored cluster alias, in the order of the flows. */
  snapshot(): readonly ClusterHealthStatus[];
}

/** A cluster to watch and what the flows use it for (e.g. `target of primary->standby`). */
export interface MonitoredCluster {
  cluster: ClusterClientSettings;
  roles: readonly string[];
}

/** One cluster that did not answer, as {@link ClusterUnreachableError} carries it. */
export interface UnansweredCluster extends ClusterLabel {
  readonly roles: readonly string[];
  /** Probes that failed during the wait (absent when the error explains another failure). */
  readonly failedChecks?: number;
  readonly downSinceMs?: number;
  readonly lastFailure?: ClusterFailure;
}

/**
 * A cluster did not answer: at start-up within `cluster.startup.wait.ms`, or while another Kafka
 * operation failed (then `cause` is that failure). Exit code 1, like any Kafka failure.
 */
export class ClusterUnreachableError extends MirrorError {
  readonly clusters: readonly UnansweredCluster[];

  constructor(message: string, clusters: readonly UnansweredCluster[], options?: { cause?: unknown }) {
    super(ERROR_CODES.CLUSTER_UNREACHABLE, message, options);
    this.clusters = clusters;
  }
}

/** Options of {@link ClusterHealth}. */
export interface ClusterHealthOptions {
  clusters: readonly MonitoredCluster[];
  logger: Logger;
  settings?: Partial<ClusterHealthSettings>;
  /** Default: {@link librdkafkaProbe}. */
  probeFactory?: ClusterProbeFactory;
  /** Clock, epoch ms (default `Date.now`). */
  now?: () => number;
}

interface Watched {
  readonly cluster: ClusterClientSettings;
  readonly state: ClusterReachability;
  probe?: ClusterProbe;
  inFlight: boolean;
  failedChecks: number;
  completedChecks: number;
  /** The last probe's error (the start-up verdict quotes it: the client's events say less). */
  lastProbeError?: string;
}

interface Waiter {
  readonly startedAtMs: number;
  readonly deadlineMs: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * The monitor. `start()` begins probing (first probe at once, then every interval); `awaitReachable()`
 * is the start-up wait; `stop()` closes the probes. Timers are unref'd: the monitor never keeps the process alive.
 *
 * Invariant: at most one probe per cluster is in flight; nothing is logged or changed after `stop()`.
 */
export class ClusterHealth implements ClusterHealthView {
  readonly settings: Readonly<ClusterHealthSettings>;
  private readonly watched: Watched[];
  private readonly log: Logger;
  private readonly probeFactory: ClusterProbeFactory;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private waiter: Waiter | undefined;
  private stopped = false;

  constructor(options: ClusterHealthOptions) {
    const s = options.settings ?? {};
    const warnAfterMs = s.warnAfterMs ?? CLUSTER_HEALTH_DEFAULTS.unreachableWarnMs;
    this.settings = Object.freeze({
      warnAfterMs,
      startupWaitMs: s.startupWaitMs ?? CLUSTER_HEALTH_DEFAULTS.startupWaitMs,
      probeIntervalMs: s.probeIntervalMs ?? Math.max(100, Math.min(2000, Math.floor(warnAfterMs / 2))),
      probeTimeoutMs: s.probeTimeoutMs ?? 5000,
    });
    this.log = options.logger.child({ component: 'cluster-health' });
    this.probeFactory = options.probeFactory ?? librdkafkaProbe;
    this.now = options.now ?? (() => Date.now());
    this.watched = options.clusters.map(({ cluster, roles }) => ({
      cluster,
      state: new ClusterReachability(cluster, { warnAfterMs, logger: this.log, roles }),
      inFlight: false,
      failedChecks: 0,
      completedChecks: 0,
    }));
  }

  /**
   * The clusters of `flows`, one per alias (the first flow's client settings win when flows set
   * different overrides for the same alias), each with its roles.
   */
  static clustersOf(flows: readonly { name: string; source: ClusterClientSettings; target: ClusterClientSettings }[]): MonitoredCluster[] {
    const byAlias = new Map<string, { cluster: ClusterClientSettings; roles: string[] }>();
    for (const flow of flows) {
      for (const [side, cluster] of [['source', flow.source], ['target', flow.target]] as const) {
        const entry = byAlias.get(cluster.alias) ?? { cluster, roles: [] };
        entry.roles.push(`${side} of ${flow.name}`);
        byAlias.set(cluster.alias, entry);
      }
    }
    return [...byAlias.values()];
  }

  /** Creates the probes and starts probing (first round now). Throws what the client library throws for an unusable config. */
  start(): void {
    if (this.timer || this.stopped) return;
    for (const w of this.watched) {
      w.probe = this.probeFactory(w.cluster, (message) => {
        if (!this.stopped) w.state.failure('connection to the brokers', message, this.now());
      });
    }
    this.timer = setInterval(() => this.tick(), this.settings.probeIntervalMs);
    this.timer.unref();
    this.tick();
  }

  /**
   * Resolves once every cluster answered a probe. Rejects with {@link ClusterUnreachableError} naming each
   * cluster that did not (alias, bootstrap servers, roles, probes tried, last error) once
   * `startupWaitMs` has passed and each of them had at least one probe; meanwhile the usual warn line
   * appears after `warnAfterMs`. Rejects at once when the monitor is stopped. Call after {@link start}.
   */
  awaitReachable(): Promise<void> {
    const t0 = this.now();
    return new Promise<void>((resolve, reject) => {
      this.waiter = {
        startedAtMs: t0,
        deadlineMs: t0 + this.settings.startupWaitMs,
        resolve: () => {
          this.log.info(
            { event: 'clusters_reachable', clusters: this.watched.map((w) => ({ alias: w.cluster.alias, bootstrapServers: w.cluster.bootstrapServers })), durationMs: this.now() - t0 },
            `Every cluster answered: ${this.watched.map((w) => `${w.cluster.alias} (${w.cluster.bootstrapServers})`).join(', ')}`,
          );
          resolve();
        },
        reject,
      };
      this.settleWaiter();
    });
  }

  /** One entry per cluster alias (see {@link ClusterHealthStatus}). */
  snapshot(): readonly ClusterHealthStatus[] {
    return this.watched.map((w) => w.state.status());
  }

  /**
   * `err` itself, or — when it is a Kafka failure (KAFKA_ERROR, TIMEOUT) while some cluster is not
   * answering — a {@link ClusterUnreachableError} with `err` as cause whose message adds which cluster
   * has not answered since when and what failed. Authentication, config, truncation and other verdicts
   * are never rewrapped (their exit codes stay).
   */
  explain(err: MirrorError): MirrorError;
  explain(err: unknown): unknown;
  explain(err: unknown): unknown {
    if (!(err instanceof MirrorError) || (err.code !== ERROR_CODES.KAFKA_ERROR && err.code !== ERROR_CODES.TIMEOUT)) return err;
    const failing = this.watched.filter((w) => w.state.failing);
    if (failing.length === 0) return err;
    const clusters = failing.map((w) => unanswered(w, false));
    const why = clusters.map((c) => `${describeCluster(c)} has not answered since ${new Date(c.downSinceMs!).toISOString()}${c.lastFailure ? ` (${c.lastFailure.operation} failed: ${c.lastFailure.message})` : ''}`);
    return new ClusterUnreachableError(`${err.message}; ${why.join('; ')}`, clusters, { cause: err });
  }

  /** Stops probing and closes the probes; a pending {@link awaitReachable} rejects. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of this.watched) w.probe?.close();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(new ClusterUnreachableError('Stopped while waiting for the clusters to answer at start-up', this.watched.filter((w) => !w.state.answering).map((w) => unanswered(w, true))));
  }

  private tick(): void {
    if (this.stopped) return;
    const now = this.now();
    for (const w of this.watched) {
      w.state.evaluate(now);
      if (!w.inFlight) this.probe(w);
    }
    this.settleWaiter();
  }

  private probe(w: Watched): void {
    const probe = w.probe;
    if (!probe) return;
    w.inFlight = true;
    const askedAtMs = this.now();
    probe.check(this.settings.probeTimeoutMs).then(
      () => {
        if (!this.stopped) w.state.success(this.now(), askedAtMs);
      },
      (err: unknown) => {
        if (this.stopped) return;
        // A cluster that answers "authentication failed" is reachable and refuses us: no waiting would help,
        // so a start-up wait ends at once with that verdict (exit 4), naming the cluster.
        if (err instanceof MirrorError && err.code === ERROR_CODES.AUTH_FAILED && this.waiter) {
          const waiter = this.waiter;
          this.waiter = undefined;
          waiter.reject(withClusterLabel(w.cluster, err));
          return;
        }
        w.failedChecks++;
        w.lastProbeError = err instanceof Error ? err.message : String(err);
        w.state.failure('metadata request', w.lastProbeError, this.now(), askedAtMs);
      },
    ).finally(() => {
      w.inFlight = false;
      w.completedChecks++;
      this.settleWaiter();
    });
  }

  private settleWaiter(): void {
    const waiter = this.waiter;
    if (!waiter || this.stopped) return;
    const pending = this.watched.filter((w) => !w.state.answering);
    if (pending.length === 0) {
      this.waiter = undefined;
      waiter.resolve();
      return;
    }
    if (this.now() < waiter.deadlineMs || pending.some((w) => w.completedChecks === 0)) return;
    this.waiter = undefined;
    const clusters = pending.map((w) => unanswered(w, true));
    const waitedMs = this.now() - waiter.startedAtMs;
    const each = pending.map((w) => {
      const roles = w.state.status().roles;
      return `${describeCluster(w.cluster)}${roles.length ? `, ${roles.join(', ')},` : ''} did not answer ${w.failedChecks} metadata request(s)${w.lastProbeError ? ` (last: ${w.lastProbeError})` : ''}`;
    });
    waiter.reject(
      new ClusterUnreachableError(
        `Start-up gave up after ${waitedMs} ms ('cluster.startup.wait.ms' = ${this.settings.startupWaitMs}): ${each.join('; ')}. ` +
          `Check that the brokers run and that this host reaches them (host, port, firewall, the brokers' advertised.listeners, security.protocol / SSL / SASL settings); ` +
          `'cluster.startup.wait.ms' = -1 waits forever`,
        clusters,
      ),
    );
  }
}

function unanswered(w: Watched, withChecks: boolean): UnansweredCluster {
  const s = w.state.status();
  return {
    alias: s.alias,
    bootstrapServers: s.bootstrapServers,
    roles: s.roles,
    ...(withChecks ? { failedChecks: w.failedChecks } : {}),
    ...(s.downSinceMs !== undefined ? { downSinceMs: s.downSinceMs } : {}),
    ...(s.lastFailure ? { lastFailure: s.lastFailure } : {}),
  };
}
