/**
 * The engine as a child process for integration tests and scenarios: a fresh temporary folder with
 * an mm2.properties written by {@link testProperties} and a JSON log file that successive runs (crash,
 * restart) append to. Built on testkit/engine-process.ts (spawn, signals, exit codes, log parsing);
 * adds what tests need around it: config from a topic regex, `kill()` = kill -9 and wait, log lines of
 * one run (pino writes `pid` on every line), and cleanup that never leaves a process behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineProcess, type EngineLogLine } from '../testkit/engine-process.ts';
import { testProperties } from './engine-harness.ts';

export { EngineProcess, type EngineLogLine };

/** An {@link EngineProcess} owning a temporary folder (`mm2.properties`, `engine.log`). */
export class TestEngineProcess extends EngineProcess {
  /** The temporary folder holding config and log. */
  readonly dir: string;
  /** Pids of every run started so far, oldest first. */
  readonly runPids: number[] = [];

  private constructor(dir: string) {
    super({ configPath: join(dir, 'mm2.properties'), logFile: join(dir, 'engine.log') });
    this.dir = dir;
  }

  /**
   * A not yet started engine mirroring `primary` topics matching `topicsRegex` to `standby`, with the
   * test defaults of {@link testProperties} plus `extra` properties.
   */
  static create(topicsRegex: string, extra: Record<string, string | number> = {}): TestEngineProcess {
    const p = new TestEngineProcess(mkdtempSync(join(tmpdir(), 'kme-engine-')));
    p.writeConfig(testProperties(topicsRegex, extra));
    return p;
  }

  /**
   * Starts a run and waits for `Mirror task … started`. Throws (with stderr) when the process exits
   * first, unless `allowEarlyExit` (e.g. a test expecting exit code 3 for truncation found at start).
   */
  override async start(options: { waitForStartedMs?: number; extraArgs?: string[]; allowEarlyExit?: boolean } = {}): Promise<void> {
    await super.start(options);
    const pid = this.pid;
    if (pid !== undefined) this.runPids.push(pid);
    else if (!options.allowEarlyExit) throw new Error(`engine exited during start; stderr: ${this.stderrText}; log: ${this.logFile}`);
  }

  /** kill -9 and wait for the exit; resolves with the exit code (137). */
  async kill(timeoutMs = 30_000): Promise<number> {
    this.signal('SIGKILL');
    return this.waitForExit(timeoutMs);
  }

  /** Log lines of one run (default: the latest), or of every run with `run: 'all'`. */
  logLines(run: number | 'all' | 'latest' = 'latest'): EngineLogLine[] {
    const lines = this.lines();
    if (run === 'all') return lines;
    const pid = run === 'latest' ? this.runPids[this.runPids.length - 1] : this.runPids[run];
    return lines.filter((l) => l.pid === pid);
  }

  /** Kills a still running process and removes the folder (kept when KEEP_ENGINE_LOGS is set, or on `keep`). */
  async dispose(options: { keep?: boolean } = {}): Promise<void> {
    if (this.pid !== undefined) await this.kill().catch(() => undefined);
    if (options.keep || process.env.KEEP_ENGINE_LOGS) return;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
