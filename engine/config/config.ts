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
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.ts';
import { parseProperties } from './properties.ts';
import { POLICY_CLASS_NAMES, createReplicationPolicy, type ReplicationPolicy } from '../mm2/replication-policy.ts';
import { GroupFilter, TopicFilter, compilePatternList, parseList } from './topic-filter.ts';
import { isSecretKey, redactProps, translateClientProps, type ClientRole, type RawProp } from './client-props.ts';
import { DEPRECATED_KEYS, FLOW_KEY_DEFAULTS, IGNORED_KEYS, configError, parseAutoOffsetReset, parseBool, parseInteger, parseOneOf,
  parseReplicationFactor, parseTasksMax, positiveMs, secondsToMs, substituteEnv, type ConfigEntry } from './config-values.ts';

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
}

/** One enabled replication flow (`source->target`), every default filled in. Durations in ms. */
export interface FlowConfig {
  /** "primary->standby". */
  readonly name: string;
  readonly sourceAlias: string;
  readonly targetAlias: string;
  readonly source: ClusterConfig;
  readonly target: ClusterConfig;
  readonly topicFilter: TopicFilter;
  readonly groupFilter: GroupFilter;
  readonly replicationPolicy: ReplicationPolicy;
  readonly refreshTopicsEnabled: boolean;
  /** `refresh.topics.interval.seconds` (600) × 1000. */
  readonly refreshTopicsIntervalMs: number;
  readonly refreshGroupsEnabled: boolean;
  readonly refreshGroupsIntervalMs: number;
  /** Our `topic.reset.check.interval.ms` (1000): how often topic IDs and log ends are compared. */
  readonly topicResetCheckIntervalMs: number;
  /**
   * Our `truncation.check.interval.ms` (500): a partition that made no progress for this long is
   * checked against the broker's log start / end offsets (truncation, divergence).
   */
  readonly truncationCheckIntervalMs: number;
  /**
   * Our `progress.flush.interval.ms` (1000): how often acknowledged positions are written to the
   * progress topic. Bounds the records re-mirrored (duplicated) after a crash.
   */
  readonly progressFlushIntervalMs: number;
  /** Our `truncation.policy`: `fail` (default) stops the flow; `continue` reports the gap and resumes at log start. */
  readonly truncationPolicy: 'fail' | 'continue';
  /**
   * Our `isolation.level` for the source consumer, default `read_committed` (librdkafka's default
   * too, made explicit): aborted and open transactions are never mirrored, so the target only holds
   * committed data and exactly-once stays possible (MM2 requires read_committed for EOS, KIP-618).
   */
  readonly isolationLevel: 'read_committed' | 'read_uncommitted';
  readonly syncTopicConfigsEnabled: boolean;
  readonly syncTopicConfigsIntervalMs: number;
  /** `config.properties.exclude`: topic configs never copied to remote topics (anchored regexes). */
  readonly configPropertiesExclude: readonly RegExp[];
  /**
   * MM2's `use.defaults.from` (`target` | `source`, DefaultConfigPropertyFilter): whose defaults a topic
   * config at its default on the source gets on the remote topic. Undefined = `target` (MM2's default).
   */
  readonly useDefaultsFrom?: 'target' | 'source';
  /** Remote topic replication factor (`replication.factor`, 2); -1 = broker default. */
  readonly replicationFactor: number;
  readonly offsetSyncsTopicReplicationFactor: number;
  readonly checkpointsTopicReplicationFactor: number;
  readonly heartbeatsTopicReplicationFactor: number;
  /** Our `progress.topic.replication.factor` (3) for `mm2-progress.<source>.internal`. */
  readonly progressTopicReplicationFactor: number;
  readonly emitHeartbeatsEnabled: boolean;
  readonly emitHeartbeatsIntervalMs: number;
  readonly emitCheckpointsEnabled: boolean;
  readonly emitCheckpointsIntervalMs: number;
  readonly emitOffsetSyncsEnabled: boolean;
  readonly syncGroupOffsetsEnabled: boolean;
  readonly syncGroupOffsetsIntervalMs: number;
  /**
   * `offset.lag.max` (100): accepted for compatibility, unused — MM2 emits a sync every this many records
   * and translates with up to this much re-delivery; this engine's syncs make translation exact.
   */
  readonly offsetLagMax: number;
  /**
   * `tasks.max`: how many engine task processes mirror this flow (1..64); each owns the source
   * partitions engine/partitions/task-assignment.ts gives it. MM2: the connector's task count (default 1).
   */
  readonly tasksMax: number;
  /** Our `offset-syncs.interval.ms` (1000): the interval sync of a partition whose mirrored position moved. */
  readonly offsetSyncsIntervalMs: number;
  readonly offsetSyncsTopicLocation: 'source' | 'target';
  /**
   * MM2's `<source alias>.consumer.auto.offset.reset` (any consumer layer of the source side; default
   * `earliest`): where a partition WITHOUT stored progress starts when the engine starts — its log start
   * (`earliest`) or its end (`latest`: the high watermark, or the last stable offset under read_committed).
   * Stored positions, topic resets and partitions found while running always start as with `earliest`.
   */
  readonly autoOffsetReset: 'earliest' | 'latest';
  /** MM2 `sync.topic.acls.enabled` (true): copy the source's topic ACLs to the remote topics (engine/discovery/acl-sync.ts). */
  readonly syncTopicAclsEnabled: boolean;
  /** MM2 `sync.topic.acls.interval.seconds` (600) × 1000. */
  readonly syncTopicAclsIntervalMs: number;
  /** Our `sync.group.acls.enabled` (true): with topic ACL sync, also copy the ACLs of the groups the flow checkpoints. */
  readonly syncGroupAclsEnabled: boolean;
  readonly consumerPollTimeoutMs: number;
  readonly adminTimeoutMs: number;
}

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

/** The whole validated configuration: `clusters` as listed, the enabled flows and the heartbeat-only pairs. */
export interface MirrorConfig {
  readonly clusters: readonly string[];
  readonly flows: readonly FlowConfig[];
  /** Pairs that only emit heartbeats (see {@link HeartbeatPairConfig}); empty with `emit.heartbeats.enabled = false`. */
  readonly heartbeatPairs: readonly HeartbeatPairConfig[];
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
/** Secrets keep their exact bytes (Java PASSWORD type is not trimmed); other values are trimmed. */
const rawProp = (e: ConfigEntry): RawProp => ({ key: e.key, value: isSecretKey(e.key) ? e.value : e.value.trim() });

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
  for (const alias of clusters) {
    const reserved = (ROLES as readonly string[]).includes(alias);
    if (!/^[A-Za-z0-9._-]+$/.test(alias) || reserved || clusters.indexOf(alias) !== clusters.lastIndexOf(alias)) {
      throw configError('clusters', entry.value, 'unique aliases of letters, digits, ".", "_" or "-" (not consumer, producer, admin)');
    }
  }
  return clusters;
}

/** Sorts every key into its scope (top-level, cluster, flow); warns about keys it cannot place. */
function classify(entries: Iterable<ConfigEntry>, aliases: readonly string[], warn: (msg: string) => void): Classified {
  const out: Classified = { top: newScope(), topClient: new Map(), flows: new Map(),
    clusters: new Map(aliases.map((a) => [a, { client: new Map(), roles: roleMaps() }])) };
  const aliasPrefix = (k: string): string | undefined =>
    aliases.filter((a) => k.startsWith(`${a}.`)).sort((a, b) => b.length - a.length)[0];
  const ignored = (e: ConfigEntry): void => warn(`'${e.key}' is a MirrorMaker 2 / Connect setting this engine does not use; ignored`);
  const putRole = (maps: RoleMaps, sub: string, e: ConfigEntry): boolean => {
    const role = ROLES.find((r) => sub.startsWith(`${r}.`));
    if (role === undefined) return false;
    const name = sub.slice(role.length + 1);
    if (name === 'bootstrap.servers') warn(`'${e.key}' is ignored; set <alias>.bootstrap.servers`);
    else maps[role].set(name, rawProp(e));
    return true;
  };
  const putScoped = (scope: Scope, sub: string, e: ConfigEntry): boolean => {
    const replacement = DEPRECATED_KEYS[sub];
    if (FLOW_KEY_DEFAULTS[sub] !== undefined) scope.keys.set(sub, e);
    else if (replacement !== undefined) {
      warn(`'${e.key}' is deprecated (removed in Kafka 4.0); use '${e.key.slice(0, -sub.length)}${replacement}'`);
      scope.deprecated.set(replacement, e);
    } else if (IGNORED_KEYS.test(sub)) ignored(e);
    else return putRole(scope.roles, sub, e);
    return true;
  };

  for (const e of entries) {
    const k = e.key;
    if (k === 'clusters' || k === 'config.providers' || k.startsWith('config.providers.')) continue;
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
      out.topClient.set(k, rawProp(e)); // MM2 applies top-level security settings to every cluster
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
      else if (FLOW_KEY_DEFAULTS[sub] !== undefined || DEPRECATED_KEYS[sub] !== undefined) {
        warn(`'${k}' has no effect at cluster level; set '${sub}' top-level or as '<source>-><target>.${sub}'`);
      } else if (IGNORED_KEYS.test(sub)) ignored(e);
      else if (!putRole(scope.roles, sub, e)) scope.client.set(sub, rawProp(e));
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
  onAutoOffsetReset?: (prop: RawProp) => void): ClusterConfig {
  const scope: ClusterScope = c.clusters.get(alias) ?? { client: new Map(), roles: roleMaps() };
  const bootstrapServers = parseList(scope.bootstrap?.value ?? '').join(',');
  if (bootstrapServers === '') {
    throw configError(`${alias}.bootstrap.servers`, scope.bootstrap?.value,
      `host:port[,host:port…] (flow ${flow.source}->${flow.target} uses cluster ${alias})`);
  }
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
    return { ...props, 'bootstrap.servers': bootstrapServers };
  };
  const forRole = (r: Role): Record<string, string> =>
    translate(r, [c.topClient, c.top.roles[r], scope.client, scope.roles[r], flow.roles[r], flow.sides[side][r]]);
  return { alias, bootstrapServers, client: translate('common', [c.topClient, scope.client]),
    consumer: forRole('consumer'), producer: forRole('producer'), admin: forRole('admin') };
}

/**
 * The heartbeat-only pair `flow` (not enabled) if it emits heartbeats (MM2 `clusterPairs`: pair-level
 * `emit.heartbeats.enabled`, else top-level, default true); undefined otherwise, or with a warning when
 * its target cluster has no bootstrap servers (MM2 would fall back to localhost:9092).
 */
function buildHeartbeatPair(c: Classified, flow: FlowScope, warn: (m: string) => void): HeartbeatPairConfig | undefined {
  const r = (key: string): ConfigEntry => flow.keys.get(key) ?? c.top.keys.get(key) ?? { key, value: FLOW_KEY_DEFAULTS[key] ?? '', line: 0 };
  const name = `${flow.source}->${flow.target}`;
  if (!parseBool(r('emit.heartbeats.enabled'))) return undefined;
  if (c.clusters.get(flow.target)?.bootstrap === undefined) {
    warn(`heartbeats of cluster pair ${name} (MM2 emits them for every pair) are not emitted: '${flow.target}.bootstrap.servers' is not set (set '${name}.emit.heartbeats.enabled = false' to silence this)`);
    return undefined;
  }
  const policyClass = r('replication.policy.class');
  const sep = r('replication.policy.separator');
  const policy = createReplicationPolicy(policyClass.value, sep.value.trim(), { classKey: policyClass.key, separatorKey: sep.key });
  return {
    name, sourceAlias: flow.source, targetAlias: flow.target,
    target: buildCluster(c, flow.target, flow, 'target', warn),
    heartbeatsTopic: policy.heartbeatsTopic(),
    emitHeartbeatsIntervalMs: secondsToMs(r('emit.heartbeats.interval.seconds')),
    heartbeatsTopicReplicationFactor: parseReplicationFactor(r('heartbeats.topic.replication.factor')),
  };
}

function buildFlow(c: Classified, flow: FlowScope, clustersEntry: ConfigEntry, warn: (m: string) => void): FlowConfig {
  const r = (key: string): ConfigEntry => flow.keys.get(key) ?? flow.deprecated.get(key) ?? c.top.keys.get(key)
    ?? c.top.deprecated.get(key) ?? { key, value: FLOW_KEY_DEFAULTS[key] ?? '', line: 0 };
  const name = `${flow.source}->${flow.target}`;
  const sep = r('replication.policy.separator');
  const policyClass = r('replication.policy.class');
  const replicationPolicy = createReplicationPolicy(policyClass.value, sep.value.trim(), {
    internalTopicSeparatorEnabled: parseBool(r('replication.policy.internal.topic.separator.enabled')),
    classKey: policyClass.key, separatorKey: sep.key,
  });
  const separator = replicationPolicy.separator;
  for (const alias of [flow.source, flow.target]) {
    // The first separator in "<alias><sep><topic>" must be the one after the alias, or topicSource() misreads it.
    if (`${alias}${separator}`.indexOf(separator) !== alias.length) {
      throw configError('clusters', clustersEntry.value, `aliases that do not contain the replication.policy.separator '${separator}' of flow ${name}`);
    }
  }
  if (replicationPolicy.className === POLICY_CLASS_NAMES.identity && c.flows.get(`${flow.target}->${flow.source}`)?.enabled) {
    warn(`flows ${name} and ${flow.target}->${flow.source} use IdentityReplicationPolicy, which cannot detect cycles: keep their topic lists disjoint`);
  }
  const [topics, topicsExclude, groups, groupsExclude] = [r('topics'), r('topics.exclude'), r('groups'), r('groups.exclude')];
  if (parseList(topics.value).length === 0) warn(`'${topics.key}' is empty: flow ${name} mirrors no topic`);
  const propsExclude = r('config.properties.exclude');
  let reset: ConfigEntry = { key: 'auto.offset.reset', value: 'earliest', line: 0 };
  const source = buildCluster(c, flow.source, flow, 'source', warn, (p) => (reset = { key: p.key, value: p.value, line: 0 }));
  return {
    name, sourceAlias: flow.source, targetAlias: flow.target,
    source,
    target: buildCluster(c, flow.target, flow, 'target', warn),
    autoOffsetReset: parseAutoOffsetReset(reset),
    topicFilter: new TopicFilter({
      replicationPolicy, targetAlias: flow.target, include: topics.value, exclude: topicsExclude.value,
      includeKey: topics.key, excludeKey: topicsExclude.key,
      heartbeatsReplicationEnabled: parseBool(r('heartbeats.replication.enabled')),
    }),
    groupFilter: new GroupFilter({ include: groups.value, exclude: groupsExclude.value, includeKey: groups.key, excludeKey: groupsExclude.key }),
    replicationPolicy,
    refreshTopicsEnabled: parseBool(r('refresh.topics.enabled')),
    refreshTopicsIntervalMs: secondsToMs(r('refresh.topics.interval.seconds')),
    refreshGroupsEnabled: parseBool(r('refresh.groups.enabled')),
    refreshGroupsIntervalMs: secondsToMs(r('refresh.groups.interval.seconds')),
    topicResetCheckIntervalMs: positiveMs(r('topic.reset.check.interval.ms')),
    truncationCheckIntervalMs: positiveMs(r('truncation.check.interval.ms')),
    progressFlushIntervalMs: positiveMs(r('progress.flush.interval.ms')),
    truncationPolicy: parseOneOf(r('truncation.policy'), ['fail', 'continue'] as const),
    isolationLevel: parseOneOf(r('isolation.level'), ['read_committed', 'read_uncommitted'] as const),
    syncTopicConfigsEnabled: parseBool(r('sync.topic.configs.enabled')),
    syncTopicConfigsIntervalMs: secondsToMs(r('sync.topic.configs.interval.seconds')),
    configPropertiesExclude: compilePatternList(propsExclude.key, propsExclude.value),
    replicationFactor: parseReplicationFactor(r('replication.factor')),
    offsetSyncsTopicReplicationFactor: parseReplicationFactor(r('offset-syncs.topic.replication.factor')),
    checkpointsTopicReplicationFactor: parseReplicationFactor(r('checkpoints.topic.replication.factor')),
    heartbeatsTopicReplicationFactor: parseReplicationFactor(r('heartbeats.topic.replication.factor')),
    progressTopicReplicationFactor: parseReplicationFactor(r('progress.topic.replication.factor')),
    emitHeartbeatsEnabled: parseBool(r('emit.heartbeats.enabled')),
    emitHeartbeatsIntervalMs: secondsToMs(r('emit.heartbeats.interval.seconds')),
    emitCheckpointsEnabled: parseBool(r('emit.checkpoints.enabled')),
    emitCheckpointsIntervalMs: secondsToMs(r('emit.checkpoints.interval.seconds')),
    emitOffsetSyncsEnabled: parseBool(r('emit.offset-syncs.enabled')),
    syncGroupOffsetsEnabled: parseBool(r('sync.group.offsets.enabled')),
    syncGroupOffsetsIntervalMs: secondsToMs(r('sync.group.offsets.interval.seconds')),
    offsetLagMax: parseInteger(r('offset.lag.max'), 0, 'a non-negative integer number of records'),
    tasksMax: parseTasksMax(r('tasks.max')),
    offsetSyncsIntervalMs: positiveMs(r('offset-syncs.interval.ms')),
    offsetSyncsTopicLocation: parseOneOf(r('offset-syncs.topic.location'), ['source', 'target'] as const),
    syncTopicAclsEnabled: parseBool(r('sync.topic.acls.enabled')),
    syncTopicAclsIntervalMs: secondsToMs(r('sync.topic.acls.interval.seconds')),
    syncGroupAclsEnabled: parseBool(r('sync.group.acls.enabled')),
    consumerPollTimeoutMs: positiveMs(r('consumer.poll.timeout.ms')),
    adminTimeoutMs: positiveMs(r('admin.timeout.ms')),
  };
}

/** Parses mm2.properties text into a frozen {@link MirrorConfig}. Pure apart from reading `process.env` by default. Throws ConfigError. */
export function parseMirrorConfig(text: string, opts: ParseMirrorConfigOptions = {}): ParsedMirrorConfig {
  const env = opts.env ?? process.env;
  const warnings: string[] = [];
  const warn = (msg: string): void => {
    if (!warnings.includes(msg)) warnings.push(msg);
  };
  const byKey = new Map<string, ConfigEntry>();
  for (const entry of parseProperties(text)) {
    const previous = byKey.get(entry.key);
    if (previous) warn(`'${entry.key}' is set twice (lines ${previous.line} and ${entry.line}); line ${entry.line} wins`);
    byKey.delete(entry.key);
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
  return { config: deepFreeze({ clusters: [...clusters], flows, heartbeatPairs }), warnings: Object.freeze(warnings) };
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
