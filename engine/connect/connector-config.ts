/**
 * Kafka Connect connector configs of MM2's three connectors (`MirrorSourceConnector`,
 * `MirrorCheckpointConnector`, `MirrorHeartbeatConnector`, apache/kafka `connect/mirror`,
 * `MirrorSourceConfig` / `MirrorCheckpointConfig` / `MirrorHeartbeatConfig`) → this engine's mm2.properties
 * form, parsed by the SAME key table as a dedicated-mode file ({@link parseMirrorConfig},
 * engine/config/config-keys.ts). Errors come back naming the connector key as the user wrote it.
 *
 * Key mapping for a connector of pair S→T (`source.cluster.alias` = S, `target.cluster.alias` = T):
 *
 * | connector key | mm2.properties key |
 * |---|---|
 * | `source.cluster.bootstrap.servers`, `source.cluster.<client prop>` | `S.bootstrap.servers`, `S.<client prop>` (also `S.consumer.…` etc.) |
 * | `target.cluster.…` | `T.…` |
 * | `[source.|target.]{consumer,producer,admin}.<prop>` | `S->T.[source.|target.]{consumer,producer,admin}.<prop>` |
 * | any flow key (`topics`, `emit.checkpoints.interval.seconds`, `truncation.policy` …) | `S->T.<key>` |
 * | `key.converter`, `value.converter`, `header.converter` | only `ByteArrayConverter` (MM2 copies bytes); else 400 |
 * | `exactly.once.support` | KIP-618: `required` refuses to start the flow unless the worker (or the connector) sets `exactly.once.source.support = enabled`; `requested` runs either way |
 * | `transforms`, `predicates` | rejected: records are copied byte for byte |
 * | `name`, `connector.class`, aliases, `errors.*`, `config.action.reload`, `topic.creation.*`, `*.converter.*` | consumed / ignored |
 *
 * Config provider references (`${env:X}`, `${file:…}`) are rejected in connector configs: a REST client
 * must not be able to read the worker's environment into a value it can read back.
 */
import { ConfigError } from '../core/errors.ts';
import { parseMirrorConfig, type MirrorConfig } from '../config/config.ts';
import { FLOW_KEY_NAMES } from '../config/config-keys.ts';
import { DEPRECATED_KEYS } from '../config/config-values.ts';
import { REDACTED, isSecretKey } from '../config/redaction.ts';
import { checkConfigClientSettings } from '../kafka/client-settings-check.ts';

/** The three MM2 connector classes (apache/kafka `org.apache.kafka.connect.mirror`). */
export const CONNECTOR_CLASSES = {
  source: 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
  checkpoint: 'org.apache.kafka.connect.mirror.MirrorCheckpointConnector',
  heartbeat: 'org.apache.kafka.connect.mirror.MirrorHeartbeatConnector',
} as const;

/** Which of the three connectors. */
export type ConnectorKind = keyof typeof CONNECTOR_CLASSES;

/** The only converter accepted (`org.apache.kafka.connect.converters.ByteArrayConverter`): MM2 mirrors raw bytes. */
export const BYTE_ARRAY_CONVERTER = 'org.apache.kafka.connect.converters.ByteArrayConverter';

/** MM2's default `target.cluster.alias` (MirrorConnectorConfig). */
const DEFAULT_TARGET_ALIAS = 'target';
const ALIAS = /^[A-Za-z0-9._-]+$/;
/** Keys the checkpoint connector contributes to its pair's flow (everything else comes from the source connector). */
const CHECKPOINT_KEYS = /^(groups|groups\.exclude|emit\.checkpoints\..+|sync\.group\.offsets\..+|refresh\.groups\..+|checkpoints\.topic\.replication\.factor|sync\.group\.acls\.enabled)$/;
/** Keys the heartbeat connector contributes. */
const HEARTBEAT_KEYS = /^(emit\.heartbeats\.interval\.seconds|heartbeats\.topic\.replication\.factor)$/;
/** Connect framework keys with no meaning here: accepted, warned about. */
const IGNORED = /^(errors\..+|config\.action\.reload|topic\.creation\..+|(key|value|header)\.converter\..+|offsets\.storage\.topic|consumer\.override\..+|producer\.override\..+|admin\.override\..+)$/;
/** Connect config-provider references (`${provider:[path:]key}`). */
const PROVIDER_REF = /\$\{[\w.-]+:[^}]*\}/;

/** A validated connector: its kind and pair, with the config as submitted (incl. `name`). */
export interface ConnectorSpec {
  readonly name: string;
  readonly kind: ConnectorKind;
  readonly sourceAlias: string;
  readonly targetAlias: string;
  /** `S->T`. */
  readonly pair: string;
  readonly config: Readonly<Record<string, string>>;
}

/** The connectors of one cluster pair that should run now (target state RUNNING). */
export interface PairPlan {
  readonly source?: ConnectorSpec;
  readonly checkpoint?: ConnectorSpec;
  readonly heartbeat?: ConnectorSpec;
}

/** A pair's engine config: `config` to run (flows, or heartbeat pairs only), `fingerprint` changes whenever it must be restarted. */
export interface PairConfig {
  readonly pair: string;
  readonly config: MirrorConfig;
  /** The generated mm2.properties text (secrets included: never log it). */
  readonly fingerprint: string;
  /** Warnings, naming connector keys. */
  readonly warnings: readonly string[];
  /** The connectors this engine serves (names). */
  readonly connectors: readonly string[];
}

/** `connector.class` → kind: the full class name, the simple name (`MirrorSourceConnector`) or Connect's alias without `Connector` (`MirrorSource`). */
export function connectorKind(className: string | undefined): ConnectorKind | undefined {
  const c = className?.trim();
  for (const [kind, full] of Object.entries(CONNECTOR_CLASSES) as [ConnectorKind, string][]) {
    const simple = full.slice(full.lastIndexOf('.') + 1);
    if (c === full || c === simple || c === simple.replace(/Connector$/, '')) return kind;
  }
  return undefined;
}

/**
 * Checks the connector-level keys (class, aliases, converters, provider references …) of `config` and
 * returns the spec. Does NOT parse the flow keys: see {@link validateConnector}. Throws ConfigError naming
 * the connector key (e.g. `connector.class`, `source.cluster.alias`, `value.converter`).
 */
export function connectorSpec(name: string, config: Readonly<Record<string, string>>): ConnectorSpec {
  const kind = connectorKind(config['connector.class']);
  if (kind === undefined) {
    throw new ConfigError('connector.class', config['connector.class'], `one of ${Object.values(CONNECTOR_CLASSES).join(', ')} (or their simple names)`);
  }
  const sourceAlias = config['source.cluster.alias']?.trim();
  const targetAlias = (config['target.cluster.alias'] ?? DEFAULT_TARGET_ALIAS).trim();
  if (!sourceAlias || !ALIAS.test(sourceAlias) || ['consumer', 'producer', 'admin'].includes(sourceAlias)) {
    throw new ConfigError('source.cluster.alias', config['source.cluster.alias'], 'a cluster alias of letters, digits, ".", "_" or "-" (not consumer, producer, admin)');
  }
  if (!ALIAS.test(targetAlias) || ['consumer', 'producer', 'admin'].includes(targetAlias) || targetAlias === sourceAlias) {
    throw new ConfigError('target.cluster.alias', config['target.cluster.alias'], `a cluster alias of letters, digits, ".", "_" or "-", different from source.cluster.alias '${sourceAlias}'`);
  }
  for (const [key, value] of Object.entries(config)) {
    if (PROVIDER_REF.test(value)) {
      throw new ConfigError(key, isSecretKey(key) ? REDACTED : value, 'a literal value: config provider references (${env:…}, ${file:…}) are not resolved in connector configs');
    }
    if (/^(key|value|header)\.converter$/.test(key) && value.trim() !== BYTE_ARRAY_CONVERTER) {
      throw new ConfigError(key, value, `${BYTE_ARRAY_CONVERTER}: the mirror copies record bytes unchanged, no other converter applies`);
    }
    if (key === 'exactly.once.support' && !['requested', 'required'].includes(value.trim().toLowerCase())) {
      throw new ConfigError(key, value, 'requested or required');
    }
    if (/^(transforms|predicates)(\..*)?$/.test(key) && (key.includes('.') || value.trim() !== '')) {
      throw new ConfigError(key, value, 'no single message transforms: the mirror copies records byte for byte (MM2 fidelity)');
    }
  }
  return { name, kind, sourceAlias, targetAlias, pair: `${sourceAlias}->${targetAlias}`, config };
}

/** One generated mm2.properties line and the connector key it came from. */
interface Line { readonly key: string; readonly value: string; readonly from: string; readonly flowKey?: boolean }

/** Escapes a key or value for Java properties text (engine/config/properties.ts reads it back). */
function escapeProperty(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\f') out += '\\f';
    else if ('=: #!'.includes(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/**
 * The mm2.properties lines of one connector's keys (scope `pick`: which flow keys it contributes). Unknown
 * and ignored keys become warnings (connector key names).
 */
function connectorLines(spec: ConnectorSpec, pick: (flowKey: string) => boolean, warn: (m: string) => void): Line[] {
  const { sourceAlias: s, targetAlias: t } = spec;
  const flow = `${s}->${t}`;
  const out: Line[] = [];
  for (const [key, value] of Object.entries(spec.config)) {
    if (['name', 'connector.class', 'source.cluster.alias', 'target.cluster.alias', 'key.converter', 'value.converter', 'header.converter', 'transforms', 'predicates'].includes(key)) continue;
    if (key.startsWith('source.cluster.') || key.startsWith('target.cluster.')) {
      out.push({ key: `${key.startsWith('source.') ? s : t}.${key.slice('source.cluster.'.length)}`, value, from: key });
    } else if (/^(source\.|target\.)?(consumer|producer|admin)\./.test(key)) {
      out.push({ key: `${flow}.${key}`, value, from: key });
    } else if (FLOW_KEY_NAMES.has(key) || DEPRECATED_KEYS.has(key)) {
      if (pick(key)) out.push({ key: `${flow}.${key}`, value, from: key, flowKey: true });
    } else if (IGNORED.test(key)) {
      warn(`connector ${spec.name}: '${key}' is a Kafka Connect setting this engine does not use; ignored`);
    } else {
      warn(`connector ${spec.name}: unknown key '${key}'; ignored`);
    }
  }
  return out;
}

/** Rewrites mm2.properties key names in a message to the connector keys they came from (longest first). */
function renamer(origin: ReadonlyMap<string, string>): (text: string) => string {
  const keys = [...origin.keys()].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(/ \(line \d+\)/g, '');
    for (const k of keys) {
      const escaped = k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      out = out.replace(new RegExp(`(^|[^\\w.>-])${escaped}(?=$|[^\\w.-])`, 'g'), (_m, pre: string) => `${pre}${origin.get(k)}`);
    }
    return out;
  };
}

/**
 * Builds and parses the mm2.properties form of the pair's RUNNING connectors. `base` gives the clusters and
 * all flow keys (the source connector; for validation, the connector itself); checkpoint and heartbeat
 * connectors add their own keys and switch their part on. Throws ConfigError naming the connector key.
 */
function buildPair(base: ConnectorSpec, plan: PairPlan, runsFlow: boolean, defaults: Readonly<Record<string, string>> = {}): PairConfig {
  const { sourceAlias: s, targetAlias: t } = base;
  const flow = `${s}->${t}`;
  const warnings: string[] = [];
  const warn = (m: string): void => void warnings.push(m);
  const byKey = new Map<string, Line>();
  // Cluster and client settings: the base connector's win, the others only fill what it leaves out; each
  // other connector's own flow keys (CHECKPOINT_KEYS, HEARTBEAT_KEYS) override the base's.
  const put = (lines: Line[], isBase: boolean): void => {
    for (const l of lines) if (isBase || l.flowKey || !byKey.has(l.key)) byKey.set(l.key, l);
  };
  // Worker-level defaults of flow keys (the worker's group.id): any connector that sets the key wins.
  for (const [k, value] of Object.entries(defaults)) byKey.set(`${flow}.${k}`, { key: `${flow}.${k}`, value, from: k, flowKey: true });
  put(connectorLines(base, () => true, warn), true);
  if (plan.checkpoint && plan.checkpoint !== base) put(connectorLines(plan.checkpoint, (k) => CHECKPOINT_KEYS.test(k), warn), false);
  if (plan.heartbeat && plan.heartbeat !== base) put(connectorLines(plan.heartbeat, (k) => HEARTBEAT_KEYS.test(k), warn), false);
  // A heartbeat connector needs only its target cluster; the flow's parser wants a source: a placeholder nothing connects to.
  if (!byKey.has(`${s}.bootstrap.servers`) && base.kind === 'heartbeat') {
    byKey.set(`${s}.bootstrap.servers`, { key: `${s}.bootstrap.servers`, value: `${s}.heartbeat-source.invalid:9092`, from: 'source.cluster.bootstrap.servers' });
  }
  const fixed: Line[] = [
    { key: 'clusters', value: `${s}, ${t}`, from: 'source.cluster.alias' },
    { key: `${flow}.enabled`, value: 'true', from: 'connector.class' },
    // Heartbeats only where a heartbeat connector runs (MM2-on-Connect has no implicit clusterPairs).
    { key: `${t}->${s}.emit.heartbeats.enabled`, value: 'false', from: 'connector.class' },
  ];
  if (runsFlow) {
    const emits = (spec: ConnectorSpec | undefined, key: string): string => (spec ? (spec.config[key] ?? 'true') : 'false');
    fixed.push({ key: `${flow}.emit.checkpoints.enabled`, value: emits(plan.checkpoint, 'emit.checkpoints.enabled'), from: 'emit.checkpoints.enabled' });
    fixed.push({ key: `${flow}.emit.heartbeats.enabled`, value: emits(plan.heartbeat, 'emit.heartbeats.enabled'), from: 'emit.heartbeats.enabled' });
  }
  for (const l of fixed) byKey.set(l.key, l);
  const origin = new Map<string, string>([[`${s}.bootstrap.servers`, 'source.cluster.bootstrap.servers'], [`${t}.bootstrap.servers`, 'target.cluster.bootstrap.servers'], ['clusters', 'source.cluster.alias']]);
  for (const l of byKey.values()) origin.set(l.key, l.from);
  const text = [...byKey.values()].map((l) => `${escapeProperty(l.key)}=${escapeProperty(l.value)}`).join('\n');
  const rename = renamer(origin);
  let parsed: ReturnType<typeof parseMirrorConfig>;
  try {
    parsed = parseMirrorConfig(text, { env: {} });
    checkConfigClientSettings(parsed.config);
    // KIP-618: Connect refuses `exactly.once.support = required` on a worker without exactly-once support.
    for (const f of parsed.config.flows) {
      if (f.exactlyOnceSupport === 'required' && f.exactlyOnceSourceSupport !== 'enabled') {
        throw new ConfigError(`${f.name}.exactly.once.support`, 'required', "'exactly.once.source.support = enabled' on the worker (worker.properties) or in the connector config, or 'exactly.once.support = requested'");
      }
    }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(origin.get(err.key) ?? err.key, err.value, rename(err.expected));
  }
  const connectors = [plan.source, plan.checkpoint, plan.heartbeat].filter((c): c is ConnectorSpec => c !== undefined).map((c) => c.name);
  const all = [...warnings, ...parsed.warnings.map(rename)];
  if (runsFlow) return { pair: flow, config: parsed.config, fingerprint: text, warnings: all, connectors };
  // Heartbeats only: the pair as MM2's MirrorHeartbeatConnector runs it, no flow.
  const f = parsed.config.flows[0]!;
  const heartbeatPairs = f.emitHeartbeatsEnabled
    ? [{ name: flow, sourceAlias: s, targetAlias: t, target: f.target, heartbeatsTopic: f.replicationPolicy.heartbeatsTopic(), emitHeartbeatsIntervalMs: f.emitHeartbeatsIntervalMs, heartbeatsTopicReplicationFactor: f.heartbeatsTopicReplicationFactor }]
    : [];
  const config: MirrorConfig = Object.freeze({ clusters: parsed.config.clusters, flows: [], heartbeatPairs, clusterHealth: parsed.config.clusterHealth });
  return { pair: flow, config, fingerprint: `heartbeats-only\n${text}`, warnings: all, connectors };
}

/**
 * Validates one connector alone: connector keys ({@link connectorSpec}) and every flow and client key through
 * the mm2.properties parser (`defaults` as for {@link pairConfig}). Returns the spec and warnings. Throws
 * ConfigError naming the connector key.
 */
export function validateConnector(name: string, config: Readonly<Record<string, string>>, defaults: Readonly<Record<string, string>> = {}): { spec: ConnectorSpec; warnings: readonly string[] } {
  const spec = connectorSpec(name, config);
  const asHeartbeat = spec.kind === 'heartbeat' && config['source.cluster.bootstrap.servers'] === undefined;
  const built = buildPair(spec, { [spec.kind]: spec }, !asHeartbeat, defaults);
  return { spec, warnings: built.warnings };
}

/**
 * The engine config of a pair's running connectors: a flow when its source connector runs (checkpoints and
 * heartbeats on when their connectors run), heartbeats only when only its heartbeat connector runs, undefined
 * when nothing runs. A checkpoint connector without a running source connector has nothing to run (its
 * checkpoints come from the flow's offset syncs). `defaults`: flow keys set for every pair unless a connector
 * sets them (the worker passes `group.id`). Throws ConfigError naming the connector key.
 */
export function pairConfig(plan: PairPlan, defaults: Readonly<Record<string, string>> = {}): PairConfig | undefined {
  if (plan.source) return buildPair(plan.source, plan, true, defaults);
  if (plan.heartbeat) return buildPair(plan.heartbeat, { heartbeat: plan.heartbeat }, false, defaults);
  return undefined;
}

/** A connector config for HTTP responses: values of secret keys (engine/config/redaction.ts isSecretKey) become `[REDACTED]`. */
export function redactConnectorConfig(config: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, isSecretKey(k) ? REDACTED : v]));
}

/**
 * A PUT body merged with the stored config: a secret key sent back as `[REDACTED]` (what GET returned) keeps
 * its stored value, so GET → edit → PUT round-trips without re-sending passwords.
 */
export function mergeRedacted(next: Readonly<Record<string, string>>, stored: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(next).map(([k, v]) => [k, v === REDACTED && isSecretKey(k) && stored?.[k] !== undefined ? stored[k]! : v]));
}
