/**
 * mm2.properties → ONE validated, deeply frozen, fully defaulted {@link MirrorConfig}. Key layout
 * follows MM2's `MirrorMakerConfig`: `clusters`, `<alias>.bootstrap.servers`, `<alias>.<client prop>`,
 * `<alias>.{consumer,producer,admin}.<prop>`, top-level `{consumer,producer,admin}.<prop>`,
 * `A->B.enabled`, `A->B.<key>` overriding top-level `<key>`, and flow-level client props
 * `A->B.[source.|target.]{consumer,producer,admin}.<prop>`. Precedence, least to most specific:
 * top-level < `<alias>.` < `A->B.`; within one scope a role-specific prop beats a generic one.
 * Invalid values throw ConfigError (key, value — redacted for secrets — and what was expected);
 * tolerable oddities (unknown keys, Java-only client props, deprecated names) become warnings.
 */
import { CLUSTER_HEALTH_KEY_DEFAULTS, parseClusterHealthKeys, type ClusterHealthKeys } from './cluster-health-keys.ts';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.ts';
import { parseProperties } from './properties.ts';
import { POLICY_CLASS_NAMES, createReplicationPolicy, type ReplicationPolicy } from '../mm2/replication-policy.ts';
import { GroupFilter, TopicFilter, parseList } from './topic-filter.ts';
import { clientPropSources, translateClientProps, type ClientRole, type RawProp } from './client-props.ts';
import { isSecretKey, redactProps } from './redaction.ts';
import { DEPRECATED_KEYS, IGNORED_KEYS, configError, parseAutoOffsetReset, parseBool, substituteEnv, type ConfigEntry } from './config-values.ts';
import { FLOW_KEYS, FLOW_KEY_NAMES, type FlowKeyFields, type FlowKeyParts } from './config-keys.ts';
import { parseBootstrapServers, sameCluster, type BootstrapServers } from './bootstrap-servers.ts';

/** Connection settings of one cluster as seen by one flow. Each map is a complete librdkafka config incl. `bootstrap.servers`. */
export interface ClusterConfig {
  readonly alias: string;
  /** `<alias>.bootstrap.servers`, normalised to "host:port,host:port". */
  readonly bootstrapServers: string;
  /** Props shared by every client of this cluster (security.protocol, sasl.*, ssl.*, client.id …). */
  readonly client: Readonly<Record<string, string>>;
  /** Everything a consumer needs: client props + consumer overrides, engine-managed props removed. */
  readonly consumer: Readonly<Record<string, string>>;
  readonly producer: Readonly<Record<string, string>>;
  readonly admin: Readonly<Record<string, string>>;
  /** librdkafka property → the key as written in mm2.properties, per role: what errors about a client setting name. */
  readonly sources?: Readonly<Record<'common' | Role, Readonly<Record<string, string>>>>;
}

/**
 * One enabled replication flow (`source->target`), every default filled in. Durations in ms. Besides
 * name, aliases and clusters, one field per entry of FLOW_KEYS (engine/config/config-keys.ts: key,
 * default, unit, doc and reader of each): `refreshTopicsIntervalMs` is `refresh.topics.interval.seconds`
 * × 1000, and so on; `topicFilter`, `groupFilter` and `replicationPolicy` are built from several keys.
 */
export type FlowConfig = FlowKeyFields & {
  /** "primary->standby". */
  readonly name: string;
  readonly sourceAlias: string;
  readonly targetAlias: string;
  readonly source: ClusterConfig;
  readonly target: ClusterConfig;
  /** `topics`, `topics.exclude`, `heartbeats.replication.enabled` (+ the policy, for internal topics and cycles). */
  readonly topicFilter: TopicFilter;
  /** `groups`, `groups.exclude`. */
  readonly groupFilter: GroupFilter;
  /** `replication.policy.class`, `.separator`, `.internal.topic.separator.enabled`. */
  readonly replicationPolicy: ReplicationPolicy;
  /**
   * MM2's `<source alias>.consumer.auto.offset.reset` (any consumer layer of the source side; default
   * `earliest`): where a partition WITHOUT stored progress starts when the engine starts — its log start
   * (`earliest`) or its end (`latest`: the high watermark, or the last stable offset under read_committed).
   * Stored positions, topic resets and partitions found while running always start as with `earliest`.
   */
  readonly autoOffsetReset: 'earliest' | 'latest';
};

/**
 * A cluster pair whose replication is NOT enabled but which emits heartbeats, as MM2 4.1.1's
 * `MirrorMakerConfig.clusterPairs` runs a `MirrorHeartbeatConnector` for every pair with
 * `emit.heartbeats.enabled` (pair-level `A->B.emit.heartbeats.enabled`, else top-level, default true):
 * `Heartbeat{source, target}` records to `heartbeats` on the pair's TARGET. For a one-way
 * `primary->standby` setup the pair `standby->primary` writes `heartbeats` on primary, which the flow
 * then mirrors to `primary.heartbeats` on standby. Durations in ms.
 */
export interface HeartbeatPairConfig {
  /** "standby->primary". */
  readonly name: string;
  readonly sourceAlias: string;
  readonly targetAlias: string;
  /** The cluster the heartbeats are written to. */
  readonly target: ClusterConfig;
  /** `heartbeats` (the pair's replication policy). */
  readonly heartbeatsTopic: string;
  readonly emitHeartbeatsIntervalMs: number;
  readonly heartbeatsTopicReplicationFactor: number;
}

/** The whole validated configuration: `clusters` as listed, and only the enabled flows. */
export interface MirrorConfig {
  readonly clusters: readonly string[];
  readonly flows: readonly FlowConfig[];
  /** Pairs that only emit heartbeats (see {@link HeartbeatPairConfig}); empty with `emit.heartbeats.enabled = false`. */
  readonly heartbeatPairs: readonly HeartbeatPairConfig[];
  /** Engine-level `cluster.unreachable.warn.ms` / `cluster.startup.wait.ms` (top level only; engine/kafka/cluster-health.ts). */
  readonly clusterHealth: ClusterHealthKeys;
}

/** Parse result: the frozen config and warnings (they name keys, never secret values). */
export interface ParsedMirrorConfig {
  readonly config: MirrorConfig;
  readonly warnings: readonly string[];
}

/** Options: `env` feeds `${env:NAME}` references (default `process.env`). */
export interface ParseMirrorConfigOptions {
  env?: Readonly<Record<string, string | undefined>>;
}

const ROLES = ['consumer', 'producer', 'admin'] as const;
type Role = (typeof ROLES)[number];
type RoleMaps = Record<Role, Map<string, RawProp>>;
interface Scope { keys: Map<string, ConfigEntry>; deprecated: Map<string, ConfigEntry>; roles: RoleMaps }
interface FlowScope extends Scope { source: string; target: string; enabled: boolean; sides: Record<'source' | 'target', RoleMaps> }
interface ClusterScope { bootstrap?: ConfigEntry; client: Map<string, RawProp>; roles: RoleMaps }
interface Classified { top: Scope; topClient: Map<string, RawProp>; clusters: Map<string, ClusterScope>; flows: Map<string, FlowScope> }

const roleMaps = (): RoleMaps => ({ consumer: new Map(), producer: new Map(), admin: new Map() });
const newScope = (): Scope => ({ keys: new Map(), deprecated: new Map(), roles: roleMaps() });
/**
 * Secrets keep their exact bytes (Java PASSWORD type is not trimmed); other values are trimmed — URLs too,
 * although redaction hides `sasl.oauthbearer.token.endpoint.url` (Java's STRING type trims it). `name` is
 * the client property name: an alias such as `turkey` must not make its cluster's settings untrimmed.
 */
const rawProp = (e: ConfigEntry, name: string): RawProp => ({ key: e.key, value: isSecretKey(name) && !name.endsWith('.url') ? e.value : e.value.trim() });

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function parseClusters(entry: ConfigEntry | undefined): string[] {
  const clusters = entry ? parseList(entry.value) : [];
  if (entry === undefined || clusters.length === 0) {
    throw configError('clusters', entry?.value, 'a comma-separated list of cluster aliases, e.g. clusters = primary, standby');
  }
  const seen = new Set<string>();
  for (const alias of clusters) {
    const reserved = (ROLES as readonly string[]).includes(alias);
    if (!/^[A-Za-z0-9._-]+$/.test(alias) || reserved || seen.has(alias)) {
      throw configError('clusters', entry.value, 'unique aliases of letters, digits, ".", "_" or "-" (not consumer, producer, admin)');
    }
    seen.add(alias);
  }
  return clusters;
}

/** Sorts every key into its scope (top-level, cluster, flow); warns about keys it cannot place. */
function classify(entries: Iterable<ConfigEntry>, aliases: readonly string[], warn: (msg: string) => void): Classified {
  const out: Classified = { top: newScope(), topClient: new Map(), flows: new Map(),
    clusters: new Map(aliases.map((a) => [a, { client: new Map(), roles: roleMaps() }])) };
  // Longest alias first, prefixes built once: this runs for every key, and files can hold hundreds of thousands.
  const prefixes = aliases.map((a) => ({ alias: a, prefix: `${a}.` })).sort((a, b) => b.alias.length - a.alias.length);
  const aliasPrefix = (k: string): string | undefined => prefixes.find(({ prefix }) => k.startsWith(prefix))?.alias;
  const ignored = (e: ConfigEntry): void => warn(`'${e.key}' is a MirrorMaker 2 / Connect setting this engine does not use; ignored`);
  const putRole = (maps: RoleMaps, sub: string, e: ConfigEntry): boolean => {
    const role = ROLES.find((r) => sub.startsWith(r) && sub.charAt(r.length) === '.');
    if (role === undefined) return false;
    const name = sub.slice(role.length + 1);
    if (name === 'bootstrap.servers') warn(`'${e.key}' is ignored; set <alias>.bootstrap.servers`);
    else maps[role].set(name, rawProp(e, name));
    return true;
  };
  const putScoped = (scope: Scope, sub: string, e: ConfigEntry): boolean => {
    const replacement = DEPRECATED_KEYS.get(sub);
    if (FLOW_KEY_NAMES.has(sub)) scope.keys.set(sub, e);
    else if (replacement !== undefined) {
      warn(`'${e.key}' is deprecated (removed in Kafka 4.0); use '${e.key.slice(0, -sub.length)}${replacement}'`);
      scope.deprecated.set(replacement, e);
    } else if (IGNORED_KEYS.test(sub)) ignored(e);
    else return putRole(scope.roles, sub, e);
    return true;
  };

  for (const e of entries) {
    const k = e.key;
    if (k === 'clusters' || k === 'config.providers' || k.startsWith('config.providers.') || Object.hasOwn(CLUSTER_HEALTH_KEY_DEFAULTS, k) || k === 'listeners') continue; // engine-level keys (listeners: engine/config/listeners.ts)
    const arrow = k.indexOf('->');
    if (arrow >= 0) {
      const source = k.slice(0, arrow);
      const rest = k.slice(arrow + 2);
      const target = aliasPrefix(rest) ?? rest.split('.')[0] ?? '';
      const sub = rest.slice(target.length + 1);
      const enables = sub === 'enabled' && parseBool(e);
      if (!aliases.includes(source) || !aliases.includes(target) || source === target) {
        const expected = source === target ? 'a flow between two different clusters'
          : `a flow between aliases listed in clusters (${aliases.join(', ')})`;
        if (enables) throw configError(k, e.value, expected);
        warn(`'${k}' is ignored: expected ${expected}`);
        continue;
      }
      const name = `${source}->${target}`;
      const flow = out.flows.get(name) ?? { ...newScope(), source, target, enabled: false, sides: { source: roleMaps(), target: roleMaps() } };
      out.flows.set(name, flow);
      if (sub === 'enabled') flow.enabled = enables;
      else if (!putScoped(flow, sub, e)) {
        const side = sub.startsWith('source.') ? 'source' : sub.startsWith('target.') ? 'target' : undefined;
        if (side === undefined || !putRole(flow.sides[side], sub.slice(side.length + 1), e)) warn(`unknown key '${k}' (line ${e.line}); ignored`);
      }
    } else if (putScoped(out.top, k, e)) {
      // flow-level default, deprecated name, ignored MM2 key or top-level role prop
    } else if (/^(security\.protocol$|ssl\.|sasl\.)/.test(k)) {
      out.topClient.set(k, rawProp(e, k)); // MM2 applies top-level security settings to every cluster
    } else if (k === 'bootstrap.servers') {
      warn(`top-level 'bootstrap.servers' is ignored; set <alias>.bootstrap.servers`);
    } else {
      const alias = aliasPrefix(k);
      const scope = alias === undefined ? undefined : out.clusters.get(alias);
      if (alias === undefined || scope === undefined) {
        warn(`unknown key '${k}' (line ${e.line}); ignored`);
        continue;
      }
      const sub = k.slice(alias.length + 1);
      if (sub === 'bootstrap.servers') scope.bootstrap = e;
      else if (FLOW_KEY_NAMES.has(sub) || DEPRECATED_KEYS.has(sub)) {
        warn(`'${k}' has no effect at cluster level; set '${sub}' top-level or as '<source>-><target>.${sub}'`);
      } else if (IGNORED_KEYS.test(sub)) ignored(e);
      else if (!putRole(scope.roles, sub, e)) scope.client.set(sub, rawProp(e, sub));
    }
  }
  return out;
}

/**
 * The client settings of cluster `alias` on one side of `flow`. The consumer's `auto.offset.reset` is
 * taken out (the mirror consumer never resets by itself) and handed to `onAutoOffsetReset` as written
 * (most specific layer), for the source side's start position.
 */
function buildCluster(c: Classified, alias: string, flow: FlowScope, side: 'source' | 'target', warn: (m: string) => void,
  onAutoOffsetReset?: (prop: RawProp) => void): { cluster: ClusterConfig; bootstrap: BootstrapServers } {
  const scope: ClusterScope = c.clusters.get(alias) ?? { client: new Map(), roles: roleMaps() };
  const bootstrap = parseBootstrapServers(`${alias}.bootstrap.servers`, scope.bootstrap?.value,
    `flow ${flow.source}->${flow.target} uses cluster ${alias}`);
  const bootstrapServers = bootstrap.servers;
  const sources: Record<string, Record<string, string>> = {};
  const translate = (role: ClientRole, layers: ReadonlyMap<string, RawProp>[]): Record<string, string> => {
    const merged = new Map<string, RawProp>();
    for (const layer of layers) for (const [k, v] of layer) merged.set(k, v);
    const reset = role === 'consumer' ? merged.get('auto.offset.reset') : undefined;
    if (reset) {
      merged.delete('auto.offset.reset');
      onAutoOffsetReset?.(reset);
    }
    const { props, warnings } = translateClientProps(merged, role);
    warnings.forEach(warn);
    sources[role === 'common' ? 'common' : role] = clientPropSources(merged, role);
    return { ...props, 'bootstrap.servers': bootstrapServers };
  };
  const forRole = (r: Role): Record<string, string> =>
    translate(r, [c.topClient, c.top.roles[r], scope.client, scope.roles[r], flow.roles[r], flow.sides[side][r]]);
  return { bootstrap, cluster: { alias, bootstrapServers, client: translate('common', [c.topClient, scope.client]),
    consumer: forRole('consumer'), producer: forRole('producer'), admin: forRole('admin'),
    sources: sources as Record<'common' | Role, Record<string, string>> } };
}

/** Parses every FLOW_KEYS entry of one flow (most specific setting, else its default): scalar fields and composite parts. */
function parseFlowKeys(r: (key: string, fallback: string) => ConfigEntry): { fields: FlowKeyFields; parts: FlowKeyParts } {
  const fields: Record<string, unknown> = {};
  const parts: Record<string, Record<string, unknown>> = {};
  for (const spec of FLOW_KEYS) {
    const entry = r(spec.key, spec.default);
    const value: unknown = spec.type.parse(entry);
    if (spec.part !== undefined) (parts[spec.field] ??= {})[spec.part] = { entry, value };
    else if (spec.field !== null) fields[spec.field] = value;
  }
  // The one unchecked step: FLOW_KEYS builds exactly these shapes (config-keys.test.ts checks every field is present).
  return { fields: fields as FlowKeyFields, parts: parts as FlowKeyParts };
}

function buildFlow(c: Classified, flow: FlowScope, clustersEntry: ConfigEntry, warn: (m: string) => void): FlowConfig {
  const r = (key: string, fallback: string): ConfigEntry => flow.keys.get(key) ?? flow.deprecated.get(key) ?? c.top.keys.get(key)
    ?? c.top.deprecated.get(key) ?? { key, value: fallback, line: 0 };
  const name = `${flow.source}->${flow.target}`;
  const { fields, parts } = parseFlowKeys(r);
  const p = parts.replicationPolicy;
  const replicationPolicy = createReplicationPolicy(p.className.value, p.separator.value, {
    internalTopicSeparatorEnabled: p.internalTopicSeparatorEnabled.value, classKey: p.className.entry.key, separatorKey: p.separator.entry.key,
  });
  const separator = replicationPolicy.separator;
  for (const alias of [flow.source, flow.target]) {
    // The first separator in "<alias><sep><topic>" must be the one after the alias, or topicSource() misreads it.
    if (`${alias}${separator}`.indexOf(separator) !== alias.length) {
      throw configError('clusters', clustersEntry.value, `aliases that do not contain the replication.policy.separator '${separator}' of flow ${name}`);
    }
  }
  const identity = replicationPolicy.className === POLICY_CLASS_NAMES.identity;
  if (identity && c.flows.get(`${flow.target}->${flow.source}`)?.enabled) {
    warn(`flows ${name} and ${flow.target}->${flow.source} use IdentityReplicationPolicy, which cannot detect cycles: keep their topic lists disjoint`);
  }
  if (fields.heartbeatIntervalMs >= fields.sessionTimeoutMs) {
    // librdkafka refuses it too, but only once the group membership connects, as an opaque client error.
    const heartbeat = r('heartbeat.interval.ms', '');
    throw configError(heartbeat.key, heartbeat.value, `a heartbeat interval below session.timeout.ms (${fields.sessionTimeoutMs} ms)`);
  }
  const { include: topics, exclude: topicsExclude, heartbeatsReplicationEnabled } = parts.topicFilter;
  const { include: groups, exclude: groupsExclude } = parts.groupFilter;
  if (topics.value.length === 0) warn(`'${topics.entry.key}' is empty: flow ${name} mirrors no topic`);
  let reset: ConfigEntry = { key: 'auto.offset.reset', value: 'earliest', line: 0 };
  const source = buildCluster(c, flow.source, flow, 'source', warn, (prop) => (reset = { key: prop.key, value: prop.value, line: 0 }));
  const target = buildCluster(c, flow.target, flow, 'target', warn);
  if (sameCluster(source.bootstrap, target.bootstrap)) {
    // One broker address is one broker: both sides are the same cluster. Identity would mirror every topic onto itself.
    const what = `${flow.source}.bootstrap.servers and ${flow.target}.bootstrap.servers name the same cluster`;
    if (identity) {
      throw configError(`${flow.target}.bootstrap.servers`, target.cluster.bootstrapServers,
        `a different cluster than ${flow.source}.bootstrap.servers: flow ${name} uses IdentityReplicationPolicy, which would mirror every topic onto itself`);
    }
    // MM2's cycle check (MirrorSourceConnector.isCycle) does not stop "primary.x" from being mirrored again as "primary.primary.x".
    const remote = replicationPolicy.formatRemoteTopic(flow.source, '<topic>');
    warn(`${what}: flow ${name} mirrors into the same cluster (remote topics ${remote}), where its remote topics are source topics `
      + `again unless '${topics.entry.key}' / '${topicsExclude.entry.key}' leave them out`);
  }
  return {
    ...fields, name, sourceAlias: flow.source, targetAlias: flow.target, source: source.cluster, target: target.cluster, replicationPolicy,
    autoOffsetReset: parseAutoOffsetReset(reset),
    topicFilter: new TopicFilter({
      replicationPolicy, targetAlias: flow.target, include: topics.entry.value, exclude: topicsExclude.entry.value,
      includeKey: topics.entry.key, excludeKey: topicsExclude.entry.key, heartbeatsReplicationEnabled: heartbeatsReplicationEnabled.value,
    }),
    groupFilter: new GroupFilter({ include: groups.entry.value, exclude: groupsExclude.entry.value, includeKey: groups.entry.key,
      excludeKey: groupsExclude.entry.key }),
  };
}

/**
 * The heartbeat-only pair `flow` (not enabled) if it emits heartbeats (MM2 `clusterPairs`: pair-level
 * `emit.heartbeats.enabled`, else top-level, default true); undefined otherwise, or with a warning when
 * its target cluster has no bootstrap servers (MM2 would fall back to localhost:9092).
 */
function buildHeartbeatPair(c: Classified, flow: FlowScope, warn: (m: string) => void): HeartbeatPairConfig | undefined {
  const r = (key: string, fallback: string): ConfigEntry => flow.keys.get(key) ?? c.top.keys.get(key) ?? { key, value: fallback, line: 0 };
  const { fields, parts } = parseFlowKeys(r);
  const name = `${flow.source}->${flow.target}`;
  if (!fields.emitHeartbeatsEnabled) return undefined;
  if (c.clusters.get(flow.target)?.bootstrap === undefined) {
    warn(`heartbeats of cluster pair ${name} (MM2 emits them for every pair) are not emitted: '${flow.target}.bootstrap.servers' is not set (set '${name}.emit.heartbeats.enabled = false' to silence this)`);
    return undefined;
  }
  const p = parts.replicationPolicy;
  const policy = createReplicationPolicy(p.className.value, p.separator.value, { classKey: p.className.entry.key, separatorKey: p.separator.entry.key });
  return {
    name, sourceAlias: flow.source, targetAlias: flow.target,
    target: buildCluster(c, flow.target, flow, 'target', warn).cluster,
    heartbeatsTopic: policy.heartbeatsTopic(),
    emitHeartbeatsIntervalMs: fields.emitHeartbeatsIntervalMs,
    heartbeatsTopicReplicationFactor: fields.heartbeatsTopicReplicationFactor,
  };
}

/** Parses mm2.properties text into a frozen {@link MirrorConfig}. Pure apart from reading `process.env` by default. Throws ConfigError. */
export function parseMirrorConfig(text: string, opts: ParseMirrorConfigOptions = {}): ParsedMirrorConfig {
  const env = opts.env ?? process.env;
  const warnings = new Set<string>(); // a Set: de-duplication stays linear with 250 000 unknown keys (issue 12)
  const warn = (msg: string): void => void warnings.add(msg);
  const byKey = new Map<string, ConfigEntry>();
  for (const entry of parseProperties(text)) {
    const previous = byKey.get(entry.key);
    if (previous) {
      warn(`'${entry.key}' is set twice (lines ${previous.line} and ${entry.line}); line ${entry.line} wins`);
      byKey.delete(entry.key); // the winner takes the later position
    }
    byKey.set(entry.key, substituteEnv(entry, env));
  }
  const clustersEntry = byKey.get('clusters');
  const clusters = parseClusters(clustersEntry);
  const classified = classify(byKey.values(), clusters, warn);
  const enabled = clusters.flatMap((s) => clusters.map((t) => classified.flows.get(`${s}->${t}`)))
    .filter((f): f is FlowScope => f?.enabled === true);
  if (enabled.length === 0 || clustersEntry === undefined) {
    throw configError('<source>-><target>.enabled', undefined,
      `at least one enabled flow, e.g. ${clusters[0]}->${clusters[1] ?? 'standby'}.enabled = true`);
  }
  const flows = enabled.map((flow) => buildFlow(classified, flow, clustersEntry, warn));
  const heartbeatPairs = clusters.flatMap((s) => clusters.filter((t) => t !== s).map((t) => classified.flows.get(`${s}->${t}`)
    ?? { ...newScope(), source: s, target: t, enabled: false, sides: { source: roleMaps(), target: roleMaps() } }))
    .filter((pair) => !pair.enabled)
    .flatMap((pair) => buildHeartbeatPair(classified, pair, warn) ?? []);
  const clusterHealth = parseClusterHealthKeys((key) => byKey.get(key)?.value);
  return { config: deepFreeze({ clusters: [...clusters], flows, heartbeatPairs, clusterHealth }), warnings: Object.freeze([...warnings]) };
}

/** Reads an mm2.properties file (UTF-8) and parses it. Throws ConfigError when unreadable or invalid. */
export async function loadMirrorConfig(path: string, opts: ParseMirrorConfigOptions = {}): Promise<ParsedMirrorConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('config file', path, `a readable mm2.properties file (${(err as NodeJS.ErrnoException).code ?? 'read error'})`);
  }
  return parseMirrorConfig(text, opts);
}

function redactCluster(c: ClusterConfig): Record<string, unknown> {
  return { alias: c.alias, bootstrapServers: c.bootstrapServers, client: redactProps(c.client),
    consumer: redactProps(c.consumer), producer: redactProps(c.producer), admin: redactProps(c.admin) };
}

/** JSON-safe view of `config` for logs: secret client values become "[REDACTED]", filters their pattern lists. */
export function redactConfig(config: MirrorConfig): { clusters: string[]; flows: Record<string, unknown>[]; heartbeatPairs: Record<string, unknown>[] } {
  return {
    clusters: [...config.clusters],
    heartbeatPairs: config.heartbeatPairs.map(({ target, ...scalars }) => ({ ...scalars, target: redactCluster(target) })),
    flows: config.flows.map(({ source, target, topicFilter, groupFilter, replicationPolicy, configPropertiesExclude, ...scalars }) => ({
      ...scalars,
      source: redactCluster(source),
      target: redactCluster(target),
      topicFilter: { include: [...topicFilter.include], exclude: [...topicFilter.exclude],
        heartbeatsReplicationEnabled: topicFilter.heartbeatsReplicationEnabled },
      groupFilter: { include: [...groupFilter.include], exclude: [...groupFilter.exclude] },
      replicationPolicy: { className: replicationPolicy.className, separator: replicationPolicy.separator },
      configPropertiesExclude: configPropertiesExclude.map((re) => re.source),
    })),
  };
}
