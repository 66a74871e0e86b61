/**
 * The worker's herder (Kafka Connect's `Herder`, apache/kafka `connect/runtime/.../Herder.java`, reduced to
 * what MM2's three connectors need): the connectors stored in the config topic, their target states, and the
 * {@link PairRuntime} engines that run them.
 *
 * Invariants:
 * - every change is written to the config topic (acknowledged) before it is applied or answered, so a
 *   restarted worker, or another worker of the group, reaches the same connectors;
 * - one engine per cluster pair, built from the pair's RUNNING connectors; it is restarted only when the
 *   generated config of the pair changes or a restart is asked for;
 * - a connector whose last change is not applied yet is "pending": another change to it is refused with 409
 *   (Connect answers 409 while a rebalance applies a change); changes to other connectors are queued.
 *
 * Other workers' changes are picked up by re-reading the config topic every `config.storage.refresh.interval.ms`.
 * Partition ownership between workers is not decided here: every worker runs every RUNNING connector and the
 * engine's Kafka-group membership shares the partitions (flows get the worker's `group.id`, {@link HerderOptions.flowDefaults}).
 */
import type { Logger } from '../core/logger.ts';
import { ConfigError } from '../core/errors.ts';
import type { EventJournal } from '../telemetry/event-journal.ts';
import { connectorSpec, mergeRedacted, pairConfig, redactConnectorConfig, validateConnector, type ConnectorKind, type ConnectorSpec, type PairConfig, type PairPlan } from './connector-config.ts';
import type { ConnectorStore, StoredConnector, TargetState } from './connector-store.ts';
import { ConnectRequestError, type ConnectState, type ConnectorInfo, type ConnectorStateInfo } from './connect-entities.ts';
import { PairRuntime, type PairEngine } from './pair-runtime.ts';

interface Entry extends StoredConnector {
  /** Undefined when the stored config no longer validates (written by another version, or by hand). */
  readonly spec: ConnectorSpec | undefined;
  readonly invalid: string | undefined;
}

/** Options of {@link ConnectHerder}. */
export interface HerderOptions {
  store: ConnectorStore;
  logger: Logger;
  journal: EventJournal;
  /** Connect's `worker_id` (the listener's host:port), read when a status is built. */
  workerId: () => string;
  /** Re-read of the config topic, ms (0: never). */
  refreshIntervalMs: number;
  /**
   * Flow keys every pair gets unless a connector sets them: the worker passes `group.id` = its own `group.id`, so
   * the workers of one group share each pair's partitions through the Kafka group `<group.id>-<source>-<target>`.
   */
  flowDefaults?: Readonly<Record<string, string>>;
  /** Engine factory for unit tests (default: a real MirrorEngine per pair). */
  createEngine?: (config: PairConfig, logger: Logger) => PairEngine;
}

const NAME = /^[^\p{Cc}]+$/u;

function entryOf(stored: StoredConnector): Entry {
  try {
    return { ...stored, spec: connectorSpec(stored.name, stored.config), invalid: undefined };
  } catch (err) {
    return { ...stored, spec: undefined, invalid: (err as Error).message };
  }
}

/** The worker's connectors and engines. {@link start} once, {@link stop} once. */
export class ConnectHerder {
  private readonly o: HerderOptions;
  private readonly log: Logger;
  private connectors = new Map<string, Entry>();
  private readonly runtimes = new Map<string, PairRuntime>();
  /** Connector → generation of its last unapplied change. */
  private readonly pending = new Map<string, number>();
  private generation = 0;
  private readonly restarts = new Set<string>();
  /** Connector → why its pair's config does not build (FAILED with that trace). */
  private configErrors = new Map<string, string>();
  private loop: Promise<void> | undefined;
  private again = false;
  private writes = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly published = new Map<string, string>();
  /** Connectors whose config-topic write is in flight (two concurrent requests must not both pass the checks). */
  private readonly writing = new Set<string>();

  constructor(options: HerderOptions) {
    this.o = options;
    this.log = options.logger.child({ component: 'worker' });
  }

  /** Loads the connectors from the config topic and starts the RUNNING ones (in the background). Throws MirrorError on Kafka failures. */
  async start(): Promise<void> {
    this.connectors = new Map([...(await this.o.store.readAll())].map(([n, c]) => [n, entryOf(c)]));
    this.log.info({ event: 'connectors_loaded', connectors: [...this.connectors.keys()] }, `Loaded ${this.connectors.size} connector(s) from the config topic`);
    for (const name of this.connectors.keys()) this.pending.set(name, this.generation);
    this.schedule();
    if (this.o.refreshIntervalMs > 0) {
      this.timer = setInterval(() => void this.refresh(), this.o.refreshIntervalMs);
      this.timer.unref();
    }
  }

  /** Stops every engine (progress persisted). Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.loop;
    await Promise.all([...this.runtimes.values()].map((r) => r.stop()));
    this.runtimes.clear();
  }

  /** The running pair engines (for /status and /metrics). */
  get pairRuntimes(): readonly PairRuntime[] {
    return [...this.runtimes.values()];
  }

  /** Resolves once no change is pending (tests, scenario). */
  async settled(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Connector names, sorted. */
  names(): string[] {
    return [...this.connectors.keys()].sort();
  }

  /** Connect's ConnectorInfo (config redacted). Throws ConnectRequestError 404. */
  info(name: string): ConnectorInfo {
    const e = this.entry(name);
    return { name, config: redactConnectorConfig(e.config), tasks: e.targetState === 'STOPPED' ? [] : [{ connector: name, task: 0 }], type: 'source' };
  }

  /** The stored config, secrets redacted. Throws 404. */
  config(name: string): Record<string, string> {
    return redactConnectorConfig(this.entry(name).config);
  }

  /** Connect's ConnectorStateInfo. Throws 404. */
  status(name: string): ConnectorStateInfo {
    const e = this.entry(name);
    const workerId = this.o.workerId();
    const { state, trace } = this.stateOf(e);
    const connector = trace === undefined ? { state, worker_id: workerId } : { state, worker_id: workerId, trace };
    const tasks = e.targetState === 'STOPPED' && state === 'STOPPED' ? [] : [{ id: 0, ...connector }];
    return { name, connector, tasks, type: 'source' };
  }

  /** The connector's kind and flow settings (for offsets and topics). Throws 404, or 400 when its config is invalid. */
  spec(name: string): ConnectorSpec & { targetState: TargetState; applied: boolean } {
    const e = this.entry(name);
    if (!e.spec) throw new ConnectRequestError(400, `Connector ${name} has an invalid config: ${e.invalid}`);
    return { ...e.spec, targetState: e.targetState, applied: !this.pending.has(name) };
  }

  /** Remote topics the connector's engine writes to now. Throws 404. */
  topics(name: string): string[] {
    const e = this.entry(name);
    const rt = this.runtimeOf(name);
    if (!rt || !e.spec) return [];
    if (e.spec.kind === 'source') return rt.remoteTopics();
    const flow = rt.config.config.flows[0];
    if (e.spec.kind === 'checkpoint') return flow?.emitCheckpointsEnabled ? [flow.replicationPolicy.checkpointsTopic(flow.sourceAlias)] : [];
    return rt.config.config.heartbeatPairs[0]?.heartbeatsTopic ? [rt.config.config.heartbeatPairs[0].heartbeatsTopic] : flow?.emitHeartbeatsEnabled ? [flow.replicationPolicy.heartbeatsTopic()] : [];
  }

  /**
   * POST /connectors: creates a connector. Throws 400 (invalid name or config, naming the key), 409 (exists,
   * or its pair already has a connector of that kind).
   */
  async create(name: string, config: Record<string, string>, initialState: TargetState | undefined): Promise<ConnectorInfo> {
    const n = name.trim();
    if (n === '' || !NAME.test(n)) throw new ConnectRequestError(400, 'Connector name is required and must not contain ISO control characters');
    if (config.name !== undefined && config.name !== n) throw new ConnectRequestError(400, `Connector name configuration (${config.name}) doesn't match connector name in the URL (${n})`);
    if (this.connectors.has(n)) throw new ConnectRequestError(409, `Connector ${n} already exists`);
    this.assertNotPending(n);
    const full = { ...config, name: n };
    const spec = this.validate(n, full);
    await this.exclusively(n, async () => {
      if (initialState && initialState !== 'RUNNING') await this.o.store.putTargetState(n, initialState);
      await this.o.store.putConfig(n, full);
    });
    this.apply(n, { name: n, config: full, targetState: initialState ?? 'RUNNING', spec, invalid: undefined });
    this.log.info({ event: 'connector_created', connector: n, kind: spec.kind, pair: spec.pair, targetState: initialState ?? 'RUNNING' }, `Connector ${n} created`);
    return this.info(n);
  }

  /** PUT /connectors/{name}/config: creates or replaces. `[REDACTED]` secrets keep their stored values. Throws 400, 409. */
  async putConfig(name: string, config: Record<string, string>): Promise<{ created: boolean; info: ConnectorInfo }> {
    if (config.name !== undefined && config.name !== name) throw new ConnectRequestError(400, `Connector name configuration (${config.name}) doesn't match connector name in the URL (${name})`);
    const existing = this.connectors.get(name);
    if (!existing) return { created: true, info: await this.create(name, config, undefined) };
    this.assertNotPending(name);
    const full = { ...mergeRedacted(config, existing.config), name };
    const spec = this.validate(name, full);
    await this.exclusively(name, () => this.o.store.putConfig(name, full));
    this.apply(name, { ...existing, config: full, spec, invalid: undefined });
    this.log.info({ event: 'connector_reconfigured', connector: name }, `Connector ${name} reconfigured`);
    return { created: false, info: this.info(name) };
  }

  /** PUT pause / resume / stop. Idempotent. Throws 404, 409. */
  async setTargetState(name: string, state: TargetState): Promise<void> {
    const e = this.entry(name);
    if (e.targetState === state) return;
    this.assertNotPending(name);
    await this.exclusively(name, () => this.o.store.putTargetState(name, state));
    this.apply(name, { ...e, targetState: state });
    this.log.info({ event: 'connector_target_state', connector: name, targetState: state }, `Connector ${name} → ${state}`);
  }

  /**
   * POST restart: restarts the connector's pair engine (all connectors of the pair). `onlyFailed`: only when
   * it failed. Returns the status with RESTARTING for what restarts, or undefined when nothing does. Throws 404, 409.
   */
  restart(name: string, onlyFailed: boolean): ConnectorStateInfo | undefined {
    const e = this.entry(name);
    this.assertNotPending(name);
    const status = this.status(name);
    if (e.targetState !== 'RUNNING' || !e.spec || (onlyFailed && status.connector.state !== 'FAILED')) return undefined;
    this.restarts.add(e.spec.pair);
    this.pending.set(name, ++this.generation);
    this.schedule();
    const restarting = { ...status.connector, state: 'RESTARTING' as const };
    delete restarting.trace;
    return { ...status, connector: restarting, tasks: status.tasks.map((t) => ({ id: t.id, state: 'RESTARTING' as const, worker_id: t.worker_id })) };
  }

  /** POST tasks/{id}/restart. Throws 404 (unknown connector or task), 409. */
  restartTask(name: string, task: number): void {
    const e = this.entry(name);
    if (task !== 0 || e.targetState === 'STOPPED') throw new ConnectRequestError(404, `Task ${name}-${task} not found`);
    this.restart(name, false);
  }

  /** DELETE: stops and forgets the connector. Throws 404, 409. */
  async delete(name: string): Promise<void> {
    this.entry(name);
    this.assertNotPending(name);
    await this.exclusively(name, () => this.o.store.remove(name, [0]));
    this.apply(name, undefined);
    this.published.delete(name);
    this.log.info({ event: 'connector_deleted', connector: name }, `Connector ${name} deleted`);
  }

  /** Validates a config alone and against the connectors of its pair. Throws ConfigError (400 by the REST layer) or 409. */
  private validate(name: string, config: Record<string, string>): ConnectorSpec {
    const { spec } = validateConnector(name, config, this.o.flowDefaults);
    const other = [...this.connectors.values()].find((c) => c.name !== name && c.spec?.pair === spec.pair && c.spec.kind === spec.kind);
    if (other) throw new ConnectRequestError(409, `Connector ${other.name} already runs the ${spec.kind} part of ${spec.pair}: one connector of each kind per cluster pair`);
    const plan = this.planOf(spec.pair, new Map([...this.connectors, [name, { name, config, targetState: 'RUNNING' as const, spec, invalid: undefined }]]));
    pairConfig(plan, this.o.flowDefaults);
    return spec;
  }

  private entry(name: string): Entry {
    const e = this.connectors.get(name);
    if (!e) throw new ConnectRequestError(404, `Connector ${name} not found`);
    return e;
  }

  /** Runs the config-topic write of a change to `name`; a concurrent change to it meanwhile is refused with 409. */
  private async exclusively(name: string, write: () => Promise<void>): Promise<void> {
    this.assertNotPending(name);
    this.writing.add(name);
    try {
      await write();
    } finally {
      this.writing.delete(name);
    }
  }

  private assertNotPending(name: string): void {
    if (this.pending.has(name) || this.writing.has(name)) throw new ConnectRequestError(409, `Cannot complete request momentarily: a change to connector ${name} is still being applied; retry shortly`);
  }

  private apply(name: string, entry: Entry | undefined): void {
    this.writes++;
    if (entry) this.connectors.set(name, entry);
    else this.connectors.delete(name);
    this.pending.set(name, ++this.generation);
    this.schedule();
  }

  private runtimeOf(name: string): PairRuntime | undefined {
    return [...this.runtimes.values()].find((r) => r.connectors.has(name));
  }

  private stateOf(e: Entry): { state: ConnectState; trace?: string } {
    if (e.invalid !== undefined) return { state: 'FAILED', trace: e.invalid };
    const configError = this.configErrors.get(e.name);
    if (configError !== undefined && e.targetState === 'RUNNING') return { state: 'FAILED', trace: configError };
    const rt = this.runtimeOf(e.name);
    if (rt) {
      if (rt.state === 'running') return { state: 'RUNNING' };
      if (rt.state === 'failed') return { state: 'FAILED', trace: rt.failure?.trace ?? 'failed' };
      return { state: this.restarts.has(rt.pair) ? 'RESTARTING' : 'UNASSIGNED' };
    }
    return { state: e.targetState === 'RUNNING' ? 'UNASSIGNED' : e.targetState };
  }

  /** The RUNNING connectors of `pair` by kind (the first by name when several claim one kind). */
  private planOf(pair: string, connectors: ReadonlyMap<string, Entry>): PairPlan {
    const plan: Partial<Record<ConnectorKind, ConnectorSpec>> = {};
    for (const c of [...connectors.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      if (c.spec?.pair === pair && c.targetState === 'RUNNING') plan[c.spec.kind] ??= c.spec;
    }
    return plan;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    this.loop = (async () => {
      do {
        this.again = false;
        await this.reconcile().catch((err: unknown) => this.log.error({ err }, 'applying connector changes failed'));
      } while (this.again && !this.stopped);
      this.loop = undefined;
    })();
  }

  /** Brings the engines in line with the connectors: stops what changed, starts what is missing, publishes statuses. */
  private async reconcile(): Promise<void> {
    const generation = this.generation;
    const restarts = new Set(this.restarts);
    const wanted = new Map<string, PairConfig>();
    const errors = new Map<string, string>();
    const pairs = new Set([...this.connectors.values()].flatMap((c) => (c.spec ? [c.spec.pair] : [])));
    for (const pair of pairs) {
      const plan = this.planOf(pair, this.connectors);
      try {
        const built = pairConfig(plan, this.o.flowDefaults);
        if (built) wanted.set(pair, built);
      } catch (err) {
        const why = err instanceof ConfigError ? err.message : String(err);
        for (const c of Object.values(plan)) errors.set(c.name, why);
      }
    }
    this.configErrors = errors;
    for (const [pair, rt] of [...this.runtimes]) {
      const want = wanted.get(pair);
      if (!want || want.fingerprint !== rt.fingerprint || restarts.has(pair)) {
        await rt.stop();
        this.runtimes.delete(pair);
      }
    }
    for (const pair of restarts) this.restarts.delete(pair);
    for (const [pair, config] of wanted) {
      if (this.runtimes.has(pair) || this.stopped) continue;
      const rt = new PairRuntime({ config, logger: this.o.logger, journal: this.o.journal, onChange: () => void this.publish(), createEngine: this.o.createEngine });
      this.runtimes.set(pair, rt);
      await rt.start();
    }
    for (const [name, g] of [...this.pending]) if (g <= generation) this.pending.delete(name);
    await this.publish();
  }

  /** Writes changed connector and task states to the status topic (best effort: logged when it fails). */
  private async publish(): Promise<void> {
    for (const name of this.connectors.keys()) {
      const s = this.status(name);
      const text = JSON.stringify([s.connector.state, s.connector.trace ?? null]);
      if (this.published.get(name) === text) continue;
      this.published.set(name, text);
      const status = { state: s.connector.state, trace: s.connector.trace ?? null, workerId: s.connector.worker_id };
      try {
        await this.o.store.putStatus(name, undefined, status);
        if (s.tasks.length > 0) await this.o.store.putStatus(name, 0, status);
      } catch (err) {
        this.log.warn({ err, connector: name }, `writing the status of connector ${name} failed`);
      }
    }
  }

  /** Re-reads the config topic; applies other workers' changes (skipped while this worker has a change in flight). */
  private async refresh(): Promise<void> {
    if (this.loop || this.pending.size > 0 || this.stopped) return;
    const writes = this.writes;
    let stored: Map<string, StoredConnector>;
    try {
      stored = await this.o.store.readAll();
    } catch (err) {
      this.log.warn({ err }, 'reading the config topic failed; retried at the next refresh');
      return;
    }
    if (writes !== this.writes || this.loop) return;
    const same = (a: StoredConnector, b: StoredConnector | undefined) => b !== undefined && a.targetState === b.targetState && JSON.stringify(a.config) === JSON.stringify(b.config);
    const changed = [...stored.values()].filter((c) => !same(c, this.connectors.get(c.name))).map((c) => c.name);
    const removed = [...this.connectors.keys()].filter((n) => !stored.has(n));
    if (changed.length === 0 && removed.length === 0) return;
    this.log.info({ event: 'connectors_changed_elsewhere', changed, removed }, 'Connector changes from another worker');
    for (const name of changed) this.apply(name, entryOf(stored.get(name)!));
    for (const name of removed) this.apply(name, undefined);
  }
}
