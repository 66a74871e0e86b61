/**
 * The mirror engine as a child process, the way operators run it: `node bin/kafka-mirror.js
 * --config <mm2.properties> --log-file <file>`. Scenarios and process-level tests use it to stop,
 * kill -9, freeze (SIGSTOP) and continue (SIGCONT) the engine and to read its JSON log lines — of every
 * run (restarts append to the same log file) or of one run (pino writes `pid` on every line).
 * {@link EngineProcess.inTempDir} gives a test its own temporary folder with an mm2.properties from
 * testkit/engine-harness.ts's `testProperties`, removed again by {@link EngineProcess.dispose}.
 *
 * The engine's HTTP listener binds a free port by default here (`--listeners http://127.0.0.1:0`), never the
 * users' 8083: tests, scenarios and other worktrees run engines side by side. {@link EngineProcess.listenerUrl}
 * reads the bound URL from the run's `http_listening` log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLogLines, type EngineLogLine } from './engine-log.ts';
import { testProperties } from './engine-harness.ts';
import { withDataPath } from './data-path.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Path of the `kafka-mirror` executable script. */
export const KAFKA_MIRROR_BIN = join(ROOT, 'bin', 'kafka-mirror.js');

export type { EngineLogLine };

/** A running (or finished) engine child process. */
export class EngineProcess {
  readonly configPath: string;
  readonly logFile: string;
  /** The temporary folder holding config and log when made by {@link inTempDir} (removed by {@link dispose}). */
  readonly dir: string | undefined;
  /** Pids of every run started so far, oldest first. */
  readonly runPids: number[] = [];
  private readonly dieWithParent: boolean;
  private child: ChildProcess | undefined;
  private exit: Promise<number> | undefined;
  private stderr = '';
  private lastExit: number | undefined;
  private readonly listeners: string;
  /** Extra environment of every run (e.g. `KAFKA_MIRROR_INSTANCE_ID`, the exactly-once slot identity). */
  readonly env: Record<string, string>;

  /**
   * `configPath`: mm2.properties to run; `logFile`: JSON log destination (appended across restarts);
   * `dir`: a folder {@link dispose} removes; `listeners`: the `--listeners` flag (default
   * `http://127.0.0.1:0`: any free port; `''` disables the listener); `dieWithParent`: start the engine
   * under `setpriv --pdeathsig SIGKILL`, so it ends with this process even when this one is killed -9 (long
   * unattended runs such as the chaos harness; SIGKILL because a frozen engine would never act on a SIGTERM).
   */
  constructor(options: { configPath: string; logFile: string; dir?: string; listeners?: string; dieWithParent?: boolean; env?: Record<string, string> }) {
    this.env = options.env ?? {};
    this.configPath = options.configPath;
    this.logFile = options.logFile;
    this.dir = options.dir;
    this.listeners = options.listeners ?? 'http://127.0.0.1:0';
    this.dieWithParent = options.dieWithParent ?? false;
  }

  /**
   * A not yet started engine in a fresh temporary folder (`mm2.properties`, `engine.log`) mirroring
   * `primary` topics matching `topicsRegex` to `standby`, with the test defaults of `testProperties`
   * plus `extra` keys; `env`: extra environment of its runs.
   */
  static inTempDir(topicsRegex: string, extra: Record<string, string | number> = {}, env: Record<string, string> = {}): EngineProcess {
    const dir = mkdtempSync(join(tmpdir(), 'kme-engine-'));
    const p = new EngineProcess({ configPath: join(dir, 'mm2.properties'), logFile: join(dir, 'engine.log'), dir, env });
    p.writeConfig(testProperties(topicsRegex, extra));
    return p;
  }

  /** Writes `properties` to `configPath` (creating its folder). */
  writeConfig(properties: string): void {
    mkdirSync(dirname(this.configPath), { recursive: true });
    writeFileSync(this.configPath, withDataPath(properties));
  }

  /** Where the running engine's pid is recorded: `<logFile>.pid`. */
  get pidFile(): string {
    return `${this.logFile}.pid`;
  }

  /** Pid of the running engine, if any (undefined once it exited or was killed by a signal). */
  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  private get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stderr collected so far (config errors and crashes land there). */
  get stderrText(): string {
    return this.stderr;
  }

  /** Where every run's stderr is appended as well: `<logFile>.stderr` (a crash that could not log is seen there). */
  get stderrFile(): string {
    return `${this.logFile}.stderr`;
  }

  /** Exit code of the last run that ended (128+n for a signal), undefined while none ended. */
  get lastExitCode(): number | undefined {
    return this.lastExit;
  }

  /**
   * Starts a run; resolves once it logged that its mirror task (or, with `tasks.max` > 1, every task
   * process) started. When the process exits first it rejects with its stderr, unless `allowEarlyExit`
   * (e.g. truncation found at start: the caller then checks {@link waitForExit}). Rejects after
   * `waitForStartedMs` (default 60 000).
   */
  async start(options: { waitForStartedMs?: number; extraArgs?: string[]; allowEarlyExit?: boolean } = {}): Promise<void> {
    const linesBefore = this.lines().length;
    this.stderr = '';
    this.lastExit = undefined;
    const extraArgs = options.extraArgs ?? [];
    const listeners = extraArgs.includes('--listeners') ? [] : ['--listeners', this.listeners];
    const args = [KAFKA_MIRROR_BIN, '--config', this.configPath, '--log-file', this.logFile, ...listeners, ...extraArgs];
    // setpriv execs node: the child's pid is still the engine's (signals, pid file).
    const [command, ...argv] = this.dieWithParent ? ['setpriv', '--pdeathsig', 'SIGKILL', process.execPath, ...args] : [process.execPath, ...args];
    const child = spawn(command!, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...this.env } });
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
      appendFileSync(this.stderrFile, d);
    });
    this.child = child;
    if (child.pid !== undefined) this.runPids.push(child.pid);
    // Recorded so `npm run cleanup` can stop an engine a crashed run left behind — by pid, never by name.
    writeFileSync(this.pidFile, String(child.pid));
    this.exit = new Promise((r) =>
      child.once('exit', (code, signal) => {
        rmSync(this.pidFile, { force: true });
        this.lastExit = code ?? (signal ? 128 + signalNumber(signal) : 1);
        r(this.lastExit);
      }),
    );
    const deadline = Date.now() + (options.waitForStartedMs ?? 60_000);
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        if (options.allowEarlyExit) return; // e.g. truncation at start: the caller checks waitForExit()
        throw new Error(`engine exited during start; stderr: ${this.stderr}; log: ${this.logFile}`);
      }
      // One process: its mirror task's line. tasks.max > 1: the supervisor's line once every task process started.
      if (this.lines().slice(linesBefore).some((l) => (/^Mirror task .* started$/.test(l.msg) && l.task === undefined) || l.event === 'tasks_started')) return;
      await delay(50);
    }
    throw new Error(`engine did not start within ${options.waitForStartedMs ?? 60_000} ms; stderr: ${this.stderr}`);
  }

  /** The bound URL of the current run's HTTP listener (`http_listening` log line), undefined before it is logged. */
  listenerUrl(): string | undefined {
    const pid = this.child?.pid;
    const line = this.lines().findLast((l) => l.event === 'http_listening' && (pid === undefined || l.pid === pid));
    return typeof line?.url === 'string' ? line.url : undefined;
  }

  /** Sends a signal (SIGTERM to stop, SIGKILL to crash, SIGSTOP/SIGCONT to freeze and continue). */
  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child!.kill(sig);
  }

  /** Resolves with the exit code (128+n for a signal) once the process ended; rejects after `timeoutMs`. */
  async waitForExit(timeoutMs = 60_000): Promise<number> {
    if (!this.exit) throw new Error('engine was never started');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`engine did not exit within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** kill -9 and wait for the exit; resolves with the exit code (137). */
  async kill(timeoutMs = 30_000): Promise<number> {
    this.signal('SIGKILL');
    return this.waitForExit(timeoutMs);
  }

  /** SIGTERM and wait for the exit code. */
  async stop(timeoutMs = 60_000): Promise<number> {
    this.signal('SIGTERM');
    return this.waitForExit(timeoutMs);
  }

  /** Every JSON line of the log file so far, of every run (non-JSON lines skipped). */
  lines(): EngineLogLine[] {
    return existsSync(this.logFile) ? parseLogLines(readFileSync(this.logFile, 'utf8')) : [];
  }

  /** Log lines of one run: `'latest'` (default), the n-th run (0 = first), or `'all'`. */
  logLines(run: number | 'all' | 'latest' = 'latest'): EngineLogLine[] {
    const lines = this.lines();
    if (run === 'all') return lines;
    const pid = run === 'latest' ? this.runPids[this.runPids.length - 1] : this.runPids[run];
    return lines.filter((l) => l.pid === pid);
  }

  /** Waits until a log line satisfies `predicate`; rejects after `timeoutMs` naming `what`. */
  async waitForLine(predicate: (l: EngineLogLine) => boolean, what: string, timeoutMs = 30_000): Promise<EngineLogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines().find(predicate);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no engine log line for ${what} within ${timeoutMs} ms (log: ${this.logFile})`);
      await delay(50);
    }
  }

  /**
   * Kills a still running process (kill -9) and removes the {@link inTempDir} folder, kept when `keep`
   * or the environment sets KEEP_ENGINE_LOGS. Never throws for an already finished process.
   */
  async dispose(options: { keep?: boolean } = {}): Promise<void> {
    if (this.pid !== undefined) await this.kill().catch(() => undefined);
    if (options.keep || process.env.KEEP_ENGINE_LOGS || this.dir === undefined) return;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
