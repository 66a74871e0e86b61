/**
 * Replication policy: the ONLY place that builds remote and internal topic names, and decides that
 * a topic is internal, a heartbeats topic or a cycle. Mirrors MM2's Java `ReplicationPolicy`,
 * `DefaultReplicationPolicy` and `IdentityReplicationPolicy` (connect/mirror-client), so topic
 * names on the target are the ones MM2 would have produced and MM2 tooling keeps working.
 */
import { ConfigError } from '../core/errors.ts';

/** MM2 `replication.policy.separator` default. */
export const DEFAULT_SEPARATOR = '.';

/** Fully qualified MM2 class names, accepted in `replication.policy.class`. */
export const POLICY_CLASS_NAMES = {
  default: 'org.apache.kafka.connect.mirror.DefaultReplicationPolicy',
  identity: 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
} as const;

/** Kafka's legal topic characters (`org.apache.kafka.common.internals.Topic`). */
const LEGAL_TOPIC_CHARS = /^[a-zA-Z0-9._-]+$/;

/** How topics are named across clusters; every method is pure (no I/O) and total. */
export interface ReplicationPolicy {
  /** MM2 class name this policy implements, e.g. `org.apache.kafka.connect.mirror.DefaultReplicationPolicy`. */
  readonly className: string;
  /** `replication.policy.separator` in effect (default "."). */
  readonly separator: string;
  /** Name of `topic` from cluster `sourceAlias` on the target, e.g. ("primary", "orders") → "primary.orders". */
  formatRemoteTopic(sourceAlias: string, topic: string): string;
  /** Alias of the cluster a remote topic came from ("primary.orders" → "primary"); undefined if not remote. */
  topicSource(topic: string): string | undefined;
  /** Name one hop upstream ("b.a.orders" → "a.orders"); undefined if not a remote topic. */
  upstreamTopic(topic: string): string | undefined;
  /** Name on the cluster where the topic originated, following every hop; `topic` itself if not remote. */
  originalTopic(topic: string): string;
  /** MM2 heartbeats topic name: "heartbeats". */
  heartbeatsTopic(): string;
  /** MM2 offset-syncs topic for `clusterAlias` (the target of the flow): "mm2-offset-syncs.<alias>.internal". */
  offsetSyncsTopic(clusterAlias: string): string;
  /** MM2 checkpoints topic (on the target) for flows from `sourceAlias`: "<source>.checkpoints.internal". */
  checkpointsTopic(sourceAlias: string): string;
  /**
   * This engine's progress topic (on the target) for flows from `sourceAlias`:
   * "mm2-progress.<source>.internal". Holds per-partition progress keyed by (topic, partition, topic ID).
   */
  progressTopic(sourceAlias: string): string;
  /** True for "heartbeats" and its remote copies ("primary.heartbeats"), as MM2 `isHeartbeatsTopic`. */
  isHeartbeatsTopic(topic: string): boolean;
  /** True for a checkpoints topic ("<alias>.checkpoints.internal"). */
  isCheckpointsTopic(topic: string): boolean;
  /** True for topics MM2 (and this engine) owns: names ending in "<separator>internal". */
  isMM2InternalTopic(topic: string): boolean;
  /** True for topics never mirrored: MM2-internal, Kafka-internal (`__*`, `.*`), Connect (`*-internal`, `*.internal`). */
  isInternalTopic(topic: string): boolean;
  /**
   * True when following `topic`'s sources upstream reaches `targetAlias`: the data came from the
   * target, so mirroring it there again would loop (MM2 `MirrorSourceConnector.isCycle`).
   */
  isCycle(topic: string, targetAlias: string): boolean;
}

/** Options of {@link DefaultReplicationPolicy}; `*Key` name the config keys in ConfigError messages. */
export interface ReplicationPolicyOptions {
  /** `replication.policy.separator`; non-empty, legal topic characters only. Default ".". */
  separator?: string;
  /** MM2 `replication.policy.internal.topic.separator.enabled` (default true): use the separator in internal topic names. */
  internalTopicSeparatorEnabled?: boolean;
  /** Identity policy only: MM2 `source.cluster.alias`, reported by `topicSource` for every non-heartbeat topic. */
  sourceClusterAlias?: string;
  separatorKey?: string;
}

/**
 * MM2 `DefaultReplicationPolicy`: remote topic = `<sourceAlias><separator><topic>`.
 * Deliberate difference from Java's `String.split`-based `topicSource`: a name whose part after the
 * first separator is empty or only separators (e.g. "a...") is still remote, and a leading separator
 * means "not remote" (an alias is never empty). This makes `upstreamTopic(formatRemoteTopic(a, t)) === t`
 * hold for every non-empty topic; Java differs only on such degenerate names.
 */
export class DefaultReplicationPolicy implements ReplicationPolicy {
  readonly separator: string;
  readonly internalTopicSeparatorEnabled: boolean;

  /** Throws ConfigError (key `replication.policy.separator` or `opts.separatorKey`) for an empty or illegal separator. */
  constructor(opts: ReplicationPolicyOptions = {}) {
    const separator = opts.separator ?? DEFAULT_SEPARATOR;
    if (!LEGAL_TOPIC_CHARS.test(separator)) {
      throw new ConfigError(
        opts.separatorKey ?? 'replication.policy.separator',
        separator,
        'a non-empty string of topic-name characters [a-zA-Z0-9._-]',
      );
    }
    this.separator = separator;
    this.internalTopicSeparatorEnabled = opts.internalTopicSeparatorEnabled ?? true;
  }

  get className(): string {
    return POLICY_CLASS_NAMES.default;
  }

  /** Separator used inside internal topic names ("." when the MM2 compatibility switch is off). */
  protected get internalSeparator(): string {
    return this.internalTopicSeparatorEnabled ? this.separator : '.';
  }

  formatRemoteTopic(sourceAlias: string, topic: string): string {
    return sourceAlias + this.separator + topic;
  }

  topicSource(topic: string): string | undefined {
    const at = topic.indexOf(this.separator);
    if (at <= 0 || at + this.separator.length >= topic.length) return undefined;
    return topic.slice(0, at);
  }

  upstreamTopic(topic: string): string | undefined {
    const source = this.topicSource(topic);
    return source === undefined ? undefined : topic.slice(source.length + this.separator.length);
  }

  originalTopic(topic: string): string {
    let current = topic;
    for (;;) {
      const upstream = this.upstreamTopic(current);
      // `upstream === current`: Identity-style policies never shorten a name.
      if (upstream === undefined || upstream === current) return current;
      current = upstream;
    }
  }

  heartbeatsTopic(): string {
    return 'heartbeats';
  }

  offsetSyncsTopic(clusterAlias: string): string {
    const s = this.internalSeparator;
    return `mm2-offset-syncs${s}${clusterAlias}${s}internal`;
  }

  checkpointsTopic(sourceAlias: string): string {
    const s = this.internalSeparator;
    return `${sourceAlias}${s}checkpoints${s}internal`;
  }

  progressTopic(sourceAlias: string): string {
    const s = this.internalSeparator;
    return `mm2-progress${s}${sourceAlias}${s}internal`;
  }

  isHeartbeatsTopic(topic: string): boolean {
    return this.heartbeatsTopic() === this.originalTopic(topic);
  }

  isCheckpointsTopic(topic: string): boolean {
    const s = this.internalSeparator;
    return topic.endsWith(`${s}checkpoints${s}internal`);
  }

  isMM2InternalTopic(topic: string): boolean {
    return topic.endsWith(`${this.internalSeparator}internal`);
  }

  isInternalTopic(topic: string): boolean {
    const kafkaInternal = topic.startsWith('__') || topic.startsWith('.');
    const connectInternal = topic.endsWith('-internal') || topic.endsWith('.internal');
    return this.isMM2InternalTopic(topic) || kafkaInternal || connectInternal;
  }

  isCycle(topic: string, targetAlias: string): boolean {
    let current = topic;
    for (;;) {
      const source = this.topicSource(current);
      if (source === undefined) return false;
      if (source === targetAlias) return true;
      const upstream = this.upstreamTopic(current);
      // Identity-style policies keep names, so they cannot detect cycles beyond one hop (as in MM2).
      if (upstream === undefined || upstream === current) return false;
      current = upstream;
    }
  }
}

/**
 * MM2 `IdentityReplicationPolicy`: remote topic keeps its name (migrations, one-way DR). Heartbeats
 * are the exception: any name ending in "heartbeats" is handled as by the default policy, exactly as
 * MM2 does. Cycles cannot be detected from names alone (MM2 warns the same): keep topologies acyclic.
 */
export class IdentityReplicationPolicy extends DefaultReplicationPolicy {
  readonly sourceClusterAlias: string | undefined;

  constructor(opts: ReplicationPolicyOptions = {}) {
    super(opts);
    this.sourceClusterAlias = opts.sourceClusterAlias;
  }

  override get className(): string {
    return POLICY_CLASS_NAMES.identity;
  }

  private looksLikeHeartbeat(topic: string): boolean {
    return topic.endsWith(this.heartbeatsTopic());
  }

  override formatRemoteTopic(sourceAlias: string, topic: string): string {
    return this.looksLikeHeartbeat(topic) ? super.formatRemoteTopic(sourceAlias, topic) : topic;
  }

  override topicSource(topic: string): string | undefined {
    return this.looksLikeHeartbeat(topic) ? super.topicSource(topic) : this.sourceClusterAlias;
  }

  override upstreamTopic(topic: string): string | undefined {
    return this.looksLikeHeartbeat(topic) ? super.upstreamTopic(topic) : topic;
  }
}

const DEFAULT_NAMES = new Set<string>([POLICY_CLASS_NAMES.default, 'Default', 'DefaultReplicationPolicy']);
const IDENTITY_NAMES = new Set<string>([POLICY_CLASS_NAMES.identity, 'Identity', 'IdentityReplicationPolicy']);

/**
 * Builds the policy named by MM2 `replication.policy.class` (undefined → default). Accepts the two
 * MM2 class names and the short names Default, Identity, DefaultReplicationPolicy,
 * IdentityReplicationPolicy. Anything else (custom Java classes cannot run here) throws ConfigError
 * naming `replication.policy.class` (or `opts.classKey`); a bad separator throws ConfigError too.
 */
export function createReplicationPolicy(
  className: string | undefined,
  separator: string = DEFAULT_SEPARATOR,
  opts: Omit<ReplicationPolicyOptions, 'separator'> & { classKey?: string } = {},
): ReplicationPolicy {
  const name = (className ?? POLICY_CLASS_NAMES.default).trim();
  const policyOpts = { ...opts, separator };
  if (DEFAULT_NAMES.has(name)) return new DefaultReplicationPolicy(policyOpts);
  if (IDENTITY_NAMES.has(name)) return new IdentityReplicationPolicy(policyOpts);
  throw new ConfigError(
    opts.classKey ?? 'replication.policy.class',
    name,
    `one of ${POLICY_CLASS_NAMES.default}, ${POLICY_CLASS_NAMES.identity} (or short names Default, Identity)`,
  );
}
