/**
 * Wiring of the HTTP listener, the lag sampler and the task → supervisor status reports, for the three
 * roles an engine process can have (engine/cli/cli.ts picks one):
 *
 * - a single-process engine ({@link EngineObservability} without `task`): listener + lag sampler in-process;
 * - a task process of a `tasks.max` > 1 engine (with `task`): no listener; sends its {@link EngineReport}
 *   to the supervisor every {@link REPORT_INTERVAL_MS} (IPC message `status`);
 * - the supervisor ({@link SupervisorObservability}): one listener serving the merged view of its tasks,
 *   and the lag sampler (in the supervisor, so a frozen task's lag keeps rising instead of going stale).
 *
 * The lag sampler opens one admin client per flow on the source cluster: one ListOffsets round per flow
 * per {@link LAG_SAMPLE_INTERVAL_MS}. Nothing here is on the data path.
 */
import { readFileSync } from 'node:fs';
import type { MirrorConfig } from '../config/config.ts';
import type { ListenerAddress } from '../config/listeners.ts';
import type { Logger } from '../core/logger.ts';
import { KafkaAdmin } from '../kafka/kafka-admin.ts';
import { adminConfig } from '../kafka/kafka-clients.ts';
import type { MirrorEngine } from '../runtime/mirror-engine.ts';
import { sendToSupervisor, type TaskMessage } from '../runtime/task-supervisor.ts';
import { buildStatus, type EnginePhase, type EngineReport, type StatusContext } from '../telemetry/engine-status.ts';
import type { EventJournal } from '../telemetry/event-journal.ts';
import { LagSampler } from '../telemetry/lag-sampler.ts';
import { EngineReporter } from './engine-report.ts';
import { startHttpListener, type HttpListener, type StatusView } from './http-listener.ts';

/** How often a task process reports to its supervisor, ms. */
export const REPORT_INTERVAL_MS = 1000;
/** How often the source log offsets are sampled for lag, ms. */
export const LAG_SAMPLE_INTERVAL_MS = 1000;
/** A task report older than this marks the task stale (frozen, hung): /health and /ready fail, ms. */
export const STALE_AFTER_MS = 5 * REPORT_INTERVAL_MS;

/** This package's version (package.json). */
export const ENGINE_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** One lag sampler over `config`'s flows with an admin client per flow; `partitions(flow)` lists what to sample. */
function lagSampler(config: MirrorConfig, partitions: (flow: string) => { topic: string; partition: number; state: string }[], logger: Logger, intervalMs: number): { sampler: LagSampler; admins: KafkaAdmin[] } {
  const admins: KafkaAdmin[] = [];
  const flows = config.flows.map((f) => {
    const reader = new KafkaAdmin(adminConfig(f.source, `kafka-mirror-${f.name}-lag-sampler`), { label: f.source });
    admins.push(reader);
    return {
      name: f.name,
      readCommitted: f.isolationLevel === 'read_committed',
      reader,
      // A missing topic cannot be asked about (the whole call would fail): skip what waits for its topic.
      partitions: () => partitions(f.name).filter((p) => p.state !== 'WAITING_FOR_TOPIC' && p.state !== 'REMOVED'),
    };
  });
  return { sampler: new LagSampler({ flows, intervalMs, logger: logger.child({ component: 'lag-sampler' }) }), admins };
}

/** Observability of an engine process: a single-process engine (listener) or a task process (reports). */
export class EngineObservability {
  private readonly reporter: EngineReporter;
  private readonly engine: MirrorEngine;
  private readonly task: number | undefined;
  private listener: HttpListener | undefined;
  private sampler: LagSampler | undefined;
  private admins: KafkaAdmin[] = [];
  private timer: NodeJS.Timeout | undefined;

  private constructor(engine: MirrorEngine, reporter: EngineReporter, task: number | undefined) {
    this.engine = engine;
    this.reporter = reporter;
    this.task = task;
  }

  /**
   * Starts before `engine.start()`, so probes answer (`/ready` 503) during start and a bad address fails
   * before any Kafka connection. `listener` undefined: none (disabled, or a task process). Throws ConfigError
   * when the address cannot be bound.
   */
  static async start(o: { engine: MirrorEngine; config: MirrorConfig; listener: ListenerAddress | undefined; journal: EventJournal; logger: Logger; task?: number | undefined; lagIntervalMs?: number }): Promise<EngineObservability> {
    const reporter = new EngineReporter({ engine: o.engine, config: o.config, journal: o.journal, task: o.task });
    const self = new EngineObservability(o.engine, reporter, o.task);
    if (o.task !== undefined) {
      self.timer = setInterval(() => void self.sendReport(), REPORT_INTERVAL_MS);
      self.timer.unref();
      return self;
    }
    if (o.listener === undefined) return self;
    const { sampler, admins } = lagSampler(o.config, (flow) => reporter.partitions(flow), o.logger, o.lagIntervalMs ?? LAG_SAMPLE_INTERVAL_MS);
    self.sampler = sampler;
    self.admins = admins;
    const ctx = (): StatusContext => ({ version: ENGINE_VERSION, mode: 'single-process', pid: process.pid, startedAtMs: reporter.startedAtMs, phase: reporter.phase, staleAfterMs: STALE_AFTER_MS });
    const view: StatusView = {
      current: () => {
        const reports = [reporter.report()];
        return { status: buildStatus(reports, sampler, ctx()), reports };
      },
    };
    try {
      self.listener = await startHttpListener({ address: o.listener, view, logger: o.logger });
    } catch (err) {
      await self.close();
      throw err;
    }
    sampler.start();
    return self;
  }

  /** The bound listener URL (undefined without a listener). */
  get url(): string | undefined {
    return this.listener?.url;
  }

  /** Call once `engine.start()` resolved: the engine is running; its end (failed or stopped) is watched. */
  started(): void {
    this.reporter.phase = 'running';
    void this.sendReport();
    void this.engine.done().then((outcome) => {
      this.reporter.phase = outcome.status === 'failed' ? 'failed' : 'stopped';
      void this.sendReport();
    });
  }

  /** Call when `engine.start()` threw. */
  startFailed(): void {
    this.reporter.phase = 'failed';
  }

  private sendReport(): Promise<void> {
    if (this.task === undefined) return Promise.resolve();
    const message: TaskMessage = { type: 'status', task: this.task, report: this.reporter.report() };
    return sendToSupervisor(message);
  }

  /** Stops reporting, sampling and listening. Idempotent. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sampler?.stop();
    await this.listener?.close();
    for (const a of this.admins) a.close();
    this.admins = [];
  }
}

/** The supervisor's listener: the merged view of every task process's last report. */
export class SupervisorObservability {
  private readonly reports = new Map<number, EngineReport>();
  private phase: EnginePhase = 'starting';
  private listener: HttpListener | undefined;
  private sampler: LagSampler | undefined;
  private admins: KafkaAdmin[] = [];
  private readonly startedAtMs = Date.now();

  /** Starts the listener (before the task processes are forked). Throws ConfigError when the address cannot be bound. */
  static async start(o: { config: MirrorConfig; listener: ListenerAddress | undefined; logger: Logger; taskCount: number; lagIntervalMs?: number }): Promise<SupervisorObservability> {
    const self = new SupervisorObservability();
    if (o.listener === undefined) return self;
    const partitions = (flow: string) => [...self.reports.values()].flatMap((r) => r.partitions.filter((p) => p.flow === flow));
    const { sampler, admins } = lagSampler(o.config, partitions, o.logger, o.lagIntervalMs ?? LAG_SAMPLE_INTERVAL_MS);
    self.sampler = sampler;
    self.admins = admins;
    const view: StatusView = {
      current: () => {
        const reports = [...self.reports.values()].sort((a, b) => (a.task ?? 0) - (b.task ?? 0));
        const ctx: StatusContext = { version: ENGINE_VERSION, mode: 'multi-process', pid: process.pid, startedAtMs: self.startedAtMs, phase: self.phase, expectedTasks: o.taskCount, staleAfterMs: STALE_AFTER_MS };
        return { status: buildStatus(reports, sampler, ctx), reports };
      },
    };
    try {
      self.listener = await startHttpListener({ address: o.listener, view, logger: o.logger });
    } catch (err) {
      await self.close();
      throw err;
    }
    sampler.start();
    return self;
  }

  /** The bound listener URL (undefined without a listener). */
  get url(): string | undefined {
    return this.listener?.url;
  }

  /** Feed every task message here (TaskSupervisor option `onMessage`). */
  onTaskMessage(message: TaskMessage): void {
    if (message.type === 'status') this.reports.set(message.task, message.report);
  }

  /** The supervisor forked its tasks (`running`), or ended with `exitCode` (`stopped` / `failed`). */
  setPhase(phase: EnginePhase): void {
    this.phase = phase;
  }

  /** Stops sampling and listening. Idempotent. */
  async close(): Promise<void> {
    await this.sampler?.stop();
    await this.listener?.close();
    for (const a of this.admins) a.close();
    this.admins = [];
  }
}
