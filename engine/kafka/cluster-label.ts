/**
 * How an error or log line names a cluster: its alias (from `clusters`) and its bootstrap servers
 * (`<alias>.bootstrap.servers`), the two things an SRE needs to find the cluster and test the path to it.
 * librdkafka's own messages name neither (`Local: Timed out`, `Local: Broker transport failure`).
 */
import { MirrorError } from '../core/errors.ts';

/** A cluster as the operator knows it. */
export interface ClusterLabel {
  /** The alias from `clusters`, e.g. `standby`. */
  readonly alias: string;
  /** `<alias>.bootstrap.servers`, "host:port,host:port". Never contains secrets (credentials live in sasl.* / ssl.*). */
  readonly bootstrapServers: string;
}

/** `cluster 'standby' (127.0.0.1:9093)`: the prefix of every message about one cluster. */
export function describeCluster(label: ClusterLabel): string {
  return `cluster '${label.alias}' (${label.bootstrapServers})`;
}

/**
 * The same error, its message prefixed with {@link describeCluster} (`cluster 'standby' (127.0.0.1:9093):
 * describeTopics failed: Local: Timed out`). Keeps the `code` (so AUTH_FAILED still exits 4) and the
 * same `cause` (the client's error: callers that test `cause.code`, e.g. TOPIC_ALREADY_EXISTS, still work).
 * Idempotent: an error that already names the cluster is returned as is.
 */
export function withClusterLabel(label: ClusterLabel, err: MirrorError): MirrorError {
  const prefix = describeCluster(label);
  if (err.message.startsWith(prefix)) return err;
  return new MirrorError(err.code, `${prefix}: ${err.message}`, { cause: err.cause });
}
