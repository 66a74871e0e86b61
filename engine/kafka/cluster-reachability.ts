/**
 * Reachability of one cluster, decided from observations at given times (probe answers, probe
 * failures, the clients' "all broker connections are down" events), and the log lines an operator
 * sees: one `cluster_unreachable` warn line once an outage lasts `warnAfterMs`, one
 * `cluster_reachable_again` info line with the outage duration when it ends. Never a line per retry.
 * Pure apart from the logger: the caller supplies every time (ms since the epoch), so tests need no clock.
 */
import type { Logger } from '../core/logger.ts';
import { describeCluster, type ClusterLabel } from './cluster-label.ts';

/** The last thing that failed against a cluster: what was tried, the client's message, when (epoch ms). */
export interface ClusterFailure {
  /** e.g. `metadata request`, `connection`. */
  readonly operation: string;
  readonly message: string;
  readonly atMs: number;
}

/**
 * One cluster's state as the status API shows it (read-only copy). `reachable` turns false only once an
 * outage has lasted the warn threshold (the state the warn line announced), so a blip below it never
 * fails a readiness probe; `downSinceMs` is set from the first failed check of the current outage.
 */
export interface ClusterHealthStatus {
  readonly alias: string;
  readonly bootstrapServers: string;
  /** Flows' view of the cluster, e.g. `target of primary->standby`. */
  readonly roles: readonly string[];
  /** False while an outage longer than the warn threshold lasts. */
  readonly reachable: boolean;
  /** Epoch ms of the first failed check of the current outage; absent while the cluster answers. */
  readonly downSinceMs?: number;
  /** Epoch ms of the last answer (absent before the first one). */
  readonly lastSuccessMs?: number;
  /** Absent until something failed. */
  readonly lastFailure?: ClusterFailure;
}

/** Options of {@link ClusterReachability}. */
export interface ClusterReachabilityOptions {
  /** Outage length before the warn line, ms (`cluster.unreachable.warn.ms`). */
  warnAfterMs: number;
  logger: Logger;
  /** e.g. `['target of primary->standby']`; shown in the lines and the status. */
  roles?: readonly string[];
}

/**
 * The state machine of one cluster.
 *
 * Invariants:
 * - A. `downSinceMs` is set iff a failure was observed after the last answer that ended an outage.
 * - B. `warned` ⇒ `downSinceMs` is set and the warn line was logged at a time ≥ `downSinceMs + warnAfterMs`.
 * - C. Per outage at most one warn line, and an info line only for an outage that was warned about.
 * - D. An answer ends an outage only if it was asked for at or after the outage began (a slow answer to a
 *   question asked before the failure proves nothing about the cluster now).
 */
export class ClusterReachability {
  readonly label: ClusterLabel;
  private readonly o: ClusterReachabilityOptions;
  private readonly roles: readonly string[];
  private downSinceMs: number | undefined;
  private warned = false;
  private lastSuccessMs: number | undefined;
  private lastFailure: ClusterFailure | undefined;

  constructor(label: ClusterLabel, options: ClusterReachabilityOptions) {
    this.label = { alias: label.alias, bootstrapServers: label.bootstrapServers };
    this.o = options;
    this.roles = Object.freeze([...(options.roles ?? [])]);
  }

  /** True once the cluster answered at least once and no outage is in progress. */
  get answering(): boolean {
    return this.lastSuccessMs !== undefined && this.downSinceMs === undefined;
  }

  /** True while an outage is in progress (warned about or not). */
  get failing(): boolean {
    return this.downSinceMs !== undefined;
  }

  /**
   * Records that `operation` failed, observed at `atMs`; `sinceMs` (≤ atMs) is when it was tried (a
   * request that timed out was already unanswered then). Logs the warn line if the outage has now
   * lasted the threshold.
   */
  failure(operation: string, message: string, atMs: number, sinceMs = atMs): void {
    this.lastFailure = { operation, message, atMs };
    if (this.downSinceMs === undefined) this.downSinceMs = Math.max(sinceMs, this.lastSuccessMs ?? sinceMs);
    this.evaluate(atMs);
  }

  /** Records an answer received at `atMs` to a request sent at `askedAtMs`; ends an outage (invariant D). */
  success(atMs: number, askedAtMs = atMs): void {
    const down = this.downSinceMs;
    if (down !== undefined && askedAtMs < down) return;
    this.lastSuccessMs = atMs;
    if (down === undefined) return;
    const outageMs = atMs - down;
    const fields = { alias: this.label.alias, bootstrapServers: this.label.bootstrapServers, roles: this.roles, outageMs, downSinceMs: down };
    if (this.warned) {
      this.o.logger.info(
        { event: 'cluster_reachable_again', ...fields },
        `${capitalised(describeCluster(this.label))} is reachable again after an outage of ${seconds(outageMs)} s`,
      );
    } else {
      this.o.logger.debug({ ...fields, thresholdMs: this.o.warnAfterMs }, `${capitalised(describeCluster(this.label))} did not answer for ${seconds(outageMs)} s (below the warn threshold)`);
    }
    this.downSinceMs = undefined;
    this.warned = false;
  }

  /** Logs the warn line once the current outage has lasted `warnAfterMs` at `nowMs` (call it periodically). */
  evaluate(nowMs: number): void {
    const down = this.downSinceMs;
    if (down === undefined || this.warned || nowMs - down < this.o.warnAfterMs) return;
    this.warned = true;
    const f = this.lastFailure;
    const downForMs = nowMs - down;
    const affects = this.roles.length > 0 ? `; mirroring as ${this.roles.join(', ')} waits until it answers` : '';
    this.o.logger.warn(
      {
        event: 'cluster_unreachable',
        alias: this.label.alias,
        bootstrapServers: this.label.bootstrapServers,
        roles: this.roles,
        downSinceMs: down,
        downSince: new Date(down).toISOString(),
        downForMs,
        operation: f?.operation,
        error: f?.message,
        thresholdMs: this.o.warnAfterMs,
      },
      `${capitalised(describeCluster(this.label))} unreachable for ${seconds(downForMs)} s: ${f ? `${f.operation} failed: ${f.message}` : 'no answer'}${affects}`,
    );
  }

  /** A read-only copy of the state. */
  status(): ClusterHealthStatus {
    return {
      alias: this.label.alias,
      bootstrapServers: this.label.bootstrapServers,
      roles: this.roles,
      reachable: !this.warned,
      ...(this.downSinceMs !== undefined ? { downSinceMs: this.downSinceMs } : {}),
      ...(this.lastSuccessMs !== undefined ? { lastSuccessMs: this.lastSuccessMs } : {}),
      ...(this.lastFailure ? { lastFailure: { ...this.lastFailure } } : {}),
    };
  }
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** ms → seconds with one decimal, as text. */
function seconds(ms: number): string {
  return (Math.round(ms / 100) / 10).toFixed(1);
}
