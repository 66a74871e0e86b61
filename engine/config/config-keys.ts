/**
 * THE table of flow-level mm2.properties keys: one entry per key with its type and validator, its
 * default as the string a user writes, the FlowConfig field it fills, a one-line doc, whether it is
 * MM2's or ours (with MM2's default where ours differs) and the engine module that reads it.
 * Everything else derives from it: the FlowConfig fields and their types (config.ts), the keys
 * {@link parseMirrorConfig} recognises, the README's key table (`npm run docs:config`), and the
 * checks in config-keys.test.ts — every field is read somewhere outside engine/config/, so a key that
 * is parsed but read by nothing fails the suite.
 *
 * A key fills a scalar FlowConfig field (`field`), or one `part` of a composite field built from
 * several keys (`topicFilter`, `groupFilter`, `replicationPolicy`), or nothing (`field: null`, only
 * for MM2 keys accepted for compatibility, with the reason in `unreadBecause`).
 * Every key is settable top-level (all flows) or as `A->B.<key>` (one flow).
 */
import { POLICY_CLASS_NAMES } from '../mm2/replication-policy.ts';
import { BOOLEAN, CONFIG_PROPERTIES_EXCLUDE_DEFAULT, GROUP_ID, MILLISECONDS, POLICY_CLASS, RECORD_COUNT, REGEX_LIST, REPLICATION_FACTOR,
  SECONDS, SEPARATOR, TASK_COUNT, oneOf, type ConfigEntry, type ValueType } from './config-values.ts';
import { GROUPS_EXCLUDE_DEFAULT, GROUPS_INCLUDE_DEFAULT, TOPICS_EXCLUDE_DEFAULT, TOPICS_INCLUDE_DEFAULT } from './topic-filter.ts';

/** FlowConfig fields built from several keys. */
export type CompositeField = 'topicFilter' | 'groupFilter' | 'replicationPolicy';

/** What every key entry has. `readBy`: modules under engine/ that read the field (e.g. `replicate/mirror-task`). */
export interface KeySpecBase<T> {
  readonly key: string;
  readonly type: ValueType<T>;
  /** The default as a user would write it in mm2.properties. */
  readonly default: string;
  /** One line for the README (Markdown). */
  readonly doc: string;
  /** `mm2`: MirrorMaker 2 has this key; `ours`: this engine's addition. */
  readonly origin: 'mm2' | 'ours';
  /** MM2's default, only where ours differs. */
  readonly mm2Default?: string;
  readonly readBy: readonly string[];
}
/** A key that fills one FlowConfig field with its parsed value. */
export interface FieldKeySpec<F extends string, T> extends KeySpecBase<T> {
  readonly field: F;
  readonly part?: undefined;
}
/** A key that is one part of a composite FlowConfig field. */
export interface PartKeySpec<F extends CompositeField, P extends string, T> extends KeySpecBase<T> {
  readonly field: F;
  readonly part: P;
}
/** An MM2 key accepted (and validated) for compatibility that fills no field. */
export interface UnreadKeySpec<T> extends KeySpecBase<T> {
  readonly field: null;
  readonly part?: undefined;
  readonly unreadBecause: string;
}

const field = <const F extends string, T>(spec: FieldKeySpec<F, T>): FieldKeySpec<F, T> => spec;
const part = <const F extends CompositeField, const P extends string, T>(spec: PartKeySpec<F, P, T>): PartKeySpec<F, P, T> => spec;
const unread = <T>(spec: UnreadKeySpec<T>): UnreadKeySpec<T> => spec;
const RF_DOC = "a cluster with fewer brokers gets its `default.replication.factor` and a warning";
const FAILOVER = ['failover/failover-support'];

/** Every flow-level key, in README order. */
export const FLOW_KEYS = [
  part({ key: 'topics', field: 'topicFilter', part: 'include', type: REGEX_LIST, default: TOPICS_INCLUDE_DEFAULT, origin: 'mm2',
    doc: 'topics to mirror; whole-name match', readBy: ['discovery/topic-discovery'] }),
  part({ key: 'topics.exclude', field: 'topicFilter', part: 'exclude', type: REGEX_LIST, default: TOPICS_EXCLUDE_DEFAULT, origin: 'mm2',
    doc: 'topics never mirrored', readBy: ['discovery/topic-discovery'] }),
  part({ key: 'heartbeats.replication.enabled', field: 'topicFilter', part: 'heartbeatsReplicationEnabled', type: BOOLEAN, default: 'true',
    origin: 'mm2', doc: 'heartbeats topics (`heartbeats`, `<alias>.heartbeats`) are mirrored whatever `topics` says',
    readBy: ['discovery/topic-discovery'] }),
  part({ key: 'groups', field: 'groupFilter', part: 'include', type: REGEX_LIST, default: GROUPS_INCLUDE_DEFAULT, origin: 'mm2',
    doc: 'consumer groups whose offsets are checkpointed', readBy: ['failover/checkpoint-task'] }),
  part({ key: 'groups.exclude', field: 'groupFilter', part: 'exclude', type: REGEX_LIST, default: GROUPS_EXCLUDE_DEFAULT, origin: 'mm2',
    doc: 'consumer groups never checkpointed', readBy: ['failover/checkpoint-task'] }),
  part({ key: 'replication.policy.class', field: 'replicationPolicy', part: 'className', type: POLICY_CLASS, default: POLICY_CLASS_NAMES.default,
    origin: 'mm2', doc: '`DefaultReplicationPolicy` (or `Default`) → `primary.commit-log`; `IdentityReplicationPolicy` (`Identity`) keeps names',
    readBy: ['discovery', 'replicate', 'failover', 'progress', 'runtime'] }),
  part({ key: 'replication.policy.separator', field: 'replicationPolicy', part: 'separator', type: SEPARATOR, default: '.', origin: 'mm2',
    doc: 'between source alias and topic in remote topic names', readBy: ['discovery', 'replicate', 'failover', 'progress', 'runtime'] }),
  part({ key: 'replication.policy.internal.topic.separator.enabled', field: 'replicationPolicy', part: 'internalTopicSeparatorEnabled',
    type: BOOLEAN, default: 'true', origin: 'mm2', doc: 'use the separator in internal topic names too (`mm2-offset-syncs.standby.internal`)',
    readBy: ['discovery', 'replicate', 'failover', 'progress', 'runtime'] }),
  field({ key: 'refresh.topics.enabled', field: 'refreshTopicsEnabled', type: BOOLEAN, default: 'true', origin: 'mm2',
    doc: 'look for new topics and partition increases periodically', readBy: ['replicate/mirror-task'] }),
  field({ key: 'refresh.topics.interval.seconds', field: 'refreshTopicsIntervalMs', type: SECONDS, default: '600', origin: 'mm2',
    doc: 'how often new topics and partition increases are picked up', readBy: ['replicate/mirror-task'] }),
  field({ key: 'refresh.groups.enabled', field: 'refreshGroupsEnabled', type: BOOLEAN, default: 'true', origin: 'mm2',
    doc: 'look for new consumer groups periodically', readBy: ['failover/checkpoint-task'] }),
  field({ key: 'refresh.groups.interval.seconds', field: 'refreshGroupsIntervalMs', type: SECONDS, default: '5', origin: 'mm2', mm2Default: '600',
    doc: 'how soon a new consumer group gets checkpoints (listing groups is one cheap request)', readBy: ['failover/checkpoint-task'] }),
  field({ key: 'sync.topic.configs.enabled', field: 'syncTopicConfigsEnabled', type: BOOLEAN, default: 'true', origin: 'mm2',
    doc: 'topic-level configs copied to remote topics, minus `config.properties.exclude`', readBy: ['discovery/topic-discovery'] }),
  field({ key: 'sync.topic.configs.interval.seconds', field: 'syncTopicConfigsIntervalMs', type: SECONDS, default: '600', origin: 'mm2',
    doc: 'how often the remote topics\' configs are synced again (MM2\'s rules: a synced key edited on the target reverts, a config at its default on the source reverts to the default per `use.defaults.from`, excluded keys are untouched); written only when something differs, one `topic_configs_synced` info line per changed topic', readBy: ['discovery/topic-config-sync'] }),
  field({ key: 'use.defaults.from', field: 'useDefaultsFrom', type: oneOf(['target', 'source']), default: 'target', origin: 'mm2',
    doc: 'MM2 4.x: whose default a topic config at its default on the source gets on the remote topic (`target`: removed there; `source`: copied)', readBy: ['discovery/topic-config-sync', 'discovery/topic-discovery'] }),
  field({ key: 'config.properties.exclude', field: 'configPropertiesExclude', type: REGEX_LIST, default: CONFIG_PROPERTIES_EXCLUDE_DEFAULT,
    origin: 'mm2', doc: 'topic configs never copied to remote topics', readBy: ['discovery/topic-discovery'] }),
  field({ key: 'replication.factor', field: 'replicationFactor', type: REPLICATION_FACTOR, default: '2', origin: 'mm2',
    doc: 'of remote topics; `-1` = broker default', readBy: ['discovery/topic-discovery'] }),
  field({ key: 'offset-syncs.topic.replication.factor', field: 'offsetSyncsTopicReplicationFactor', type: REPLICATION_FACTOR, default: '3',
    origin: 'mm2', doc: `of \`mm2-offset-syncs.<target>.internal\`; ${RF_DOC}`, readBy: FAILOVER }),
  field({ key: 'checkpoints.topic.replication.factor', field: 'checkpointsTopicReplicationFactor', type: REPLICATION_FACTOR, default: '3',
    origin: 'mm2', doc: `of \`<source>.checkpoints.internal\`; ${RF_DOC}`, readBy: FAILOVER }),
  field({ key: 'heartbeats.topic.replication.factor', field: 'heartbeatsTopicReplicationFactor', type: REPLICATION_FACTOR, default: '3',
    origin: 'mm2', doc: `of \`heartbeats\`; ${RF_DOC}`, readBy: FAILOVER }),
  field({ key: 'progress.topic.replication.factor', field: 'progressTopicReplicationFactor', type: REPLICATION_FACTOR, default: '3',
    origin: 'ours', doc: `of \`mm2-progress.<source>.internal\` on the target; ${RF_DOC}`,
    readBy: ['runtime/mirror-engine', 'progress/gap-acknowledgement'] }),
  field({ key: 'emit.heartbeats.enabled', field: 'emitHeartbeatsEnabled', type: BOOLEAN, default: 'true', origin: 'mm2',
    doc: 'MM2 heartbeats to `heartbeats` on the target', readBy: FAILOVER }),
  field({ key: 'emit.heartbeats.interval.seconds', field: 'emitHeartbeatsIntervalMs', type: SECONDS, default: '1', origin: 'mm2',
    doc: 'time between heartbeats', readBy: FAILOVER }),
  field({ key: 'emit.checkpoints.enabled', field: 'emitCheckpointsEnabled', type: BOOLEAN, default: 'true', origin: 'mm2',
    doc: 'consumer-group checkpoints to `<source>.checkpoints.internal` on the target', readBy: FAILOVER }),
  field({ key: 'emit.checkpoints.interval.seconds', field: 'emitCheckpointsIntervalMs', type: SECONDS, default: '5', origin: 'mm2',
    mm2Default: '60', doc: 'checkpoint staleness is at most this plus a round trip; a round writes only what changed',
    readBy: ['failover/failover-support', 'failover/checkpoint-task'] }),
  field({ key: 'emit.offset-syncs.enabled', field: 'emitOffsetSyncsEnabled', type: BOOLEAN, default: 'true', origin: 'mm2',
    doc: 'offset syncs to `mm2-offset-syncs.<target>.internal` (KIP-1031)', readBy: FAILOVER }),
  field({ key: 'sync.group.offsets.enabled', field: 'syncGroupOffsetsEnabled', type: BOOLEAN, default: 'false', origin: 'mm2',
    doc: "write translated offsets into the target's consumer groups — only groups without members there (broker-enforced), never backwards",
    readBy: ['failover/checkpoint-task'] }),
  field({ key: 'sync.group.offsets.interval.seconds', field: 'syncGroupOffsetsIntervalMs', type: SECONDS, default: '5', origin: 'mm2',
    mm2Default: '60', doc: 'how often those offsets are written (only groups that are behind and inactive)', readBy: ['failover/checkpoint-task'] }),
  unread({ key: 'offset.lag.max', field: null, type: RECORD_COUNT, default: '100', origin: 'mm2', readBy: [],
    doc: 'accepted, unused: translation is exact without it',
    unreadBecause: 'MM2 emits a sync every this many records; the syncs here make translation exact (KAFKA-FACTS: MM2 translation)' }),
  field({ key: 'offset-syncs.topic.location', field: 'offsetSyncsTopicLocation', type: oneOf(['source', 'target']), default: 'source',
    origin: 'mm2', doc: 'cluster that holds the offset-syncs topic', readBy: FAILOVER }),
  field({ key: 'offset-syncs.interval.ms', field: 'offsetSyncsIntervalMs', type: MILLISECONDS, default: '1000', origin: 'ours',
    doc: 'a partition that moved gets a sync at most this often, besides the syncs at each series start and each delta change',
    readBy: FAILOVER }),
  field({ key: 'sync.topic.acls.enabled', field: 'syncTopicAclsEnabled', type: BOOLEAN, default: 'true', origin: 'mm2',
    doc: 'copy the source\'s topic ACLs to the remote topics (MM2\'s rules: literal topic ACLs, ALLOW WRITE dropped, ALLOW ALL → READ; beyond MM2: prefixed patterns); only missing bindings are created', readBy: ['discovery/acl-sync', 'runtime/mirror-engine'] }),
  field({ key: 'sync.topic.acls.interval.seconds', field: 'syncTopicAclsIntervalMs', type: SECONDS, default: '600', origin: 'mm2',
    doc: 'how often ACLs are synced again', readBy: ['discovery/acl-sync'] }),
  field({ key: 'sync.group.acls.enabled', field: 'syncGroupAclsEnabled', type: BOOLEAN, default: 'true', origin: 'ours',
    doc: 'with topic ACL sync, also copy the ACLs of the consumer groups the flow checkpoints (ALLOW DELETE dropped), so a failed-over group may commit on the target', readBy: ['discovery/acl-sync'] }),
  field({ key: 'consumer.poll.timeout.ms', field: 'consumerPollTimeoutMs', type: MILLISECONDS, default: '1000', origin: 'mm2',
    doc: 'longest wait of one poll of the source consumer', readBy: ['replicate/mirror-task-settings'] }),
  field({ key: 'admin.timeout.ms', field: 'adminTimeoutMs', type: MILLISECONDS, default: '60000', origin: 'mm2',
    doc: 'time budget of every admin request (topics, offsets, consumer groups, topic configs), retries included; each attempt waits at most 10 s', readBy: ['runtime/mirror-engine', 'failover', 'kafka', 'progress'] }),
  field({ key: 'truncation.policy', field: 'truncationPolicy', type: oneOf(['fail', 'continue']), default: 'fail', origin: 'ours',
    doc: '`fail` stops the flow (exit 3); `continue` records the gap and resumes at the log start', readBy: ['detect/partition-checks'] }),
  field({ key: 'record.rejected.policy', field: 'recordRejectedPolicy', type: oneOf(['fail', 'skip']), default: 'fail', origin: 'ours',
    doc: 'a record the target rejects for good (larger than the remote topic\'s `max.message.bytes` or the producer\'s `max.request.size`, invalid timestamp or record): `fail` stops the flow (exit 6) with nothing after it written to its remote partition; `skip` logs it at error (`record_rejected_skipped`), keeps it as a gap with the progress and mirrors on — a record is skipped only once the target rejected it sent alone',
    readBy: ['replicate'] }),
  field({ key: 'replication.provenance.header.enabled', field: 'provenanceHeader', type: oneOf(['auto', 'true', 'false']), default: 'auto', origin: 'ours',
    doc: 'loop-safe active-active: every mirrored record gets the header `kafka-mirror.origin` (the Kafka cluster ID of the cluster it was first written to; kept as it is on later hops), and a record whose origin is the flow\'s target cluster is never mirrored (counted, logged once per partition, stored as progress). `auto`: on when this flow or its reverse flow uses `IdentityReplicationPolicy` (where topic names cannot tell a copy from an original); `false` keeps records byte for byte (fidelity) and leaves cycles to the topic names; see [Active-active](#active-active-two-way-identity-replication)',
    readBy: ['replicate/provenance'] }),
  field({ key: 'tasks.max', field: 'tasksMax', type: TASK_COUNT, default: '1', origin: 'mm2',
    doc: 'group members this instance contributes to the flow, each a task process; see [Task processes](#task-processes-tasksmax)', readBy: ['runtime/mirror-engine', 'cli/cli'] }),
  field({ key: 'group.id', field: 'groupIdPrefix', type: GROUP_ID, default: 'kafka-mirror', origin: 'mm2', mm2Default: '<source>-mm2',
    doc: 'prefix of the group every instance running the flow joins on the TARGET cluster: `<group.id>-<source>-<target>` (MM2 dedicated mode: the Connect workers\' group `<source>-mm2` on the target, MirrorMakerConfig.workerConfig); see [High availability](#high-availability-and-scale-out)',
    readBy: ['runtime/mirror-engine'] }),
  field({ key: 'group.protocol', field: 'groupProtocol', type: oneOf(['classic', 'consumer']), default: 'classic', origin: 'ours',
    doc: '`classic`: cooperative-sticky rebalancing (KIP-429) with the two timeouts below; `consumer`: the KIP-848 protocol (session and heartbeat then come from the broker\'s `group.consumer.*` configs)',
    readBy: ['runtime/mirror-engine'] }),
  field({ key: 'session.timeout.ms', field: 'sessionTimeoutMs', type: MILLISECONDS, default: '10000', origin: 'mm2',
    doc: 'an instance that stops heartbeating (crash, kill -9, freeze) loses its partitions to the others after this long; within the broker\'s `group.min.session.timeout.ms`–`group.max.session.timeout.ms` (6 000–1 800 000 by default)',
    readBy: ['runtime/mirror-engine'] }),
  field({ key: 'heartbeat.interval.ms', field: 'heartbeatIntervalMs', type: MILLISECONDS, default: '3000', origin: 'mm2',
    doc: 'how often an instance heartbeats to the group coordinator, below `session.timeout.ms`; a rebalance reaches the other instances within about this long, and an instance whose event loop stood still longer pauses fetching and progress writes for this long plus 1 s, so a lost assignment is reported first',
    readBy: ['runtime/mirror-engine', 'replicate/mirror-task'] }),
  field({ key: 'topic.reset.check.interval.ms', field: 'topicResetCheckIntervalMs', type: MILLISECONDS, default: '1000', origin: 'ours',
    doc: 'periodic topic-ID check (the per-batch fence runs regardless)', readBy: ['detect/partition-checks'] }),
  field({ key: 'truncation.check.interval.ms', field: 'truncationCheckIntervalMs', type: MILLISECONDS, default: '500', origin: 'ours',
    doc: "a partition without progress this long is checked against the broker's log start/end", readBy: ['detect/partition-checks'] }),
  field({ key: 'progress.flush.interval.ms', field: 'progressFlushIntervalMs', type: MILLISECONDS, default: '1000', origin: 'ours',
    doc: 'how often acknowledged positions are stored; bounds duplicates after a crash. Exactly-once: how often the transaction commits — what read_committed consumers of remote topics wait at most, plus one commit round', readBy: ['replicate/mirror-task'] }),
  field({ key: 'progress.flush.max.records', field: 'progressFlushMaxRecords', type: RECORD_COUNT, default: '500', origin: 'ours',
    doc: 'a partition\'s position is also stored once this many records were acknowledged since its last write (0: by time only); '
      + 'bounds the re-copy after a crash per partition by records, see [Guarantees](#guarantees); exactly-once: a commit is due once a partition had this many records since the last', readBy: ['replicate/mirror-task'] }),
  field({ key: 'exactly.once.source.support', field: 'exactlyOnceSourceSupport', type: oneOf(['disabled', 'enabled']), default: 'disabled', origin: 'mm2',
    doc: '`enabled`: exactly-once (KIP-618\'s worker key) — a transactional producer on the target commits the mirrored records, their progress and target-side offset syncs in one transaction every `progress.flush.interval.ms` / `progress.flush.max.records`, zombies fenced by the group generation (KIP-447); `disabled`: at-least-once. See [High availability](#high-availability-and-scale-out)',
    readBy: ['runtime/mirror-engine', 'replicate/mirror-task'] }),
  field({ key: 'exactly.once.support', field: 'exactlyOnceSupport', type: oneOf(['requested', 'required']), default: 'requested', origin: 'mm2',
    doc: 'connector-level (KIP-618): `required` refuses to start the flow unless `exactly.once.source.support = enabled`',
    readBy: ['runtime/mirror-engine'] }),
  field({ key: 'transaction.timeout.ms', field: 'transactionTimeoutMs', type: MILLISECONDS, default: '10000', origin: 'ours',
    doc: 'exactly-once only: the transactional producer\'s `transaction.timeout.ms` (librdkafka default 60 000). An instance killed with an open transaction holds `read_committed` readers of its partitions (the LSO) until its restart aborts it (same `transactional.id`) or the coordinator does after this long; a commit round must finish within it',
    readBy: ['runtime/mirror-engine'] }),
  field({ key: 'data.path', field: 'dataPath', type: oneOf(['records', 'batches']), default: 'records', origin: 'ours',
    doc: 'how the mirror task copies: `records` (librdkafka consumer → producer, record by record) or `batches` (record batches forwarded as bytes: Fetch by topic ID, Produce re-signed with our idempotent producer — transactional with exactly-once; byte-exact, a fraction of the CPU; flows with the provenance header run on records). `batches` becomes the default once it passes every test after its merge with group membership and exactly-once; see [Data paths](#data-paths-datapath)',
    readBy: ['replicate/mirror-task', 'kafka/mirror-task-clients', 'runtime/mirror-engine'] }),
  field({ key: 'isolation.level', field: 'isolationLevel', type: oneOf(['read_committed', 'read_uncommitted']), default: 'read_committed',
    origin: 'ours', doc: 'of the source consumer: aborted and open transactions are never mirrored',
    readBy: ['replicate/mirror-task', 'detect/partition-checks'] }),
] as const;

/** One entry of {@link FLOW_KEYS}. */
export type FlowKeySpec = (typeof FLOW_KEYS)[number];
type ValueOf<S> = S extends KeySpecBase<infer T> ? T : never;
type ScalarSpec = Extract<FlowKeySpec, { part?: undefined; field: string }>;
type PartSpec = Extract<FlowKeySpec, { part: string }>;

/** The FlowConfig fields that come straight from one key each, typed by their value types. */
export type FlowKeyFields = { readonly [S in ScalarSpec as S['field']]: ValueOf<S> };
/** The parts of each composite field: the entry as read (key as written, raw value) and its parsed value. */
export type FlowKeyParts = {
  readonly [F in PartSpec['field']]: { readonly [S in Extract<PartSpec, { field: F }> as S['part']]: { readonly entry: ConfigEntry; readonly value: ValueOf<S> } };
};

/** The names of all flow-level keys. */
export const FLOW_KEY_NAMES: ReadonlySet<string> = new Set(FLOW_KEYS.map((s) => s.key));
