/**
 * What one flow runs next to its mirror task so consumer groups can fail over to the target: the
 * offset-sync writer (a listener of the mirror task) and the store it feeds, the checkpoint task and
 * the heartbeat emitter, with their producers and internal topics. MM2's MirrorSourceConnector (offset
 * syncs), MirrorCheckpointConnector and MirrorHeartbeatConnector, in one place per flow.
 *
 * Start order matters: the store is rebuilt from the syncs topic BEFORE the mirror task mirrors a
 * record (the writer's first sync of each partition is a series boundary relative to what it finds),
 * and the checkpoint task starts after the mirror task, so partition states exist.
 *
 * Clients: the clusters' shared admins and internal-record producers (engine/kafka/cluster-connections.ts).
 * An authentication or authorization failure on the checkpoint path is fatal like anywhere else: the
 * checkpoint task stops and {@link FailoverSupport.failure} resolves with it (the engine stops, exit 4),
 * instead of a checkpoint round that fails and is retried forever.
 */
import type { FlowConfig } from '../config/config.ts';
import type { Logger } from '../core/logger.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import type { HandoverHooks, MirrorListener, MirrorTask } from '../replicate/mirror-task.ts';
import type { RecordSink } from '../kafka/record-sink.ts';
import type { GroupAdmin } from '../kafka/consumer-groups.ts';
import { ClusterConnections } from '../kafka/cluster-connections.ts';
import { ensureInternalTopic, type EnsureOutcome } from '../kafka/internal-topics.ts';
import { isAuthFailure } from '../kafka/error-classifier.ts';
import { MirrorError } from '../core/errors.ts';
import { OffsetSyncStore } from './offset-sync-store.ts';
import { OffsetSyncWriter } from './offset-sync-writer.ts';
import { CheckpointTask } from './checkpoint-task.ts';
import { FailbackSyncs } from './failback-syncs.ts';
import { offsetSyncsTopicOf } from '../mm2/offset-syncs-topic.ts';
import type { ClusterConfig } from '../config/config.ts';
import type { KafkaAdmin } from '../kafka/kafka-admin.ts';
import { HeartbeatEmitter } from './heartbeat-emitter.ts';

/**
 * Which per-flow duties this engine process runs besides its partitions' offset syncs and checkpoints.
 * Heartbeats: one stream per engine INSTANCE (its first task process), not per group member and not per
 * flow as MM2's single heartbeat task: heartbeats are idempotent (a compacted topic keyed by source and
 * target; readers use the timestamps), so several instances emitting them costs a record per second
 * each and keeps the stream going while the group moves partitions after an instance died. The same
 * process emits the flow's failback checkpoints (no member mirrors their partitions; CheckpointTask
 * `emitsFailback`).
 */
export interface FlowDuties {
  readonly heartbeats: boolean;
}

/** The duties of a single-process engine (and task 0 of a multi-task one). */
export const ALL_DUTIES: FlowDuties = Object.freeze({ heartbeats: true });

/**
 * Our `offset-syncs.topic` setting when this engine creates the syncs topic: records younger than an
 * hour are never compacted away. A store rebuilt after a restart relies on the boundary markers and the
 * previous lifetime's syncs while the new lifetime re-mirrors its last seconds (offset-sync-store.ts).
 */
export const OFFSET_SYNCS_MIN_COMPACTION_LAG_MS = 3_600_000;

/** Offset syncs, checkpoints and heartbeats of one flow. Create with {@link FailoverSupport.prepare}. */
export class FailoverSupport {
  readonly store: OffsetSyncStore;
  readonly writer: OffsetSyncWriter | undefined;
  private readonly flow: FlowConfig;
  /** Heartbeats from this process or not (checkpoints: for the partitions the task owns). */
  private readonly duties: FlowDuties;
  /** Where the offset syncs live (to re-read those of partitions that move here). */
  private readonly syncs: { cluster: FlowConfig['source']; topics: readonly string[]; log: Logger };
  private readonly log: Logger;
  private readonly telemetry: Telemetry;
  private readonly syncSink: RecordSink | undefined;
  private readonly connections: ClusterConnections;
  /** Whether {@link stop} closes {@link connections} (created by {@link prepare} when none was given). */
  private readonly ownsConnections: boolean;
  private targetSink: RecordSink | undefined;
  private checkpoints: CheckpointTask | undefined;
  private heartbeats: HeartbeatEmitter | undefined;
  /** The flow's mirror task, once {@link start}ed (partition ownership for {@link wholeFlowStore}). */
  private task: MirrorTask | undefined;
  private failed = false;
  private resolveFailure!: (error: MirrorError) => void;
  /** Resolves with the fatal error that stopped the checkpoint path (authentication / authorization); never resolves otherwise. */
  readonly failure: Promise<MirrorError>;

  private constructor(
    flow: FlowConfig,
    duties: FlowDuties,
    parts: {
      store: OffsetSyncStore; writer: OffsetSyncWriter | undefined; syncSink: RecordSink | undefined; connections: ClusterConnections; ownsConnections: boolean;
      syncs: { cluster: FlowConfig['source']; topics: readonly string[]; log: Logger };
    },
    telemetry: Telemetry,
    logger: Logger,
  ) {
    this.flow = flow;
    this.duties = duties;
    this.syncs = parts.syncs;
    this.store = parts.store;
    this.writer = parts.writer;
    this.syncSink = parts.syncSink;
    this.connections = parts.connections;
    this.ownsConnections = parts.ownsConnections;
    this.telemetry = telemetry;
    this.log = logger;
    this.failure = new Promise((resolve) => (this.resolveFailure = resolve));
  }

  /** The flow's name (`primary->standby`). */
  get flowName(): string {
    return this.flow.name;
  }

  /**
   * Rebuilds the offset-sync store from the flow's syncs topic (engine/mm2/offset-syncs-topic.ts: MM2's
   * name and cluster) and, with `emit.offset-syncs.enabled`, creates the topic if missing and connects
   * the writer's producer. With `offset-syncs.topic.location = target` the topic of the name earlier
   * versions used there is read first, if it exists and `readLegacySyncs` (default true; the engine passes
   * false when several flows of its config shared that topic, whose syncs could then be another flow's).
   * `duties`: whether this process emits heartbeats (default yes). `connections`: the engine's shared
   * clients (default: a set of its own, closed by {@link stop}). Throws MirrorError on connection failures.
   */
  static async prepare(flow: FlowConfig, telemetry: Telemetry, logger: Logger, duties: FlowDuties = ALL_DUTIES, connections?: ClusterConnections, readLegacySyncs = true): Promise<FailoverSupport> {
    const t0 = Date.now();
    const placement = offsetSyncsTopicOf(flow.replicationPolicy, flow.sourceAlias, flow.targetAlias, flow.offsetSyncsTopicLocation);
    const topic = placement.topic;
    const cluster = placement.side === 'target' ? flow.target : flow.source;
    const log = logger.child({ component: 'offset-syncs', flow: flow.name });
    const shared = connections ?? new ClusterConnections({ logger });
    const clients = shared.of(cluster, { adminTimeoutMs: flow.adminTimeoutMs });
    const store = new OffsetSyncStore();
    let writer: OffsetSyncWriter | undefined;
    let sink: RecordSink | undefined;
    let topics: string[];
    try {
      // The topics the store was built from, in reading order: a partition moving here is re-read from the same ones.
      topics = placement.legacyTopic !== undefined && (await loadLegacySyncs(store, cluster, clients.admin, placement.legacyTopic, topic, readLegacySyncs, log)) ? [placement.legacyTopic, topic] : [topic];
      if (flow.emitOffsetSyncsEnabled) {
        const outcome = await ensureInternalTopic(clients.admin, topic, flow.offsetSyncsTopicReplicationFactor, { 'min.compaction.lag.ms': String(OFFSET_SYNCS_MIN_COMPACTION_LAG_MS) });
        reportCreation(log, outcome, topic, cluster.alias, 'offset-syncs.topic.replication.factor', flow.offsetSyncsTopicReplicationFactor);
      }
      const syncs = await store.load(cluster, topic, log);
      log.info({ topic, cluster: cluster.alias, syncs, partitions: store.partitions().length, durationMs: Date.now() - t0 }, `Loaded ${syncs} offset syncs from ${topic} on ${cluster.alias}`);
      if (flow.emitOffsetSyncsEnabled) {
        sink = await clients.internalSink();
        writer = new OffsetSyncWriter({ flow: flow.name, topic, store, sink, intervalMs: flow.offsetSyncsIntervalMs, logger: log, telemetry });
      }
    } catch (err) {
      if (!connections) await shared.close();
      throw err;
    }
    const parts = { store, writer, syncSink: sink, connections: shared, ownsConnections: !connections, syncs: { cluster, topics, log } };
    return new FailoverSupport(flow, duties, parts, telemetry, logger);
  }

  /** The mirror-task listener (the offset-sync writer), if offset syncs are emitted. */
  get listener(): MirrorListener | undefined {
    return this.writer;
  }

  /**
   * This flow's offset syncs while its task owns every partition of the flow (the only instance and
   * member of the flow's group, or no group): what the reverse flow's failback checkpoints use live.
   * Undefined otherwise — another member writes syncs this store never sees, so the checkpoints read
   * the syncs topic instead (failback-syncs.ts). Asked anew at every checkpoint round.
   */
  get wholeFlowStore(): OffsetSyncStore | undefined {
    return this.task?.ownsWholeFlow() ? this.store : undefined;
  }

  /**
   * What the offset syncs do when the flow's group moves partitions (issue 15): re-read the syncs of
   * partitions moving here (their previous owner wrote the newest ones), flush the last syncs of
   * partitions leaving before their final progress write, then stop tracking them.
   */
  get handoverHooks(): HandoverHooks {
    return {
      beforeAdopt: async (partitions) => {
        const t0 = Date.now();
        const admin = this.connections.of(this.syncs.cluster, { adminTimeoutMs: this.flow.adminTimeoutMs }).admin;
        const read = await this.store.reload(this.syncs.cluster, this.syncs.topics, partitions, this.syncs.log, admin);
        this.syncs.log.debug({ partitions: partitions.length, syncs: read, durationMs: Date.now() - t0 }, `Re-read the offset syncs of ${partitions.length} partitions moving here`);
      },
      beforeRelease: async (states) => this.writer?.prepareRelease(states),
      afterRelease: (states, lost) => this.writer?.forget(states, lost),
    };
  }

  /**
   * Starts the writer's timer, the checkpoint task and the heartbeat emitter (each when enabled).
   * `reverse`: the reverse flow (`target->source`) when this engine runs it — its live syncs (when whole)
   * and its `offset-syncs.topic.location` — for failback checkpoints (failback-syncs.ts); without it they
   * are read from the reverse flow's syncs topic.
   */
  async start(task: MirrorTask, reverse: { store: () => OffsetSyncStore | undefined; location: 'source' | 'target' } | undefined = undefined): Promise<void> {
    this.task = task;
    const flow = this.flow;
    this.writer?.start();
    const emitHeartbeats = flow.emitHeartbeatsEnabled && this.duties.heartbeats; // one stream per engine instance (FlowDuties)
    if (!flow.emitCheckpointsEnabled && !emitHeartbeats) return;
    const target = this.connections.of(flow.target, { adminTimeoutMs: flow.adminTimeoutMs });
    this.targetSink = await target.internalSink();
    const topicsLog = this.log.child({ component: 'internal-topics', flow: flow.name });
    if (flow.emitCheckpointsEnabled) {
      const topic = flow.replicationPolicy.checkpointsTopic(flow.sourceAlias);
      reportCreation(topicsLog, await ensureInternalTopic(target.admin, topic, flow.checkpointsTopicReplicationFactor), topic, flow.targetAlias, 'checkpoints.topic.replication.factor', flow.checkpointsTopicReplicationFactor);
    }
    if (emitHeartbeats) {
      const topic = flow.replicationPolicy.heartbeatsTopic();
      reportCreation(topicsLog, await ensureInternalTopic(target.admin, topic, flow.heartbeatsTopicReplicationFactor), topic, flow.targetAlias, 'heartbeats.topic.replication.factor', flow.heartbeatsTopicReplicationFactor);
    }
    if (flow.emitCheckpointsEnabled) {
      const log = this.log.child({ component: 'checkpoint-task', flow: flow.name });
      const onAuthFailure = (err: MirrorError) => this.failCheckpoints(err, log);
      this.checkpoints = new CheckpointTask({
        settings: flow,
        store: this.store,
        sourceGroups: failFastOnAuth(this.connections.of(flow.source, { adminTimeoutMs: flow.adminTimeoutMs }).groups, onAuthFailure),
        targetGroups: failFastOnAuth(target.groups, onAuthFailure),
        sink: this.targetSink,
        telemetry: this.telemetry,
        logger: log,
        owns: (topic, partition) => task.owns(topic, partition),
        emitsFailback: this.duties.heartbeats, // no member owns their partitions: one process per instance
        failback: new FailbackSyncs({ settings: flow, reverseLocation: reverse?.location, liveStore: reverse?.store, logger: log }),
        partitionStatus: (topic, partition) => {
          const state = task.partitionStates.get(`${topic}-${partition}`);
          return state && { resetPending: state.resetDetectedAtMs !== undefined };
        },
      });
      const t0 = Date.now();
      const loaded = await this.checkpoints.load();
      log.info({ topic: this.checkpoints.checkpointsTopic, checkpoints: loaded, durationMs: Date.now() - t0, intervalMs: flow.emitCheckpointsIntervalMs }, `Checkpoint task started (${loaded} checkpoints read back)`);
      this.checkpoints.start();
    }
    if (emitHeartbeats) {
      this.heartbeats = new HeartbeatEmitter({
        sourceAlias: flow.sourceAlias,
        targetAlias: flow.targetAlias,
        topic: flow.replicationPolicy.heartbeatsTopic(),
        intervalMs: flow.emitHeartbeatsIntervalMs,
        sink: this.targetSink,
        logger: this.log.child({ component: 'heartbeats', flow: flow.name }),
      });
      this.heartbeats.start();
    }
  }

  /**
   * Stops the checkpoint task and heartbeats and flushes their records (call after the mirror task
   * stopped); the shared producers are closed by their owner (the engine's ClusterConnections).
   */
  async stop(): Promise<void> {
    this.heartbeats?.stop();
    await this.checkpoints?.stop();
    this.writer?.close();
    // The writer already waited for its syncs (mirror-task shutdown); what is still pending has a cluster that is down.
    await Promise.all([this.syncSink?.flush(1000), this.targetSink?.flush(5000)]);
    if (this.ownsConnections) await this.connections.close();
  }

  /** The checkpoint path hit an authentication / authorization failure: stop it and report it, once. */
  private failCheckpoints(err: MirrorError, log: Logger): void {
    if (this.failed) return;
    this.failed = true;
    log.error({ code: err.code, err }, `Checkpoint task of ${this.flow.name} stopping: ${err.message}`);
    void this.checkpoints?.stop();
    this.resolveFailure(err);
  }
}

/**
 * `groups` with every authentication / authorization failure also reported to `onAuthFailure` (the
 * checkpoint task logs and retries failed rounds; such a failure must stop the engine instead).
 */
function failFastOnAuth(groups: GroupAdmin, onAuthFailure: (err: MirrorError) => void): GroupAdmin {
  const watch = <T>(p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      if (err instanceof MirrorError && isAuthFailure(err)) onAuthFailure(err);
      throw err;
    });
  return {
    listGroups: () => watch(groups.listGroups()),
    committedOffsets: (groupId) => watch(groups.committedOffsets(groupId)),
    groupStates: (groupIds) => watch(groups.groupStates(groupIds)),
    commitOffsets: (groupId, offsets) => watch(groups.commitOffsets(groupId, offsets)),
    close: () => groups.close(),
  };
}

/**
 * Reads the offset syncs of `legacyTopic` (the location-target name of earlier versions) into `store`
 * before the current topic, when it exists: its syncs are older than any in the current topic, so the
 * store sees them in the order they were written. Never written again; the line says when it can go.
 * Returns whether it was read.
 */
async function loadLegacySyncs(store: OffsetSyncStore, cluster: ClusterConfig, admin: KafkaAdmin, legacyTopic: string, topic: string, read: boolean, log: Logger): Promise<boolean> {
  const exists = (await admin.describeTopics([legacyTopic])).get(legacyTopic) !== undefined;
  if (!exists) return false;
  if (!read) {
    log.warn(
      { event: 'legacy_offset_syncs_skipped', legacyTopic, topic, cluster: cluster.alias },
      `Not reading ${legacyTopic} on ${cluster.alias} (offset syncs of an earlier version, shared by several flows into ${cluster.alias}): groups get checkpoints again once ${topic} has syncs for their positions`,
    );
    return false;
  }
  const t0 = Date.now();
  const syncs = await store.load(cluster, legacyTopic, log);
  log.info(
    { event: 'legacy_offset_syncs_loaded', legacyTopic, topic, cluster: cluster.alias, syncs, durationMs: Date.now() - t0 },
    `Loaded ${syncs} offset syncs from ${legacyTopic} on ${cluster.alias}, the name earlier versions used with offset-syncs.topic.location = target; new syncs go to ${topic} (MM2's name), and ${legacyTopic} can be deleted once no group needs a checkpoint from before the upgrade`,
  );
  return true;
}


/** Logs the creation of an internal topic; warns when the configured replication factor did not fit the cluster. */
function reportCreation(log: Logger, outcome: EnsureOutcome, topic: string, cluster: string, key: string, replicationFactor: number): void {
  if (outcome === 'created') log.info({ topic, cluster, replicationFactor }, `Created ${topic} on ${cluster}`);
  if (outcome === 'created-with-broker-default') {
    log.warn(
      { topic, cluster, key, replicationFactor },
      `Created ${topic} on ${cluster} with the broker's default.replication.factor: '${key}' = ${replicationFactor} is more than its brokers can hold (set ${key} to silence this)`,
    );
  }
}
