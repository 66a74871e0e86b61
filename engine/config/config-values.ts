/**
 * Flow-level keys of mm2.properties with their defaults, and the typed value parsers behind
 * {@link parseMirrorConfig}. Every parser throws ConfigError naming the key as written (e.g.
 * `primary->standby.refresh.topics.interval.seconds`), the value (redacted for secret keys) and
 * what was expected.
 */
import { ConfigError } from '../core/errors.ts';
import { REDACTED, isSecretKey } from './client-props.ts';
import { POLICY_CLASS_NAMES } from '../mm2/replication-policy.ts';
import { GROUPS_EXCLUDE_DEFAULT, GROUPS_INCLUDE_DEFAULT, TOPICS_EXCLUDE_DEFAULT, TOPICS_INCLUDE_DEFAULT } from './topic-filter.ts';

/** One property as read: full key as written, raw value, 1-based line (0 for a default). */
export interface ConfigEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** MM2 `config.properties.exclude` default (DefaultConfigPropertyFilter). */
export const CONFIG_PROPERTIES_EXCLUDE_DEFAULT =
  'follower\\.replication\\.throttled\\.replicas, leader\\.replication\\.throttled\\.replicas, '
  + 'message\\.timestamp\\.difference\\.max\\.ms, message\\.timestamp\\.type, '
  + 'unclean\\.leader\\.election\\.enable, min\\.insync\\.replicas';

/**
 * Every flow-level key with its default as the string a user would write; MM2's defaults unless
 * marked "ours". Settable top-level (all flows) or as `A->B.<key>` (one flow).
 */
export const FLOW_KEY_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  'topics': TOPICS_INCLUDE_DEFAULT,
  'topics.exclude': TOPICS_EXCLUDE_DEFAULT,
  'groups': GROUPS_INCLUDE_DEFAULT,
  'groups.exclude': GROUPS_EXCLUDE_DEFAULT,
  'replication.policy.class': POLICY_CLASS_NAMES.default,
  'replication.policy.separator': '.',
  'replication.policy.internal.topic.separator.enabled': 'true',
  'refresh.topics.enabled': 'true',
  'refresh.topics.interval.seconds': '600',
  'refresh.groups.enabled': 'true',
  // ours: 5 (MM2 600). Listing groups is one cheap request; MM2's default leaves a new group without
  // checkpoints (no failover) for up to 10 minutes.
  'refresh.groups.interval.seconds': '5',
  'sync.topic.configs.enabled': 'true',
  'sync.topic.configs.interval.seconds': '600',
  'config.properties.exclude': CONFIG_PROPERTIES_EXCLUDE_DEFAULT,
  'replication.factor': '2',
  'offset-syncs.topic.replication.factor': '3',
  'checkpoints.topic.replication.factor': '3',
  'heartbeats.topic.replication.factor': '3',
  'progress.topic.replication.factor': '3', // ours
  'emit.heartbeats.enabled': 'true',
  'emit.heartbeats.interval.seconds': '1',
  'heartbeats.replication.enabled': 'true',
  'emit.checkpoints.enabled': 'true',
  // ours: 5 (MM2 60). Checkpoint staleness (commit on the source → checkpoint on the target) is at most
  // this plus a round trip; a round costs one OffsetFetch per group and writes only what changed.
  'emit.checkpoints.interval.seconds': '5',
  'emit.offset-syncs.enabled': 'true', // KIP-1031
  'sync.group.offsets.enabled': 'false',
  'sync.group.offsets.interval.seconds': '5', // ours: 5 (MM2 60); writes only groups that are behind and inactive
  'offset.lag.max': '100',
  'offset-syncs.topic.location': 'source',
  'sync.topic.acls.enabled': 'true',
  'sync.topic.acls.interval.seconds': '600',
  // ours: with topic ACL sync, also the ACLs of the consumer groups the flow checkpoints, so a failed-over
  // group may read and commit on the target (MM2 copies topic ACLs only).
  'sync.group.acls.enabled': 'true',
  // ours: a partition whose mirrored position moved gets an offset sync at most this often (besides the
  // syncs at each series start and delta change that make translation exact). Bounds the syncs volume and
  // how far behind the mirrored head a store rebuilt after a crash starts.
  'offset-syncs.interval.ms': '1000',
  'consumer.poll.timeout.ms': '1000',
  'admin.timeout.ms': '60000',
  'truncation.policy': 'fail', // ours
  // MM2: tasks per connector. Here: engine task processes of a flow, each mirroring the source partitions
  // engine/partitions/task-assignment.ts assigns it (1 = everything in the one process).
  'tasks.max': '1',
  'topic.reset.check.interval.ms': '1000', // ours
  'truncation.check.interval.ms': '500', // ours
  'progress.flush.interval.ms': '1000', // ours
  'isolation.level': 'read_committed', // ours
});

/** Names removed in Kafka 4.0 → their replacements; still accepted, with a deprecation warning. */
export const DEPRECATED_KEYS: Readonly<Record<string, string>> = Object.freeze({
  'topics.blacklist': 'topics.exclude',
  'groups.blacklist': 'groups.exclude',
  'config.properties.blacklist': 'config.properties.exclude',
});

/** MM2 / Connect-worker keys with no meaning for this engine: accepted with a warning, not an error. */
export const IGNORED_KEYS =
  /^((topic|group|config\.property)\.filter\.class|forwarding\.admin\.class|exactly\.once\.(source\.)?support|(offset|config|status)\.storage\..+|(key|value|header)\.converter(\..+)?|dedicated\.mode\..+|group\.id)$/;

/** ConfigError that never shows a secret value (the key decides, see isSecretKey). */
export function configError(key: string, value: string | undefined, expected: string): ConfigError {
  return new ConfigError(key, value !== undefined && isSecretKey(key) ? REDACTED : value, expected);
}

/** `true` / `false`, case-insensitive, trimmed (Java ConfigDef BOOLEAN); anything else throws. */
export function parseBool(e: ConfigEntry): boolean {
  const v = e.value.trim().toLowerCase();
  if (v !== 'true' && v !== 'false') throw configError(e.key, e.value, 'true or false');
  return v === 'true';
}

/** A decimal safe integer ≥ `min` (Java Long.parseLong syntax); throws with `expected`. */
export function parseInteger(e: ConfigEntry, min: number, expected: string): number {
  const v = e.value.trim();
  const n = Number(v);
  if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) throw configError(e.key, e.value, expected);
  return n;
}

/** A positive whole number of seconds (MM2 `*.interval.seconds`), returned in milliseconds. */
export function secondsToMs(e: ConfigEntry): number {
  return parseInteger(e, 1, 'a positive integer number of seconds (to disable, set the matching .enabled = false)') * 1000;
}

/** A positive whole number of milliseconds. Zero is refused: it would make a loop spin. */
export function positiveMs(e: ConfigEntry): number {
  return parseInteger(e, 1, 'a positive integer number of milliseconds');
}

/** A topic replication factor: 1..32767, or -1 for the broker's `default.replication.factor` (KIP-464). */
export function parseReplicationFactor(e: ConfigEntry): number {
  const expected = 'a replication factor from 1 to 32767, or -1 for the broker default';
  const n = parseInteger(e, -1, expected);
  if (n === 0 || n > 32767) throw configError(e.key, e.value, expected);
  return n;
}

/** Upper bound of `tasks.max`: every task is an operating-system process with its own Kafka clients. */
export const MAX_TASKS = 64;

/** `tasks.max`: 1..{@link MAX_TASKS} engine task processes. */
export function parseTasksMax(e: ConfigEntry): number {
  const expected = `an integer from 1 to ${MAX_TASKS} (engine task processes of the flow)`;
  const n = parseInteger(e, 1, expected);
  if (n > MAX_TASKS) throw configError(e.key, e.value, expected);
  return n;
}

/**
 * The source consumer's `auto.offset.reset` (MM2: `<alias>.consumer.auto.offset.reset`, default
 * `earliest`): `earliest` or `latest`, trimmed, any case. Anything else (`none`, `by_duration:…`) throws
 * ConfigError naming the key as written.
 */
export function parseAutoOffsetReset(e: ConfigEntry): 'earliest' | 'latest' {
  const v = e.value.trim().toLowerCase();
  if (v !== 'earliest' && v !== 'latest') {
    throw configError(e.key, e.value, 'earliest or latest (where a source partition without stored progress starts mirroring)');
  }
  return v;
}

/** One of `allowed`, compared trimmed and lower-cased. */
export function parseOneOf<T extends string>(e: ConfigEntry, allowed: readonly T[]): T {
  const v = e.value.trim().toLowerCase();
  const hit = allowed.find((a) => a === v);
  if (hit === undefined) throw configError(e.key, e.value, `one of ${allowed.join(', ')}`);
  return hit;
}

/**
 * Replaces `${env:NAME}` references (Kafka's EnvVarConfigProvider syntax, KIP-887) with values from
 * `env`. Other providers (`${file:…}`, `${directory:…}`) throw: left literal, they would reach the
 * client as a wrong password and fail later with an opaque authentication error.
 */
export function substituteEnv(e: ConfigEntry, env: Readonly<Record<string, string | undefined>>): ConfigEntry {
  if (!e.value.includes('${')) return e;
  const value = e.value.replace(/\$\{([\w.-]+):(?:[^}:]*:)?([^}]*)\}/g, (ref, provider: string, name: string) => {
    if (provider !== 'env') {
      throw configError(e.key, e.value, `\${env:NAME} references only (config provider '${provider}' is not supported)`);
    }
    const v = env[name];
    if (v === undefined) throw configError(e.key, ref, `environment variable ${name} to be set`);
    return v;
  });
  return { ...e, value };
}
