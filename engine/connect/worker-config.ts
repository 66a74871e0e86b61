/**
 * worker.properties of `kafka-mirror --worker`: the Kafka Connect distributed-worker keys that apply here
 * (apache/kafka `DistributedConfig` / `WorkerConfig`), validated once into a frozen {@link WorkerConfig}.
 *
 * | key | meaning here | default |
 * |---|---|---|
 * | `bootstrap.servers` | the cluster that stores connector configs and states (usually the target) | required |
 * | `group.id` | the worker group; also the flows' `group.id`, so workers with the same id share each pair's partitions | required |
 * | `config.storage.topic` | compacted topic of connector configs and target states | required |
 * | `status.storage.topic` | compacted topic of connector and task states | required |
 * | `config.storage.replication.factor`, `status.storage.replication.factor` | of those topics (-1: broker default) | 3 |
 * | `listeners` | the HTTP listener (Connect REST API, /metrics, /status …) | `http://127.0.0.1:8083` |
 * | `config.storage.refresh.interval.ms` | ours: how often the config topic is re-read for other workers' changes | 5000 |
 * | `exactly.once.source.support` | KIP-618's worker key: `enabled` runs every flow exactly-once (the flows' key of the same name) | `disabled` |
 * | `security.protocol`, `ssl.*`, `sasl.*`, `consumer.*`/`producer.*`/`admin.*` | client settings for that cluster | — |
 *
 * `offset.storage.topic`, converters, `rest.*`, `plugin.path` and other Connect keys are accepted and
 * ignored with a warning: progress lives in each flow's `mm2-progress.<source>.internal` on its target.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.ts';
import { parseBootstrapServers } from '../config/bootstrap-servers.ts';
import { translateClientProps, type ClientRole, type RawProp } from '../config/client-props.ts';
import { parseListeners, DEFAULT_LISTENERS, type ListenerAddress } from '../config/listeners.ts';
import { parseProperties } from '../config/properties.ts';
import { isSecretKey, REDACTED } from '../config/redaction.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';

/** The validated worker config. */
export interface WorkerConfig {
  readonly groupId: string;
  readonly configTopic: string;
  readonly statusTopic: string;
  /** Replication factor of both storage topics (-1: the broker's default). */
  readonly configReplicationFactor: number;
  readonly statusReplicationFactor: number;
  /** The state cluster (alias `connect-state`) with its librdkafka client settings. */
  readonly cluster: ClusterClientSettings;
  /** Undefined: listener disabled. */
  readonly listener: ListenerAddress | undefined;
  /** How often the config topic is re-read for changes made through other workers, ms. */
  readonly refreshIntervalMs: number;
  /** KIP-618's worker key `exactly.once.source.support`: every flow of this worker runs exactly-once when `enabled`. */
  readonly exactlyOnceSourceSupport: 'enabled' | 'disabled';
}

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const IGNORED = /^(offset\.storage\..+|(key|value|header)\.converter(\..+)?|internal\.(key|value)\.converter(\..+)?|rest\..+|plugin\.path|plugin\.discovery|connector\.client\.config\.override\.policy|scheduled\.rebalance\.max\.delay\.ms|session\.timeout\.ms|heartbeat\.interval\.ms|status\.storage\.partitions|config\.storage\.partitions|client\.id|task\.shutdown\.graceful\.timeout\.ms|offset\.flush\..+|admin\.listeners)$/;

function integer(key: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n === 0) throw new ConfigError(key, value, `an integer ≥ ${min}, not 0`);
  return n;
}

/** Parses worker.properties text. Throws ConfigError naming the key; `warnings` name ignored keys (never values). */
export function parseWorkerConfig(text: string): { config: WorkerConfig; warnings: string[] } {
  const warnings: string[] = [];
  const byKey = new Map(parseProperties(text).map((e) => [e.key, e.value]));
  const required = (key: string, what: string): string => {
    const v = byKey.get(key)?.trim();
    if (!v) throw new ConfigError(key, undefined, what);
    return v;
  };
  const bootstrap = parseBootstrapServers('bootstrap.servers', byKey.get('bootstrap.servers'), 'the cluster that stores the connector configs');
  const groupId = required('group.id', 'the worker group id, e.g. group.id = kafka-mirror-workers');
  const topic = (key: string): string => {
    const v = required(key, 'a topic name, e.g. connect-configs');
    if (!TOPIC.test(v) || v === '.' || v === '..') throw new ConfigError(key, v, 'a Kafka topic name: 1 to 249 of a-z A-Z 0-9 . _ -');
    return v;
  };
  const configTopic = topic('config.storage.topic');
  const statusTopic = topic('status.storage.topic');
  if (configTopic === statusTopic) throw new ConfigError('status.storage.topic', statusTopic, 'a topic other than config.storage.topic');
  const common = new Map<string, RawProp>();
  const roles: Record<'consumer' | 'producer' | 'admin', Map<string, RawProp>> = { consumer: new Map(), producer: new Map(), admin: new Map() };
  const handled = new Set(['bootstrap.servers', 'group.id', 'config.storage.topic', 'status.storage.topic', 'config.storage.replication.factor',
    'status.storage.replication.factor', 'listeners', 'config.storage.refresh.interval.ms', 'exactly.once.source.support']);
  for (const [key, value] of byKey) {
    if (handled.has(key)) continue;
    const role = (['consumer', 'producer', 'admin'] as const).find((r) => key.startsWith(`${r}.`));
    if (/^(security\.protocol$|ssl\.|sasl\.)/.test(key)) common.set(key, { key, value: isSecretKey(key) ? value : value.trim() });
    else if (role) roles[role].set(key.slice(role.length + 1), { key, value: value.trim() });
    else if (IGNORED.test(key)) warnings.push(`'${key}' is a Kafka Connect worker setting this engine does not use; ignored`);
    else warnings.push(`unknown worker key '${key}'; ignored`);
  }
  const translate = (role: ClientRole, extra: Map<string, RawProp>): Record<string, string> => {
    const { props, warnings: w } = translateClientProps(new Map([...common, ...extra]), role);
    warnings.push(...w);
    return props;
  };
  const cluster: ClusterClientSettings = {
    alias: 'connect-state',
    bootstrapServers: bootstrap.servers,
    client: translate('common', new Map()),
    consumer: translate('consumer', roles.consumer),
    producer: translate('producer', roles.producer),
    admin: translate('admin', roles.admin),
  };
  const listenersValue = byKey.get('listeners') ?? DEFAULT_LISTENERS;
  const eos = (byKey.get('exactly.once.source.support') ?? 'disabled').trim().toLowerCase();
  if (eos !== 'enabled' && eos !== 'disabled') throw new ConfigError('exactly.once.source.support', byKey.get('exactly.once.source.support'), 'enabled or disabled');
  const config: WorkerConfig = Object.freeze({
    groupId,
    configTopic,
    statusTopic,
    configReplicationFactor: integer('config.storage.replication.factor', byKey.get('config.storage.replication.factor'), 3, -1),
    statusReplicationFactor: integer('status.storage.replication.factor', byKey.get('status.storage.replication.factor'), 3, -1),
    cluster,
    listener: parseListeners({ key: 'listeners', value: listenersValue }),
    refreshIntervalMs: integer('config.storage.refresh.interval.ms', byKey.get('config.storage.refresh.interval.ms'), 5000, 100),
    exactlyOnceSourceSupport: eos,
  });
  return { config, warnings };
}

/** Reads and parses a worker.properties file. Throws ConfigError when unreadable or invalid. */
export async function loadWorkerConfig(path: string): Promise<{ config: WorkerConfig; warnings: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('--worker', path, `a readable worker.properties file (${(err as NodeJS.ErrnoException).code ?? 'read error'})`);
  }
  return parseWorkerConfig(text);
}

/** The worker config for a log line: the state cluster's secret client values redacted. */
export function redactWorkerConfig(config: WorkerConfig): Record<string, unknown> {
  const redact = (p: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, isSecretKey(k) ? REDACTED : v]));
  return { ...config, listener: config.listener?.url, cluster: { bootstrapServers: config.cluster.bootstrapServers, client: redact(config.cluster.client) } };
}
