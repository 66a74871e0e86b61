/**
 * The supervisor of a multi-task engine (`tasks.max` > 1): one task process per task index, each a
 * full engine (`kafka-mirror run --task <i>`) and one member of every flow's group on the target, mirroring
 * the source partitions the group assigns it (engine/kafka/group-membership.ts; `tasks.max` keeps MM2's
 * meaning: the members this instance contributes). One JavaScript thread moves about 80 000 records/s
 * (bench/results); task processes use every core, like MM2's task threads.
 *
 * Why processes and not worker threads: the librdkafka binding (@confluentinc/kafka-javascript) is
 * not a context-aware addon (`NODE_MODULE`), so it loads once per process only.
 *
 * Lifecycle, as an operator sees it (the supervisor is the process a service manager runs):
 * - SIGINT/SIGTERM to the supervisor → SIGTERM to every task; each flushes and exits 0; exit 0.
 * - A task exits on its own (truncation 3, auth 4, divergence 5, crash 1, or killed) → the other tasks are
 *   stopped and the supervisor exits with that task's code (a task that exits 0 unasked, or is killed by a
 *   signal, gives 1): the DR copy is never left silently half mirrored.
 * - The supervisor dies (even kill -9) → the tasks see their IPC channel close and stop cleanly.
 * - Logs: every task writes its own lines (field `task`) to the same destination; the supervisor adds
 *   `All N tasks started` and one merged `Replication summary (final)` from the tasks' telemetry snapshots.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Logger } from '../core/logger.ts';
import { EXIT_CODES } from '../core/errors.ts';
import { summarize, type TelemetrySnapshot } from '../telemetry/telemetry.ts';
import type { EngineReport } from '../telemetry/engine-status.ts';
import { logReplicationSummary } from './mirror-engine.ts';

/**
 * Messages from a task process to the supervisor (over the IPC channel of `fork`). `status`: the task's
 * per-partition status, every second, for the supervisor's HTTP listener (engine/http/observability.ts).
 */
export type TaskMessage =
  | { type: 'started'; task: number; partitions: number }
  | { type: 'final-snapshot'; task: number; snapshot: TelemetrySnapshot }
  | { type: 'status'; task: number; report: EngineReport };

/** Options of {@link TaskSupervisor}. */
export interface TaskSupervisorOptions {
  /** Task processes to run (≥ 2; 1 runs in-process without a supervisor). */
  taskCount: number;
  /** Module each task runs (default: this process's main script, `process.argv[1]`). */
  modulePath?: string;
  /** Arguments of task `task` (e.g. `run --config … --task 1`). */
  args: (task: number) => string[];
  logger: Logger;
  /** Also told about every message of every task (the HTTP listener's merged view). */
  onMessage?: (message: TaskMessage) => void;
}

interface TaskProcess {
  index: number;
  child: ChildProcess;
  started: boolean;
  exited: boolean;
  snapshot?: TelemetrySnapshot;
}

/** Runs and watches the task processes. `start()`, then await {@link done}; `stop()` on a signal. */
export class TaskSupervisor {
  private readonly o: TaskSupervisorOptions;
  private readonly log: Logger;
  private readonly tasks: TaskProcess[] = [];
  private readonly startedAtMs = Date.now();
  private stopping = false;
  private exitCode: number = EXIT_CODES.OK;
  private resolveDone!: (code: number) => void;
  /** Resolves with the process exit code once every task process has exited. */
  readonly done: Promise<number>;

  constructor(options: TaskSupervisorOptions) {
    this.o = options;
    this.log = options.logger.child({ component: 'task-supervisor' });
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Forks every task process (each inherits stdout/stderr, and this process's Node flags). */
  start(): void {
    const cores = availableParallelism();
    if (this.o.taskCount > cores) {
      this.log.warn(
        { tasks: this.o.taskCount, cores, key: 'tasks.max' },
        `tasks.max = ${this.o.taskCount} starts ${this.o.taskCount} task processes on ${cores} cores: each task is a process with its own clients (about 340 MiB of resident memory: 342 MiB for 1 task, 739 for 2, 1 013 for 3 in the benchmark), and throughput stops growing at one task per core`,
      );
    }
    const modulePath = this.o.modulePath ?? process.argv[1];
    if (modulePath === undefined) throw new Error('cannot tell which script to run as a task process (process.argv[1] is missing)');
    for (let index = 0; index < this.o.taskCount; index++) {
      const child = fork(modulePath, this.o.args(index), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const task: TaskProcess = { index, child, started: false, exited: false };
      this.tasks.push(task);
      child.on('message', (m: TaskMessage) => this.onMessage(task, m));
      child.on('error', (err) => {
        this.log.error({ task: index, err }, `task ${index} process error: ${err.message}`);
        if (child.pid === undefined && !task.exited) this.onExit(task, EXIT_CODES.INTERNAL, null); // never started: no 'exit' event follows
      });
      // 'close', not 'exit': it also waits for the IPC channel, so the task's final snapshot has been read.
      child.on('close', (code, signal) => this.onExit(task, code, signal));
    }
    this.log.info({ event: 'tasks_forked', tasks: this.tasks.map((t) => ({ task: t.index, pid: t.child.pid })) }, `Started ${this.o.taskCount} task processes`);
  }

  /** Asks every running task to flush and stop (SIGTERM). Idempotent. */
  stop(reason: string): void {
    if (!this.stopping) this.log.info({ reason }, `Stopping ${this.tasks.filter((t) => !t.exited).length} task processes (${reason})`);
    this.stopping = true;
    for (const t of this.tasks) if (!t.exited) t.child.kill('SIGTERM');
  }

  private onMessage(task: TaskProcess, m: TaskMessage): void {
    this.o.onMessage?.(m);
    if (m.type === 'started') {
      task.started = true;
      if (this.tasks.every((t) => t.started)) {
        this.log.info({ event: 'tasks_started', tasks: this.tasks.length, durationMs: Date.now() - this.startedAtMs }, `All ${this.tasks.length} tasks started`);
      }
    } else if (m.type === 'final-snapshot') {
      task.snapshot = m.snapshot;
    }
  }

  private onExit(task: TaskProcess, code: number | null, signal: NodeJS.Signals | null): void {
    task.exited = true;
    if (!this.stopping) {
      // Exited unasked: the code is the task's verdict (truncation, auth, …); 0 or a signal is not normal here.
      this.exitCode = code !== null && code !== EXIT_CODES.OK ? code : EXIT_CODES.INTERNAL;
      this.log.error(
        { task: task.index, taskPid: task.child.pid, exitCode: code, signal },
        `Task ${task.index} exited (${signal ?? `code ${code}`}); stopping the other tasks`,
      );
      this.stop(`task ${task.index} exited`);
    } else if (this.exitCode === EXIT_CODES.OK && code !== EXIT_CODES.OK && !(code === null && (signal === 'SIGTERM' || signal === 'SIGINT'))) {
      // (A task that got the stop signal before it installed its handlers had nothing to flush: not a failure.)
      this.exitCode = code ?? EXIT_CODES.INTERNAL;
      this.log.error({ task: task.index, taskPid: task.child.pid, exitCode: code, signal }, `Task ${task.index} exited with ${signal ?? `code ${code}`} while stopping`);
    }
    if (this.tasks.every((t) => t.exited)) {
      const snapshots = this.tasks.flatMap((t) => (t.snapshot ? [t.snapshot] : []));
      logReplicationSummary(this.log, 'final', summarize(snapshots), Date.now() - this.startedAtMs, { tasks: this.tasks.length, tasksReporting: snapshots.length });
      this.resolveDone(this.exitCode);
    }
  }
}

/**
 * In a task process: sends `message` to the supervisor and resolves once it is handed to the channel
 * (resolves at once without a supervisor or after it went away).
 */
export function sendToSupervisor(message: TaskMessage): Promise<void> {
  const send = process.send?.bind(process);
  if (!send || !process.connected) return Promise.resolve();
  return new Promise((resolve) => {
    send(message, undefined, {}, () => resolve());
  });
}
