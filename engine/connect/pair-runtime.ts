/**
 * One running cluster pair of a worker: the in-process {@link MirrorEngine} built from the pair's running
 * connectors ({@link PairConfig}). A change to any of them stops it (stop persists progress, so the next
 * start resumes where it left off) and starts a new one with the new config. Its end is watched: a flow
 * failure (truncation under `truncation.policy=fail`, a rejected record, authentication …) marks the pair
 * FAILED with a trace and stops the engine; it stays failed until a restart or a config change.
 */
import type { Logger } from '../core/logger.ts';
import { MirrorError } from '../core/errors.ts';
import { MirrorEngine, type EngineOutcome } from '../runtime/mirror-engine.ts';
import { EngineReporter } from '../http/engine-report.ts';
import type { EventJournal } from '../telemetry/event-journal.ts';
import type { PairConfig } from './connector-config.ts';

/** starting → running → (failed | stopped); starting → failed when the start throws. */
export type PairState = 'starting' | 'running' | 'failed' | 'stopped';

/** Why a pair failed: the error's stable code, message, and Connect's `trace` text (code, message, evidence fields, cause). */
export interface PairFailure {
  readonly code: string;
  readonly message: string;
  readonly trace: string;
}

/** What the runtime needs of an engine; MirrorEngine implements it (unit tests substitute a fake). */
export interface PairEngine {
  start(): Promise<void>;
  stop(): Promise<void>;
  done(): Promise<EngineOutcome>;
  readonly tasks: readonly { readonly settings: { readonly name: string }; snapshot(): { topic: string; partition: number }[] }[];
}

/** Connect's `trace` for an error: `Name (CODE): message`, its evidence fields as JSON, and the cause's message. No stack: nothing in it helps an operator. */
export function traceOf(err: unknown): PairFailure {
  if (!(err instanceof Error)) return { code: 'INTERNAL', message: String(err), trace: String(err) };
  const code = err instanceof MirrorError ? err.code : 'INTERNAL';
  const evidence = Object.fromEntries(Object.entries(err).filter(([k, v]) => !['code', 'name', 'message', 'stack', 'cause'].includes(k) && v !== undefined));
  const cause = err.cause instanceof Error ? `\nCaused by: ${err.cause.message}` : '';
  const fields = Object.keys(evidence).length > 0 ? `\n${JSON.stringify(evidence)}` : '';
  return { code, message: err.message, trace: `${err.name} (${code}): ${err.message}${fields}${cause}` };
}

/** The running engine of one pair. Create, then {@link start}; {@link stop} once. */
export class PairRuntime {
  readonly pair: string;
  readonly fingerprint: string;
  readonly config: PairConfig;
  /** The connectors this engine serves. */
  readonly connectors: ReadonlySet<string>;
  /** For /status and /metrics (undefined for a fake engine). */
  readonly reporter: EngineReporter | undefined;
  private readonly engine: PairEngine;
  private readonly log: Logger;
  private readonly onChange: () => void;
  private current: PairState = 'starting';
  private why: PairFailure | undefined;
  private stopping: Promise<void> | undefined;

  /** `createEngine` defaults to a real {@link MirrorEngine}; `onChange` is called whenever {@link state} changes after start. */
  constructor(o: { config: PairConfig; logger: Logger; journal: EventJournal; onChange: () => void; createEngine?: (config: PairConfig, logger: Logger) => PairEngine }) {
    this.pair = o.config.pair;
    this.fingerprint = o.config.fingerprint;
    this.config = o.config;
    this.connectors = new Set(o.config.connectors);
    this.log = o.logger.child({ component: 'worker', pair: this.pair });
    this.onChange = o.onChange;
    if (o.createEngine) {
      this.engine = o.createEngine(o.config, this.log);
    } else {
      const engine = new MirrorEngine({ config: o.config.config, logger: o.logger.child({ pair: this.pair }) });
      this.engine = engine;
      this.reporter = new EngineReporter({ engine, config: o.config.config, journal: o.journal });
    }
  }

  get state(): PairState {
    return this.current;
  }

  get failure(): PairFailure | undefined {
    return this.why;
  }

  /** Starts the engine; never throws (a failed start is state `failed` with its trace). */
  async start(): Promise<void> {
    const t0 = Date.now();
    for (const w of this.config.warnings) this.log.warn({ connectors: [...this.connectors] }, w);
    try {
      await this.engine.start();
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.stopping) return;
    this.current = 'running';
    if (this.reporter) this.reporter.phase = 'running';
    this.log.info({ event: 'pair_started', connectors: [...this.connectors], durationMs: Date.now() - t0 }, `Connectors ${[...this.connectors].join(', ')} running (${this.pair})`);
    void this.engine.done().then((outcome) => {
      if (outcome.status === 'failed' && !this.stopping) {
        this.fail(outcome.error);
        void this.engine.stop().catch((err: unknown) => this.log.error({ err }, 'stopping the failed engine failed'));
      }
    });
  }

  /** Stops the engine (flushing records and progress). Idempotent. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      const t0 = Date.now();
      await this.engine.stop().catch((err: unknown) => this.log.error({ err }, 'stopping the engine failed'));
      if (this.current !== 'failed') this.current = 'stopped';
      if (this.reporter) this.reporter.phase = 'stopped';
      this.log.info({ event: 'pair_stopped', connectors: [...this.connectors], durationMs: Date.now() - t0 }, `Engine of ${this.pair} stopped`);
    })());
  }

  /** Remote topics this engine writes records to now (Connect's active topics of a source connector). */
  remoteTopics(): string[] {
    const flow = this.config.config.flows[0];
    if (!flow) return [];
    const topics = new Set(this.engine.tasks.flatMap((t) => t.snapshot().map((p) => flow.replicationPolicy.formatRemoteTopic(flow.sourceAlias, p.topic))));
    return [...topics].sort();
  }

  private fail(err: unknown): void {
    this.why = traceOf(err);
    this.current = 'failed';
    if (this.reporter) this.reporter.phase = 'failed';
    this.log.error({ event: 'pair_failed', code: this.why.code, connectors: [...this.connectors] }, `Connectors ${[...this.connectors].join(', ')} failed: ${this.why.message}`);
    this.onChange();
  }
}
