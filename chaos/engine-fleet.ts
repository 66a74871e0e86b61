/**
 * The `kafka-mirror` instances of a chaos run: child processes (testkit/engine-process.ts, the way
 * operators run the engine, ended by the kernel if the harness dies) that share one mm2.properties, each
 * with its own JSON log (`<dir>/instance-<n>.log` by default). The fleet starts, kills (-9), restarts, freezes (SIGSTOP … SIGCONT), adds and
 * removes instances and notices instances that exited on their own (a problem: nothing in a chaos run
 * should make the engine give up).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EngineProcess } from '../testkit/engine-process.ts';

/** Starts of one slot in a row before the fleet gives up (see {@link EngineFleet.start}). */
const START_ATTEMPTS = 3;

/** Lifecycle of one instance slot. */
export type InstanceState = 'running' | 'frozen' | 'down';

/** One instance slot: its process handle (reused across restarts, so its log accumulates every run). */
export interface Instance {
  readonly id: number;
  readonly engine: EngineProcess;
  state: InstanceState;
  /** Runs started (1 after the first start). */
  starts: number;
}

/** Options of an {@link EngineFleet}. */
export interface EngineFleetOptions {
  /** Folder for the shared mm2.properties and the instance logs. */
  dir: string;
  /** mm2.properties text every instance runs. */
  properties: string;
  /** How long one start may take (until the instance logged that its mirror task started), ms. */
  startTimeoutMs?: number;
  /** Log file of instance `id` (default `<dir>/instance-<id>.log`); its pid file is `<log>.pid` (`npm run cleanup` looks in logs/). */
  logFile?: (id: number) => string;
}

/** The instances of one chaos run. */
export class EngineFleet {
  readonly instances: Instance[] = [];
  /** Exits of running instances nobody asked for, e.g. `instance 2 (run 3) exited on its own` (a chaos run's problem). */
  readonly unexpectedExits: string[] = [];
  /**
   * Starts that ended before the mirror task started, with the engine's last error line — by design when a
   * cluster does not answer within the engine's bounded start-up wait; the fleet starts it again, as a
   * supervisor would (reported, not a problem by itself).
   */
  readonly failedStarts: string[] = [];
  private readonly o: EngineFleetOptions;
  private readonly configPath: string;

  constructor(options: EngineFleetOptions) {
    this.o = options;
    this.configPath = join(options.dir, 'mm2.properties');
  }

  /** Instances in a state, e.g. `inState('running')`. */
  inState(state: InstanceState): Instance[] {
    return this.instances.filter((i) => i.state === state);
  }

  /** Every log file of the fleet. */
  get logFiles(): string[] {
    return this.instances.map((i) => i.engine.logFile);
  }

  /** Starts a new instance slot (or a `down` one when `reuse`); resolves once its mirror task started. */
  async add(reuse = true): Promise<Instance> {
    const slot = reuse ? this.instances.find((i) => i.state === 'down') : undefined;
    const instance = slot ?? this.newSlot();
    await this.start(instance);
    return instance;
  }

  /** kill -9; the slot becomes `down`. */
  async kill(instance: Instance): Promise<void> {
    if (instance.state === 'frozen') instance.engine.signal('SIGCONT'); // SIGKILL ends a stopped process too; keep the bookkeeping plain
    await instance.engine.kill();
    instance.state = 'down';
  }

  /** SIGTERM and wait for the exit (graceful leave); returns the exit code (0 expected). The slot becomes `down`. */
  async stop(instance: Instance, timeoutMs = 60_000): Promise<number> {
    if (instance.state === 'frozen') this.thaw(instance);
    let code: number;
    try {
      code = await instance.engine.stop(timeoutMs);
    } catch {
      code = await instance.engine.kill();
    }
    instance.state = 'down';
    return code;
  }

  /**
   * Starts a `down` slot again; resolves once its mirror task started. A run that exits during its start
   * (e.g. its bounded start-up wait for a cluster ran out right after a broker restart) is recorded in
   * {@link failedStarts} and started again, up to {@link START_ATTEMPTS} times; then the last error is thrown.
   */
  async start(instance: Instance): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      instance.starts++;
      try {
        await instance.engine.start({ waitForStartedMs: this.o.startTimeoutMs ?? 90_000 });
        instance.state = 'running';
        return;
      } catch (err) {
        if (instance.engine.pid !== undefined) await instance.engine.kill().catch(() => undefined); // did not start in time
        const last = instance.engine.logLines().findLast((l) => l.level === 'error' || l.level === 'critical' || l.level === 'fatal');
        this.failedStarts.push(`instance ${instance.id} (run ${instance.starts}) did not start: ${last?.msg ?? (err as Error).message}`);
        if (attempt >= START_ATTEMPTS) throw err;
      }
    }
  }

  /** SIGSTOP: the process keeps its sockets but answers nothing (a GC pause, a frozen VM). */
  freeze(instance: Instance): void {
    instance.engine.signal('SIGSTOP');
    instance.state = 'frozen';
  }

  /** SIGCONT after {@link freeze}. */
  thaw(instance: Instance): void {
    instance.engine.signal('SIGCONT');
    instance.state = 'running';
  }

  /**
   * Marks instances that were `running` but whose process ended as `down`, recording each as an
   * unexpected exit; returns them (the caller restarts them to keep the run going).
   */
  reapUnexpectedExits(): Instance[] {
    const exited = this.instances.filter((i) => i.state === 'running' && i.engine.pid === undefined);
    for (const i of exited) {
      i.state = 'down';
      // The engine's own last words (`kafka-mirror: internal error …`) rather than the end of a stack trace.
      const lines = i.engine.stderrText.trim().split('\n');
      const own = lines.findLast((l) => l.startsWith('kafka-mirror:'));
      const stderr = (own ?? lines.slice(-3).join(' | ')).slice(0, 600);
      const code = i.engine.lastExitCode;
      this.unexpectedExits.push(`instance ${i.id} (run ${i.starts}) exited on its own${code === undefined ? '' : ` with code ${code}`}${stderr ? `; stderr: ${stderr}` : ''}; log ${i.engine.logFile} (stderr in ${i.engine.stderrFile})`);
    }
    return exited;
  }

  /** Continues frozen instances and stops every running one (SIGTERM); returns the exit codes by instance id. */
  async stopAll(timeoutMs = 60_000): Promise<Map<number, number>> {
    const codes = new Map<number, number>();
    for (const i of this.instances) if (i.state !== 'down') codes.set(i.id, await this.stop(i, timeoutMs));
    return codes;
  }

  /** Last resort (finally blocks): SIGCONT and kill -9 whatever still runs. Never throws. */
  async dispose(): Promise<void> {
    for (const i of this.instances) {
      i.engine.signal('SIGCONT');
      await i.engine.dispose({ keep: true }).catch(() => undefined);
      i.state = 'down';
    }
  }

  private newSlot(): Instance {
    const id = this.instances.length + 1;
    const logFile = this.o.logFile?.(id) ?? join(this.o.dir, `instance-${id}.log`);
    rmSync(logFile, { force: true }); // a fresh log per run: the audit reads only this run's lines
    // A stable slot identity (exactly-once: `transactional.id` <group>-<slot>-0): a restarted instance aborts what its killed run left open at once.
    const engine = new EngineProcess({ configPath: this.configPath, logFile, dieWithParent: true, env: { KAFKA_MIRROR_INSTANCE_ID: `chaos-instance-${id}` } });
    if (id === 1) engine.writeConfig(this.o.properties);
    const instance: Instance = { id, engine, state: 'down', starts: 0 };
    this.instances.push(instance);
    return instance;
  }
}
