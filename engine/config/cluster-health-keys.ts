/**
 * The two engine-level keys of the cluster reachability monitor (engine/kafka/cluster-health.ts), as a
 * small parser of their own until they join the key table: top-level in mm2.properties, ms.
 *
 * - `cluster.unreachable.warn.ms` (ours, default 10 000): a cluster that has not answered for this long
 *   gets one `cluster_unreachable` warn line (and its return one `cluster_reachable_again` info line).
 *   10 s is above what a leader election or a client reconnect takes (sub-second to a few seconds), so
 *   routine blips stay quiet, and well below the 60 s `admin.timeout.ms` after which admin operations
 *   fail: the warn line always comes before any failure it explains.
 * - `cluster.startup.wait.ms` (ours, default 60 000; -1 waits forever): how long start-up waits for every
 *   cluster of the enabled flows to answer before the engine exits 1 naming the cluster. 60 s is what
 *   Kafka Connect (and so MM2) gives its cluster at start: the worker's DescribeCluster is bounded by
 *   `default.api.timeout.ms` (60 000), then it stops with "Failed to connect to and describe Kafka
 *   cluster" (apache/kafka WorkerConfig.lookupKafkaClusterId). A bounded wait makes a host that can
 *   never reach its cluster visible to the service manager (restart with backoff, alert); -1 suits
 *   deployments that rather keep the process up and watch the warn line and /ready.
 */
import type { ConfigEntry } from './config-values.ts';
import { parseInteger } from './config-values.ts';

/** The keys with their defaults, as the string a user writes. */
export const CLUSTER_HEALTH_KEY_DEFAULTS = Object.freeze({
  'cluster.unreachable.warn.ms': '10000',
  'cluster.startup.wait.ms': '60000',
} as const);

/** Parsed settings: ms. `startupWaitMs` is `Infinity` for `-1` (wait forever). */
export interface ClusterHealthKeys {
  /** `cluster.unreachable.warn.ms`: outage length before the warn line, ≥ 1 ms. */
  readonly unreachableWarnMs: number;
  /** `cluster.startup.wait.ms`: how long start-up waits for each cluster, ≥ 0 ms, or Infinity. */
  readonly startupWaitMs: number;
}

/** The defaults of {@link ClusterHealthKeys}. */
export const CLUSTER_HEALTH_DEFAULTS: ClusterHealthKeys = Object.freeze({
  unreachableWarnMs: Number(CLUSTER_HEALTH_KEY_DEFAULTS['cluster.unreachable.warn.ms']),
  startupWaitMs: Number(CLUSTER_HEALTH_KEY_DEFAULTS['cluster.startup.wait.ms']),
});

/**
 * Reads the two keys through `lookup` (the top-level value as written, or undefined when unset).
 * Throws ConfigError naming the key, the value and what was expected.
 */
export function parseClusterHealthKeys(lookup: (key: string) => string | undefined): ClusterHealthKeys {
  const entry = (key: keyof typeof CLUSTER_HEALTH_KEY_DEFAULTS): ConfigEntry => ({ key, value: lookup(key) ?? CLUSTER_HEALTH_KEY_DEFAULTS[key], line: 0 });
  const warn = entry('cluster.unreachable.warn.ms');
  const unreachableWarnMs = parseInteger(warn, 1, 'a positive integer number of milliseconds');
  const wait = entry('cluster.startup.wait.ms');
  const startupWaitMs = parseInteger(wait, -1, 'a number of milliseconds ≥ 0, or -1 to wait forever');
  return { unreachableWarnMs, startupWaitMs: startupWaitMs === -1 ? Infinity : startupWaitMs };
}
