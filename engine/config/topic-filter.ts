/**
 * Topic and consumer-group selection, as MM2's `DefaultTopicFilter` / `DefaultGroupFilter` (include
 * and exclude regex lists, whole-name match like Java's `Pattern.matches`) combined with
 * `MirrorSourceConnector.shouldReplicateTopic` (internal topics and cycles never, heartbeats always).
 */
import { ConfigError } from '../core/errors.ts';
import type { ReplicationPolicy } from '../mm2/replication-policy.ts';
import { JavaRegexError, translateJavaRegex } from './java-regex.ts';

/** MM2 `topics` default. */
export const TOPICS_INCLUDE_DEFAULT = '.*';
/** MM2 `topics.exclude` default (Kafka 3.x/4.x docs). */
export const TOPICS_EXCLUDE_DEFAULT = '.*[\\-\\.]internal, .*\\.replica, __.*';
/** MM2 `groups` default. */
export const GROUPS_INCLUDE_DEFAULT = '.*';
/** MM2 `groups.exclude` default. */
export const GROUPS_EXCLUDE_DEFAULT = 'console-consumer-.*, connect-.*, __.*';

/** Splits a Java ConfigDef LIST value: trimmed, comma-separated, blanks around commas dropped; "" → []. */
export function parseList(value: string): string[] {
  const trimmed = value.trim();
  return trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
}

/**
 * Compiles a comma-separated list of Java regexes into anchored RegExps (whole-name match, Java
 * `matches()`), through java-regex.ts so each means what it means to MM2. `key` is the config key the
 * value came from. Throws ConfigError naming key and value when java.util.regex.Pattern would reject a
 * pattern (Java's description, e.g. "Illegal repetition near index 11") or when it uses a Java feature
 * this engine does not reproduce (the feature is named).
 */
export function compilePatternList(key: string, value: string): readonly RegExp[] {
  return parseList(value).map((pattern) => {
    try {
      const { source, flags } = translateJavaRegex(pattern);
      return new RegExp(`^(?:${source})$`, flags);
    } catch (err) {
      if (!(err instanceof JavaRegexError)) throw err;
      throw new ConfigError(key, value, `comma-separated Java regexes; '${pattern}' is ${err.kind === 'invalid' ? 'invalid' : 'refused'}: ${err.reason}`);
    }
  });
}

/** An include list minus an exclude list, both anchored. */
class PatternFilter {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly #include: readonly RegExp[];
  readonly #exclude: readonly RegExp[];

  constructor(include: string, exclude: string, includeKey: string, excludeKey: string) {
    this.include = Object.freeze(parseList(include));
    this.exclude = Object.freeze(parseList(exclude));
    this.#include = compilePatternList(includeKey, include);
    this.#exclude = compilePatternList(excludeKey, exclude);
  }

  included(name: string): boolean {
    return this.#include.some((re) => re.test(name));
  }

  excluded(name: string): boolean {
    return this.#exclude.some((re) => re.test(name));
  }
}

/** Why a topic is or is not mirrored; `reason` is meant for a debug log line. */
export interface TopicDecision {
  readonly replicate: boolean;
  /** included | heartbeats (replicated regardless of lists) | not-included | excluded | internal | cycle */
  readonly reason: 'included' | 'heartbeats' | 'not-included' | 'excluded' | 'internal' | 'cycle';
}

/** Options of {@link TopicFilter}; `*Key` are the config keys named in ConfigError messages. */
export interface TopicFilterOptions {
  replicationPolicy: ReplicationPolicy;
  /** Alias of the target cluster of the flow: topics that came from it are cycles. */
  targetAlias: string;
  /** MM2 `topics` (default `.*`). */
  include?: string;
  /** MM2 `topics.exclude` (default {@link TOPICS_EXCLUDE_DEFAULT}). */
  exclude?: string;
  /** MM2 `heartbeats.replication.enabled` (default true): mirror heartbeats topics even when not included. */
  heartbeatsReplicationEnabled?: boolean;
  includeKey?: string;
  excludeKey?: string;
}

/** Decides which source topics one flow mirrors. Immutable; invalid regexes throw ConfigError at construction. */
export class TopicFilter {
  readonly targetAlias: string;
  readonly heartbeatsReplicationEnabled: boolean;
  readonly #patterns: PatternFilter;
  readonly #policy: ReplicationPolicy;

  constructor(opts: TopicFilterOptions) {
    this.#policy = opts.replicationPolicy;
    this.targetAlias = opts.targetAlias;
    this.heartbeatsReplicationEnabled = opts.heartbeatsReplicationEnabled ?? true;
    this.#patterns = new PatternFilter(
      opts.include ?? TOPICS_INCLUDE_DEFAULT,
      opts.exclude ?? TOPICS_EXCLUDE_DEFAULT,
      opts.includeKey ?? 'topics',
      opts.excludeKey ?? 'topics.exclude',
    );
  }

  /** Include patterns as written (for logs). */
  get include(): readonly string[] {
    return this.#patterns.include;
  }

  /** Exclude patterns as written (for logs). */
  get exclude(): readonly string[] {
    return this.#patterns.exclude;
  }

  /** MM2 `DefaultTopicFilter.shouldReplicateTopic`: included and not excluded, nothing else. */
  matchesLists(topic: string): boolean {
    return this.#patterns.included(topic) && !this.#patterns.excluded(topic);
  }

  /**
   * MM2 `MirrorSourceConnector.shouldReplicateTopic`, with the reason:
   * (lists match || (heartbeats replication && heartbeats topic)) && !internal && !cycle.
   */
  decide(topic: string): TopicDecision {
    const policy = this.#policy;
    if (policy.isInternalTopic(topic)) return { replicate: false, reason: 'internal' };
    if (policy.isCycle(topic, this.targetAlias)) return { replicate: false, reason: 'cycle' };
    if (this.matchesLists(topic)) return { replicate: true, reason: 'included' };
    if (this.heartbeatsReplicationEnabled && policy.isHeartbeatsTopic(topic)) {
      return { replicate: true, reason: 'heartbeats' };
    }
    return { replicate: false, reason: this.#patterns.included(topic) ? 'excluded' : 'not-included' };
  }

  /** True when the flow mirrors `topic` (see {@link decide}). */
  shouldReplicateTopic(topic: string): boolean {
    return this.decide(topic).replicate;
  }
}

/** Options of {@link GroupFilter}: MM2 `groups` / `groups.exclude` and the keys they came from. */
export interface GroupFilterOptions {
  include?: string;
  exclude?: string;
  includeKey?: string;
  excludeKey?: string;
}

/** MM2 `DefaultGroupFilter`: consumer groups whose offsets are checkpointed. Immutable. */
export class GroupFilter {
  readonly #patterns: PatternFilter;

  /** Throws ConfigError naming `groups` / `groups.exclude` (or the given keys) on an invalid regex. */
  constructor(opts: GroupFilterOptions = {}) {
    this.#patterns = new PatternFilter(
      opts.include ?? GROUPS_INCLUDE_DEFAULT,
      opts.exclude ?? GROUPS_EXCLUDE_DEFAULT,
      opts.includeKey ?? 'groups',
      opts.excludeKey ?? 'groups.exclude',
    );
  }

  get include(): readonly string[] {
    return this.#patterns.include;
  }

  get exclude(): readonly string[] {
    return this.#patterns.exclude;
  }

  /** True when `group` matches an include pattern and no exclude pattern. */
  shouldReplicateGroup(group: string): boolean {
    return this.#patterns.included(group) && !this.#patterns.excluded(group);
  }
}
