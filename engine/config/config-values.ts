/**
 * The typed value parsers behind the flow-level keys of mm2.properties (config-keys.ts) and the
 * key lists {@link parseMirrorConfig} needs besides them. Every parser throws ConfigError naming the
 * key as written (e.g. `primary->standby.refresh.topics.interval.seconds`), the value (redacted for
 * secret keys) and what was expected.
 */
import { ConfigError } from '../core/errors.ts';
import { REDACTED, isSecretKey } from './redaction.ts';
import { DEFAULT_SEPARATOR, createReplicationPolicy } from '../mm2/replication-policy.ts';
import { compilePatternList } from './topic-filter.ts';

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

/** Names removed in Kafka 4.0 → their replacements; still accepted, with a deprecation warning. */
export const DEPRECATED_KEYS: ReadonlyMap<string, string> = new Map([
  ['topics.blacklist', 'topics.exclude'],
  ['groups.blacklist', 'groups.exclude'],
  ['config.properties.blacklist', 'config.properties.exclude'],
]);

/** MM2 / Connect-worker keys with no meaning for this engine: accepted with a warning, not an error. */
export const IGNORED_KEYS =
  /^((topic|group|config\.property)\.filter\.class|forwarding\.admin\.class|exactly\.once\.(source\.)?support|(offset|config|status)\.storage\..+|(key|value|header)\.converter(\..+)?|dedicated\.mode\..+)$/;

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

/**
 * Largest delay Node.js timers take: 2^31−1 ms (about 24.8 days). A longer `setTimeout` /
 * `setInterval` delay is replaced by 1 ms with a TimeoutOverflowWarning (Node.js docs, timers), so an
 * interval of `emit.heartbeats.interval.seconds = 3000000` would become a 1 ms loop. Interval and
 * timeout keys are capped here instead of every timer in the engine handling any length: a period
 * of more than 24 days is never what a mirror needs, and one check at the boundary covers every
 * timer present and future.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** {@link MAX_TIMER_MS} in whole seconds (2147483), the maximum of every `*.interval.seconds` key. */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/** A decimal safe integer from `min` to `max` (Java Long.parseLong syntax); throws with `expected`. */
export function parseInteger(e: ConfigEntry, min: number, expected: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = e.value.trim();
  const n = Number(v);
  if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) throw configError(e.key, e.value, expected);
  return n;
}

/** A whole number of seconds from 1 to {@link MAX_TIMER_SECONDS} (MM2 `*.interval.seconds`), returned in milliseconds. */
export function secondsToMs(e: ConfigEntry): number {
  return parseInteger(e, 1, `a positive integer number of seconds up to ${MAX_TIMER_SECONDS} (Node.js timers overflow above 2^31-1 ms; `
    + 'to disable, set the matching .enabled = false)', MAX_TIMER_SECONDS) * 1000;
}

/** A whole number of milliseconds from 1 to {@link MAX_TIMER_MS}. Zero is refused: it would make a loop spin. */
export function positiveMs(e: ConfigEntry): number {
  return parseInteger(e, 1, `a positive integer number of milliseconds up to ${MAX_TIMER_MS} (Node.js timers overflow above it)`, MAX_TIMER_MS);
}

/** A topic replication factor: 1..32767, or -1 for the broker's `default.replication.factor` (KIP-464). */
export function parseReplicationFactor(e: ConfigEntry): number {
  const expected = 'a replication factor from 1 to 32767, or -1 for the broker default';
  const n = parseInteger(e, -1, expected, 32767);
  if (n === 0) throw configError(e.key, e.value, expected);
  return n;
}

/** Upper bound of `tasks.max`: every task is an operating-system process with its own Kafka clients. */
export const MAX_TASKS = 64;

/** `tasks.max`: 1..{@link MAX_TASKS} engine task processes. */
export function parseTasksMax(e: ConfigEntry): number {
  return parseInteger(e, 1, `an integer from 1 to ${MAX_TASKS} (engine task processes of the flow)`, MAX_TASKS);
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

/** What a flow-level key holds; config-docs.ts and the fuzz test key on it. */
export type ValueKind = 'boolean' | 'seconds' | 'milliseconds' | 'integer' | 'replication-factor' | 'enum' | 'regex-list'
  | 'policy-class' | 'separator' | 'string';

/**
 * A value type of the key table: `parse` validates a {@link ConfigEntry} and returns the typed value
 * (throws ConfigError naming the key); `label` is the README's type column; `min` / `max` bound
 * numbers (in the unit the user writes), `values` lists enum members.
 */
export interface ValueType<T> {
  readonly kind: ValueKind;
  readonly label: string;
  readonly parse: (e: ConfigEntry) => T;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
}

/** `true` / `false`. */
export const BOOLEAN: ValueType<boolean> = { kind: 'boolean', label: 'boolean', parse: parseBool };
/** MM2 `*.interval.seconds`, held in ms. */
export const SECONDS: ValueType<number> = {
  kind: 'seconds', label: `seconds, 1–${MAX_TIMER_SECONDS}`, min: 1, max: MAX_TIMER_SECONDS, parse: secondsToMs,
};
/** `*.ms` intervals and timeouts. */
export const MILLISECONDS: ValueType<number> = { kind: 'milliseconds', label: `ms, 1–${MAX_TIMER_MS}`, min: 1, max: MAX_TIMER_MS, parse: positiveMs };
/** Topic replication factors (KIP-464: -1 = broker default). */
export const REPLICATION_FACTOR: ValueType<number> = {
  kind: 'replication-factor', label: '1–32767, or -1', min: -1, max: 32767, parse: parseReplicationFactor,
};
/** `tasks.max`. */
export const TASK_COUNT: ValueType<number> = { kind: 'integer', label: `1–${MAX_TASKS}`, min: 1, max: MAX_TASKS, parse: parseTasksMax };
/** A count of records, 0 or more. */
export const RECORD_COUNT: ValueType<number> = {
  kind: 'integer', label: 'records, 0 or more', min: 0, parse: (e) => parseInteger(e, 0, 'a non-negative integer number of records'),
};
/** A comma-separated list of Java regexes (java-regex.ts), compiled to anchored RegExps. */
export const REGEX_LIST: ValueType<readonly RegExp[]> = {
  kind: 'regex-list', label: 'Java regexes, comma-separated', parse: (e) => compilePatternList(e.key, e.value),
};
/** `replication.policy.class`: MM2's Default or Identity policy, long or short name; returns the long class name. */
export const POLICY_CLASS: ValueType<string> = {
  kind: 'policy-class', label: 'class name', parse: (e) => createReplicationPolicy(e.value, DEFAULT_SEPARATOR, { classKey: e.key }).className,
};
/** `replication.policy.separator`: topic-name characters, trimmed. */
export const SEPARATOR: ValueType<string> = {
  kind: 'separator', label: 'string', parse: (e) => createReplicationPolicy(undefined, e.value.trim(), { separatorKey: e.key }).separator,
};

/**
 * `group.id`: a consumer-group id prefix, trimmed, non-empty, at most 200 characters, of printable ASCII
 * without whitespace (Kafka allows any string; these keep the id usable in `kafka-consumer-groups.sh`
 * and ACLs). The engine appends `-<source>-<target>` per flow.
 */
export const GROUP_ID: ValueType<string> = {
  kind: 'string', label: 'string', parse: (e) => {
    const v = e.value.trim();
    if (!/^[\x21-\x7e]{1,200}$/.test(v)) throw configError(e.key, e.value, 'a group id prefix of 1 to 200 printable ASCII characters without spaces');
    return v;
  },
};

/** One of `values` (compared trimmed, lower-cased), typed as their union. */
export function oneOf<const T extends string>(values: readonly T[]): ValueType<T> {
  return { kind: 'enum', label: values.join(' or '), values, parse: (e) => parseOneOf(e, values) };
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
