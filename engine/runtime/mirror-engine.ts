/**
 * The engine: one {@link MirrorTask} per enabled replication flow, each with its progress store on
 * its target cluster and its {@link FailoverSupport} (offset syncs, checkpoints, heartbeats), sharing
 * one telemetry pipeline and logger; plus the heartbeats of the cluster pairs that are not enabled
 * ({@link PairHeartbeats}, MM2's clusterPairs). Logs a replication summary
 * periodically and at shutdown. Ends when stopped or when a flow fails fatally (the other flows are
 * then stopped too — see README "Exit codes" for why the process does not limp on).
 *
 * Kafka clients: the engine owns one {@link ClusterConnections} — per cluster alias one admin client and
 * one internal-record producer shared by every flow's progress store, offset syncs, checkpoints and
 * heartbeats — and closes it last, after every flow flushed.
 */
import type { MirrorConfig } from '../config/config.ts';
import type { Logger } from '../core/logger.ts';
import { MirrorTask, type MirrorTaskSettings, type TaskOutcome } from '../replicate/mirror-task.ts';
import { ProgressStore } from '../progress/progress-store.ts';
import { ALL_DUTIES, FailoverSupport, type FlowDuties } from '../failover/failover-support.ts';
import { ClusterConnections } from '../kafka/cluster-connections.ts';
import { TopicConfigSync } from '../discovery/topic-config-sync.ts';
import { PairHeartbeats, sharedPairClients } from '../failover/pair-heartbeats.ts';
import { AclSync } from '../discovery/acl-sync.ts';
import { createMirrorTaskClients } from '../kafka/mirror-task-clients.ts';
import { flowProvenance } from '../replicate/provenance.ts';
import { ClusterHealth, type ClusterHealthSettings } from '../kafka/cluster-health.ts';
import { checkConfigClientSettings } from '../kafka/client-settings-check.ts';
import { REQUIRED_CODECS, librdkafkaVersion, missingFeatures } from '../kafka/client-features.ts';
import { Telemetry, type ReplicationSummary, type TelemetrySnapshot } from '../telemetry/telemetry.ts';
import type { MirrorError } from '../core/errors.ts';
import type { MembershipSettings } from '../kafka/group-membership.ts';
import { TransactionSink } from '../kafka/transaction-sink.ts';
import type { TransactionalSettings } from '../kafka/target-transactions.ts';
import { ConfigError } from '../core/errors.ts';
import { hostname } from 'node:os';

/** Longest admin request of the mirror task's periodic checks, ms (they are retried by the loop). */
const MIRROR_TASK_ADMIN_TIMEOUT_MS = 10_000;

/** How the engine ended: cleanly, or with the first fatal flow error. */
export type EngineOutcome = { status: 'stopped' } | { status: 'failed'; flow: string; error: MirrorError };

/** Engine-level options not (yet) in mm2.properties; ms. */
export interface EngineOptions {
  /** How often the replication summary is logged (default 10 000 ms; 0 disables periodic summaries). */
  summaryIntervalMs?: number;
  /**
   * Run as task `task` of a multi-task engine (engine/runtime/task-supervisor.ts): flows with `tasks.max` ≤
   * `task` are not run here, and only task 0 emits heartbeats (flows' and heartbeat-only pairs') and syncs
   * topic configs and ACLs. Either way each flow run here is one member of the flow's group and mirrors
   * what the group assigns it.
   */
  task?: number;
  /**
   * Cluster reachability monitor (engine/kafka/cluster-health.ts): warn threshold, start-up wait, probe
   * interval and timeout, ms. Defaults: mm2.properties' `cluster.unreachable.warn.ms` (10 000) and
   * `cluster.startup.wait.ms` (60 000).
   */
  clusterHealth?: Partial<ClusterHealthSettings>;
  /**
   * Exactly-once: this instance's stable identity in its flows' `transactional.id`s
   * (`<group>-<instanceId>-<task>`, {@link transactionalIdOf}). Default: the environment's
   * `KAFKA_MIRROR_INSTANCE_ID`, else `<host name>-<pid>`: unique among live processes; stable across restarts
   * in a container (`docker compose --scale`: one host name per container, the same pid each start), not on a
   * shared host — set the variable per instance there. Must differ between instances running at the same time
   * (two live producers with one id keep fencing each other); staying the same across restarts lets a
   * restarted instance abort its predecessor's open transaction at once (else read_committed readers of its
   * partitions wait up to `transaction.timeout.ms`).
   */
  instanceId?: string;
}


/** Runs every enabled flow of a config. */
export class MirrorEngine {
  readonly telemetry: Telemetry;
  readonly tasks: MirrorTask[] = [];
  /** Offset syncs, checkpoints and heartbeats per flow, in the order of {@link tasks}. */
  readonly failover: FailoverSupport[] = [];
  /** The shared long-lived clients per cluster alias (closed by {@link stop}). */
  readonly connections: ClusterConnections;
  /** Reachability of every cluster this engine uses; read-only view for the status API: `clusterHealth.snapshot()`. */
  readonly clusterHealth: ClusterHealth;
  /** Periodic topic-config sync per flow (task 0 of each instance only; idempotent, see {@link FlowDuties}). */
  private readonly configSyncs: TopicConfigSync[] = [];
  /** Periodic ACL sync per flow (task 0 of each instance only, like the config sync; creates only missing bindings). */
  private readonly aclSyncs: AclSync[] = [];
  /** Heartbeats of the cluster pairs that only emit heartbeats (MM2 clusterPairs; once per instance, like a flow's: {@link FlowDuties}). */
  readonly pairHeartbeats: PairHeartbeats[] = [];
  private readonly config: MirrorConfig;
  private readonly log: Logger;
  private readonly options: Required<Omit<EngineOptions, 'task' | 'clusterHealth' | 'instanceId'>>;
  private readonly instanceId: string;
  private readonly task: number | undefined;
  private summaryTimer: NodeJS.Timeout | undefined;
  private readonly startedAtMs = Date.now();
  private stopping: Promise<void> | undefined;
  private lastSnapshot: TelemetrySnapshot | undefined;

  constructor(options: { config: MirrorConfig; logger: Logger; telemetry?: Telemetry } & EngineOptions) {
    this.config = options.config;
    this.log = options.logger;
    this.telemetry = options.telemetry ?? new Telemetry();
    this.options = { summaryIntervalMs: options.summaryIntervalMs ?? 10_000 };
    this.task = options.task;
    this.instanceId = options.instanceId ?? (process.env.KAFKA_MIRROR_INSTANCE_ID || `${hostname()}-${process.pid}`);
    this.connections = new ClusterConnections({ logger: this.log.child({ component: 'connections' }) });
    this.clusterHealth = new ClusterHealth({
      clusters: ClusterHealth.clustersOf(this.assignedFlows().map(({ flow }) => flow)),
      logger: this.log,
      // mm2.properties' `cluster.unreachable.warn.ms` / `cluster.startup.wait.ms`, unless the caller overrides them.
      settings: { warnAfterMs: this.config.clusterHealth?.unreachableWarnMs, startupWaitMs: this.config.clusterHealth?.startupWaitMs, ...options.clusterHealth },
    });
  }

  /** What this process does besides mirroring: everything in a single-process engine and in task 0 of a multi-task one (one per instance). */
  private duties(): FlowDuties {
    return (this.task ?? 0) === 0 ? ALL_DUTIES : { heartbeats: false };
  }

  /** The flows this process runs (a member of each flow's group), and what else it does for them. */
  private assignedFlows(): { flow: MirrorConfig['flows'][number]; duties: FlowDuties }[] {
    const task = this.task ?? 0;
    return this.config.flows.filter((flow) => task < flow.tasksMax).map((flow) => ({ flow, duties: this.duties() }));
  }

  /**
   * Waits until every cluster answers (up to `cluster.startup.wait.ms`), then loads progress and starts
   * every flow. Throws the first start failure (after stopping what started): ConfigError before anything
   * connects when a cluster's client settings cannot be honoured (kafkajs-config.ts); a cluster that does
   * not answer, or a Kafka failure while one is not answering, is a ClusterUnreachableError naming it.
   */
  async start(): Promise<void> {
    const flows = this.assignedFlows();
    // Every client setting is checked before any cluster is touched (ConfigError naming the key: exit 2).
    checkConfigClientSettings(this.config);
    for (const { flow } of flows) checkExactlyOnceSupport(flow);
    const missingCodecs = missingFeatures(REQUIRED_CODECS);
    if (missingCodecs.length > 0) {
      this.log.warn(
        { event: 'client_features_missing', missingCodecs, librdkafkaVersion: librdkafkaVersion() },
        `This librdkafka build (${librdkafkaVersion()}) lacks ${missingCodecs.join(', ')}: source partitions compressed with it cannot be mirrored (rebuild with the codec's headers installed; see README Troubleshooting)`,
      );
    }
    // Fail loudly at start, naming the key, on a setting the kafkajs client (topic-config sync) cannot honour.
    for (const { flow } of flows) if (flow.syncTopicConfigsEnabled) this.connections.of(flow.source, { adminTimeoutMs: flow.adminTimeoutMs }).kafkajsConfig();
    try {
      // Cluster reachability (engine/kafka/cluster-health.ts): wait for every cluster, then keep watching them.
      this.clusterHealth.start();
      await this.clusterHealth.awaitReachable();
      for (const { flow, duties } of flows) await this.startFlow(flow, duties);
      // Heartbeat-only pairs (MM2 clusterPairs): once per instance, by the process that has the heartbeat duty.
      if (this.duties().heartbeats) {
        for (const pair of this.config.heartbeatPairs ?? []) {
          const sameCluster = this.config.flows.find((f) => f.sourceAlias === pair.targetAlias || f.targetAlias === pair.targetAlias);
          const heartbeats = new PairHeartbeats({ pair, logger: this.log, clients: sharedPairClients(this.connections, sameCluster?.adminTimeoutMs) });
          this.pairHeartbeats.push(heartbeats);
          heartbeats.start();
        }
      }
    } catch (err) {
      await this.stop();
      throw this.clusterHealth.explain(err);
    }
    if (this.options.summaryIntervalMs > 0) {
      this.summaryTimer = setInterval(() => void this.logSummary('periodic'), this.options.summaryIntervalMs);
      this.summaryTimer.unref();
    }
  }

  /** Starts one flow: progress store, offset syncs, mirror task (joins the flow's group), then checkpoints and heartbeats. */
  private async startFlow(flow: MirrorConfig['flows'][number], duties: FlowDuties): Promise<void> {
    const exactlyOnce = flow.exactlyOnceSourceSupport === 'enabled';
    // Exactly-once: progress and target-side offset syncs are written into the mirror task's transactions.
    const transactionSink = exactlyOnce ? new TransactionSink() : undefined;
    const store = new ProgressStore({
      sink: transactionSink,
      topic: flow.replicationPolicy.progressTopic(flow.sourceAlias),
      sourceCluster: flow.sourceAlias,
      target: flow.target,
      replicationFactor: flow.progressTopicReplicationFactor,
      logger: this.log.child({ component: 'progress-store', flow: flow.name }),
      clients: this.connections.of(flow.target, { adminTimeoutMs: flow.adminTimeoutMs }),
    });
    const t0 = Date.now();
    const records = await store.load();
    this.log.info({ flow: flow.name, topic: store.topic, records, durationMs: Date.now() - t0 }, `Loaded progress from ${flow.targetAlias}`);
    // Before the mirror task: the writer's first sync per partition is a series boundary relative to the stored syncs.
    const sharedLegacySyncs = this.config.flows.filter((f) => f.targetAlias === flow.targetAlias && f.offsetSyncsTopicLocation === 'target').length > 1;
    const support = await FailoverSupport.prepare(flow, this.telemetry, this.log, duties, this.connections, !sharedLegacySyncs, transactionSink);
    this.failover.push(support);
    // The task's admins are views over the shared per-cluster ones (closing them from the task is a no-op). Its
    // checks run every loop and are retried there, so each request gets at most 10 s of `admin.timeout.ms`:
    // a stop while a cluster is down must not wait a whole admin timeout per pending check.
    const checkTimeoutMs = Math.min(flow.adminTimeoutMs, MIRROR_TASK_ADMIN_TIMEOUT_MS);
    const admins = {
      sourceAdmin: this.connections.of(flow.source, { adminTimeoutMs: flow.adminTimeoutMs }).adminView(checkTimeoutMs),
      targetAdmin: this.connections.of(flow.target, { adminTimeoutMs: flow.adminTimeoutMs }).adminView(checkTimeoutMs),
    };
    const transactional = exactlyOnce ? transactionalSettings(flow, this.instanceId, this.task ?? 0) : undefined;
    if (transactional) this.log.info({ flow: flow.name, transactionalId: transactional.transactionalId, transactionTimeoutMs: transactional.transactionTimeoutMs }, `Exactly-once: ${flow.name} commits through transactional.id ${transactional.transactionalId}`);
    const provenance = await flowProvenance(flow, this.config.flows, (c) => this.connections.of(c, { adminTimeoutMs: flow.adminTimeoutMs }).clusterId(), this.log, this.telemetry);
    const dataPath = effectiveDataPath(flow, { provenance: provenance !== undefined });
    if (dataPath.reason) this.log.info({ flow: flow.name, event: 'data_path_records', dataPath: 'records', reason: dataPath.reason }, `data.path = batches is not available for ${flow.name} ${dataPath.reason}: it mirrors on the record path`);
    const settings: MirrorTaskSettings = dataPath.path === flow.dataPath ? flow : { ...flow, dataPath: dataPath.path };
    const clients = createMirrorTaskClients(settings, admins, { settings: membershipSettings(flow), logger: this.log.child({ flow: flow.name }) }, transactional);
    const task = new MirrorTask({ settings, store, telemetry: this.telemetry, logger: this.log, listener: support.listener, handoverHooks: support.handoverHooks, clients, provenance, transactionSink });
    this.tasks.push(task);
    await task.start();
    // Failback checkpoints of this flow translate with the reverse flow's syncs: live when this engine runs it whole.
    const reverse = this.config.flows.find((f) => f.sourceAlias === flow.targetAlias && f.targetAlias === flow.sourceAlias);
    const reverseStore = () => this.failover.find((f) => f.flowName === reverse?.name)?.wholeFlowStore;
    await support.start(task, reverse && { store: reverseStore, location: reverse.offsetSyncsTopicLocation });
    if (duties.heartbeats) {
      const sync = TopicConfigSync.forFlow(flow, this.log);
      this.configSyncs.push(sync);
      sync.start();
      const acls = AclSync.forFlow(flow, this.log);
      this.aclSyncs.push(acls);
      acls.start();
    }
  }

  /**
   * Resolves with the first failure of any flow — its mirror task, or its checkpoint path (an
   * authentication failure there) — or `stopped` once every flow has stopped.
   */
  async done(): Promise<EngineOutcome> {
    const outcome = await this.flowsDone();
    // A Kafka failure while a cluster was not answering comes back as a ClusterUnreachableError naming it.
    return outcome.status === 'failed' ? { ...outcome, error: this.clusterHealth.explain(outcome.error) } : outcome;
  }

  private async flowsDone(): Promise<EngineOutcome> {
    const tasksDone = (async (): Promise<EngineOutcome> => {
      const outcomes = this.tasks.map((t) => t.done.then((o): [MirrorTask, TaskOutcome] => [t, o]));
      const first = await Promise.race(outcomes);
      if (first[1].status === 'failed') return { status: 'failed', flow: first[0].settings.name, error: first[1].error };
      const all = await Promise.all(outcomes);
      const failed = all.find(([, o]) => o.status === 'failed');
      return failed && failed[1].status === 'failed' ? { status: 'failed', flow: failed[0].settings.name, error: failed[1].error } : { status: 'stopped' };
    })();
    const failoverFailed = this.failover.map((f) => f.failure.then((error): EngineOutcome => ({ status: 'failed', flow: f.flowName, error })));
    return Promise.race([tasksDone, ...failoverFailed]);
  }

  /** Stops every flow (flushing in-flight records and progress) and logs the final summary. */
  stop(): Promise<void> {
    // Idempotent: the CLI stops on SIGTERM and again once done() resolves; a second run would close the
    // progress store twice and summarise after telemetry shutdown (rejects: exit code 1 on a clean stop).
    return (this.stopping ??= this.stopOnce());
  }

  private async stopOnce(): Promise<void> {
    if (this.summaryTimer) clearInterval(this.summaryTimer);
    // Each step's duration at debug level: a stop that takes long (a cluster down) shows where the time went.
    const step = async (name: string, run: () => Promise<unknown>): Promise<void> => {
      const started = Date.now();
      await run();
      this.log.debug({ step: name, durationMs: Date.now() - started }, `stop step ${name} done`);
    };
    await step('syncs-and-pair-heartbeats', () => Promise.all([...this.configSyncs.map((s) => s.stop()), ...this.aclSyncs.map((s) => s.stop()), ...this.pairHeartbeats.map((h) => h.stop())]));
    await step('mirror-tasks', () => Promise.all(this.tasks.map((t) => t.stop())));
    await step('offset-syncs-checkpoints-heartbeats', () => Promise.all(this.failover.map((f) => f.stop().catch((err: unknown) => this.log.error({ err }, 'stopping offset syncs / checkpoints / heartbeats failed')))));
    await step('progress-stores', () => Promise.all(this.tasks.map((t) => t.progressStore.close().catch((err: unknown) => this.log.error({ err }, 'closing progress store failed')))));
    // Last: every owner above flushed what it wrote; what is still pending now has a cluster that is down.
    await step('kafka-clients', () => this.connections.close(1000).catch((err: unknown) => this.log.error({ err }, 'closing Kafka clients failed')));
    this.clusterHealth.stop();
    await this.logSummary('final');
    this.lastSnapshot = await this.telemetry.snapshot();
    await this.telemetry.shutdown();
  }

  /** Logs `Replication summary` with totals, rates and latency quantiles; returns the figures. */
  async logSummary(kind: 'periodic' | 'final'): Promise<SummaryFigures> {
    return logReplicationSummary(this.log, kind, await this.telemetry.summary(), Date.now() - this.startedAtMs);
  }

  /** The telemetry snapshot taken at the end of {@link stop} (undefined before). */
  get finalSnapshot(): TelemetrySnapshot | undefined {
    return this.lastSnapshot;
  }
}

/**
 * The group every instance running `flow` joins on its target cluster: `<group.id>-<source>-<target>`
 * (e.g. `kafka-mirror-primary-standby`; MM2's Connect workers of a flow share one group the same way).
 */
export function flowGroupId(flow: Pick<MirrorConfig['flows'][number], 'groupIdPrefix' | 'sourceAlias' | 'targetAlias'>): string {
  return `${flow.groupIdPrefix}-${flow.sourceAlias}-${flow.targetAlias}`;
}

/**
 * KIP-618: a flow whose `exactly.once.support = required` runs only with `exactly.once.source.support = enabled`
 * (Connect refuses such a connector on a worker without it). Throws ConfigError naming the key.
 */
export function checkExactlyOnceSupport(flow: Pick<MirrorConfig['flows'][number], 'name' | 'exactlyOnceSupport' | 'exactlyOnceSourceSupport'>): void {
  if (flow.exactlyOnceSupport === 'required' && flow.exactlyOnceSourceSupport !== 'enabled') {
    throw new ConfigError(`${flow.name}.exactly.once.support`, 'required', "'exactly.once.source.support = enabled' for this flow (or 'exactly.once.support = requested')");
  }
}

/**
 * The `transactional.id` of one instance slot of `flow` (exactly-once): `<group>-<instanceId>-<task>`, e.g.
 * `kafka-mirror-primary-standby-host1-0`. Stable per slot, so a restarted instance's `initTransactions`
 * aborts at once what its killed predecessor left open (KIP-98) instead of read_committed readers waiting
 * `transaction.timeout.ms`; zombies of OTHER slots are fenced by the group generation (KIP-447).
 */
export function transactionalIdOf(flow: Pick<MirrorConfig['flows'][number], 'groupIdPrefix' | 'sourceAlias' | 'targetAlias'>, instanceId: string, task: number): string {
  return `${flowGroupId(flow)}-${instanceId}-${task}`;
}

/** The transactional producer settings of `flow` for this instance slot (`transaction.timeout.ms`, {@link transactionalIdOf}). */
export function transactionalSettings(flow: MirrorConfig['flows'][number], instanceId: string, task: number): TransactionalSettings {
  return { transactionalId: transactionalIdOf(flow, instanceId, task), transactionTimeoutMs: flow.transactionTimeoutMs };
}

/** The group settings of `flow` (mm2.properties `group.id`, `group.protocol`, `session.timeout.ms`, `heartbeat.interval.ms`). */
export function membershipSettings(flow: MirrorConfig['flows'][number]): MembershipSettings {
  return { groupId: flowGroupId(flow), protocol: flow.groupProtocol, sessionTimeoutMs: flow.sessionTimeoutMs, heartbeatIntervalMs: flow.heartbeatIntervalMs };
}

/** A {@link ReplicationSummary} with the overall rates since start. */
export type SummaryFigures = ReplicationSummary & { elapsedMs: number; recordsPerSec: number; bytesPerSec: number };

/**
 * Logs the `Replication summary (<kind>)` line (event `replication_summary`) for `s`, with records/s and
 * bytes/s over `elapsedMs` since start; `extra` fields are added to the line (e.g. `tasks`). Returns the figures.
 */
export function logReplicationSummary(log: Logger, kind: 'periodic' | 'final', s: ReplicationSummary, elapsedMs: number, extra: Record<string, unknown> = {}): SummaryFigures {
  const figures = {
    ...s,
    activeRecordsPerSec: round(s.activeRecordsPerSec),
    elapsedMs,
    recordsPerSec: round((s.records * 1000) / Math.max(1, elapsedMs)),
    bytesPerSec: round((s.bytes * 1000) / Math.max(1, elapsedMs)),
  };
  log.info(
    { event: 'replication_summary', kind, ...extra, ...figures, latencyP50Ms: round(s.latencyP50Ms), latencyP99Ms: round(s.latencyP99Ms) },
    `Replication summary (${kind}): ${s.records} records, p50 ${fmt(s.latencyP50Ms)} ms, p99 ${fmt(s.latencyP99Ms)} ms, ${figures.activeRecordsPerSec ?? 0} records/s while active`,
  );
  return figures;
}

function round(v: number): number;
function round(v: number | undefined): number | undefined;
function round(v: number | undefined): number | undefined {
  return v === undefined ? undefined : Math.round(v * 10) / 10;
}

function fmt(v: number | undefined): string {
  return v === undefined ? 'n/a' : v.toFixed(1);
}

/**
 * The data path a flow's mirror task runs on: its `data.path`, except that the record-batch path cannot add
 * the provenance header (loop-safe active-active) to a batch it does not rebuild — such flows run on the record
 * path, and `reason` says why (for the info line). Exactly-once runs on either path (the batch path writes
 * through a transactional identity of its own: engine/kafka/batch/batch-transactions.ts).
 */
export function effectiveDataPath(flow: { dataPath: 'records' | 'batches' }, uses: { provenance: boolean }): { path: 'records' | 'batches'; reason?: string } {
  if (flow.dataPath !== 'batches') return { path: flow.dataPath };
  if (uses.provenance) return { path: 'records', reason: 'with the provenance header on (replication.provenance.header.enabled; a forwarded batch cannot take a header)' };
  return { path: 'batches' };
}
