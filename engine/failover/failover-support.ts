/**
 * What one flow runs next to its mirror task so consumer groups can fail over to the target: the
 * offset-sync writer (a listener of the mirror task) and the store it feeds, the checkpoint task and
 * the heartbeat emitter, with their producers and internal topics. MM2's MirrorSourceConnector (offset
 * syncs), MirrorCheckpointConnector and MirrorHeartbeatConnector, in one place per flow.
 *
 * Start order matters: the store is rebuilt from the syncs topic BEFORE the mirror task mirrors a
 * record (the writer's first sync of each partition is a series boundary relative to what it finds),
 * and the checkpoint task starts after the mirror task, so partition states exist.
 */
import type { FlowConfig } from '../config/config.ts';
import type { Logger } from '../core/logger.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import type { MirrorListener, MirrorTask } from '../replicate/mirror-task.ts';
import { KafkaAdmin } from '../kafka/kafka-admin.ts';
import { adminConfig } from '../kafka/kafka-clients.ts';
import { ensureInternalTopic, type EnsureOutcome } from '../kafka/internal-topics.ts';
import { OffsetSyncStore } from './offset-sync-store.ts';
import { OffsetSyncWriter } from './offset-sync-writer.ts';
import { RecordSink } from '../kafka/record-sink.ts';
import { CheckpointTask } from './checkpoint-task.ts';
import { FailbackSyncs } from './failback-syncs.ts';
import { ConsumerGroups } from '../kafka/consumer-groups.ts';
import { HeartbeatEmitter } from './heartbeat-emitter.ts';
import { WHOLE_FLOW, ownsPartition, type TaskAssignment } from '../partitions/task-assignment.ts';
import { offsetSyncsTopicOf } from '../mm2/offset-syncs-topic.ts';
import type { ClusterConfig } from '../config/config.ts';

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
  /** With `tasks.max` > 1: checkpoints only for this task's partitions, heartbeats only from task 0. */
  private readonly assignment: TaskAssignment;
  private readonly log: Logger;
  private readonly telemetry: Telemetry;
  private readonly syncSink: RecordSink | undefined;
  private targetSink: RecordSink | undefined;
  private checkpoints: CheckpointTask | undefined;
  private heartbeats: HeartbeatEmitter | undefined;
  private groupAdmins: ConsumerGroups[] = [];

  private constructor(flow: FlowConfig, assignment: TaskAssignment, store: OffsetSyncStore, writer: OffsetSyncWriter | undefined, syncSink: RecordSink | undefined, telemetry: Telemetry, logger: Logger) {
    this.flow = flow;
    this.assignment = assignment;
    this.store = store;
    this.writer = writer;
    this.syncSink = syncSink;
    this.telemetry = telemetry;
    this.log = logger;
  }

  /**
   * Rebuilds the offset-sync store from the flow's syncs topic (engine/mm2/offset-syncs-topic.ts: MM2's
   * name and cluster) and, with `emit.offset-syncs.enabled`, creates the topic if missing and connects
   * the writer's producer. With `offset-syncs.topic.location = target` the topic of the name earlier
   * versions used there is read first, if it exists and `readLegacySyncs` (default true; the engine passes
   * false when several flows of its config shared that topic, whose syncs could then be another flow's).
   * `assignment`: the task's share of the flow (default the whole flow). Throws MirrorError on connection failures.
   */
  static async prepare(flow: FlowConfig, telemetry: Telemetry, logger: Logger, assignment: TaskAssignment = WHOLE_FLOW, readLegacySyncs = true): Promise<FailoverSupport> {
    const t0 = Date.now();
    const placement = offsetSyncsTopicOf(flow.replicationPolicy, flow.sourceAlias, flow.targetAlias, flow.offsetSyncsTopicLocation);
    const topic = placement.topic;
    const cluster = placement.side === 'target' ? flow.target : flow.source;
    const log = logger.child({ component: 'offset-syncs', flow: flow.name });
    const store = new OffsetSyncStore();
    if (placement.legacyTopic !== undefined) await loadLegacySyncs(store, cluster, placement.legacyTopic, topic, readLegacySyncs, log);
    let writer: OffsetSyncWriter | undefined;
    let sink: RecordSink | undefined;
    if (flow.emitOffsetSyncsEnabled) {
      const admin = new KafkaAdmin(adminConfig(cluster, `kafka-mirror-${flow.name}-offset-syncs-admin`));
      try {
        const outcome = await ensureInternalTopic(admin, topic, flow.offsetSyncsTopicReplicationFactor, { 'min.compaction.lag.ms': String(OFFSET_SYNCS_MIN_COMPACTION_LAG_MS) });
        reportCreation(log, outcome, topic, cluster.alias, 'offset-syncs.topic.replication.factor', flow.offsetSyncsTopicReplicationFactor);
      } finally {
        admin.close();
      }
    }
    const syncs = await store.load(cluster, topic, log);
    log.info({ topic, cluster: cluster.alias, syncs, partitions: store.partitions().length, durationMs: Date.now() - t0 }, `Loaded ${syncs} offset syncs from ${topic} on ${cluster.alias}`);
    if (flow.emitOffsetSyncsEnabled) {
      sink = await RecordSink.connect(cluster, `kafka-mirror-${flow.name}-offset-syncs`, log);
      writer = new OffsetSyncWriter({ flow: flow.name, topic, store, sink, intervalMs: flow.offsetSyncsIntervalMs, logger: log, telemetry });
    }
    return new FailoverSupport(flow, assignment, store, writer, sink, telemetry, logger);
  }

  /** The flow's name, e.g. `primary->standby`. */
  get flowName(): string {
    return this.flow.name;
  }

  /** The mirror-task listener (the offset-sync writer), if offset syncs are emitted. */
  get listener(): MirrorListener | undefined {
    return this.writer;
  }

  /** This flow's offset syncs when this task holds all of them (`tasks.max` = 1): what the reverse flow's failback checkpoints use live. */
  get wholeFlowStore(): OffsetSyncStore | undefined {
    return this.assignment.count === 1 ? this.store : undefined;
  }

  /**
   * Starts the writer's timer, the checkpoint task and the heartbeat emitter (each when enabled).
   * `reverse`: the reverse flow (`target->source`) when this engine runs it — its live syncs (when whole)
   * and its `offset-syncs.topic.location` — for failback checkpoints (failback-syncs.ts); without it they
   * are read from the reverse flow's syncs topic.
   */
  async start(task: MirrorTask, reverse: { store: () => OffsetSyncStore | undefined; location: 'source' | 'target' } | undefined = undefined): Promise<void> {
    const flow = this.flow;
    this.writer?.start();
    const emitHeartbeats = flow.emitHeartbeatsEnabled && this.assignment.index === 0; // one heartbeat stream per flow, as MM2
    if (!flow.emitCheckpointsEnabled && !emitHeartbeats) return;
    this.targetSink = await RecordSink.connect(flow.target, `kafka-mirror-${flow.name}-internal`, this.log.child({ component: 'internal-records', flow: flow.name }));
    const admin = new KafkaAdmin(adminConfig(flow.target, `kafka-mirror-${flow.name}-internal-admin`));
    try {
      const log = this.log.child({ component: 'internal-topics', flow: flow.name });
      if (flow.emitCheckpointsEnabled) {
        const topic = flow.replicationPolicy.checkpointsTopic(flow.sourceAlias);
        reportCreation(log, await ensureInternalTopic(admin, topic, flow.checkpointsTopicReplicationFactor), topic, flow.targetAlias, 'checkpoints.topic.replication.factor', flow.checkpointsTopicReplicationFactor);
      }
      if (emitHeartbeats) {
        const topic = flow.replicationPolicy.heartbeatsTopic();
        reportCreation(log, await ensureInternalTopic(admin, topic, flow.heartbeatsTopicReplicationFactor), topic, flow.targetAlias, 'heartbeats.topic.replication.factor', flow.heartbeatsTopicReplicationFactor);
      }
    } finally {
      admin.close();
    }
    if (flow.emitCheckpointsEnabled) {
      const source = new ConsumerGroups(flow.source, { clientId: `kafka-mirror-${flow.name}-source-groups`, timeoutMs: 10_000 });
      const target = new ConsumerGroups(flow.target, { clientId: `kafka-mirror-${flow.name}-target-groups`, timeoutMs: 10_000 });
      this.groupAdmins = [source, target];
      const log = this.log.child({ component: 'checkpoint-task', flow: flow.name });
      this.checkpoints = new CheckpointTask({
        settings: flow,
        store: this.store,
        sourceGroups: source,
        targetGroups: target,
        sink: this.targetSink,
        telemetry: this.telemetry,
        logger: log,
        owns: (topic, partition) => ownsPartition(this.assignment, topic, partition),
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

  /** Stops the checkpoint task and heartbeats and closes the producers (call after the mirror task stopped). */
  async stop(): Promise<void> {
    this.heartbeats?.stop();
    await this.checkpoints?.stop();
    this.writer?.close();
    // The writer already waited for its syncs (mirror-task shutdown); what is still pending has a cluster that is down.
    await Promise.all([this.syncSink?.close(1000), this.targetSink?.close(5000)]);
    for (const a of this.groupAdmins) a.close();
  }
}

/**
 * Reads the offset syncs of `legacyTopic` (the location-target name of earlier versions) into `store`
 * before the current topic, when it exists: its syncs are older than any in the current topic, so the
 * store sees them in the order they were written. Never written again; the line says when it can go.
 */
async function loadLegacySyncs(store: OffsetSyncStore, cluster: ClusterConfig, legacyTopic: string, topic: string, read: boolean, log: Logger): Promise<void> {
  const admin = new KafkaAdmin(adminConfig(cluster, 'kafka-mirror-legacy-offset-syncs-admin'));
  let exists: boolean;
  try {
    exists = (await admin.describeTopics([legacyTopic])).get(legacyTopic) !== undefined;
  } finally {
    admin.close();
  }
  if (!exists) return;
  if (!read) {
    log.warn(
      { event: 'legacy_offset_syncs_skipped', legacyTopic, topic, cluster: cluster.alias },
      `Not reading ${legacyTopic} on ${cluster.alias} (offset syncs of an earlier version, shared by several flows into ${cluster.alias}): groups get checkpoints again once ${topic} has syncs for their positions`,
    );
    return;
  }
  const t0 = Date.now();
  const syncs = await store.load(cluster, legacyTopic, log);
  log.info(
    { event: 'legacy_offset_syncs_loaded', legacyTopic, topic, cluster: cluster.alias, syncs, durationMs: Date.now() - t0 },
    `Loaded ${syncs} offset syncs from ${legacyTopic} on ${cluster.alias}, the name earlier versions used with offset-syncs.topic.location = target; new syncs go to ${topic} (MM2's name), and ${legacyTopic} can be deleted once no group needs a checkpoint from before the upgrade`,
  );
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
