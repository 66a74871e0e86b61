/**
 * `kafka-mirror` — runs the replication flows of an mm2.properties file.
 *
 *   kafka-mirror [run] --config mm2.properties [--log-file PATH] [--log-level info] [--listeners http://127.0.0.1:8083]
 *   kafka-mirror [run] --worker worker.properties [--log-file PATH] [--log-level info] [--listeners …]  (Connect REST API, engine/connect/)
 *   kafka-mirror status --url http://127.0.0.1:8083 [--json]
 *   kafka-mirror acknowledge-gap --config mm2.properties --topic commit-log --partition 0 [--flow primary->standby]
 *
 * Exit codes (engine/core/errors.ts EXIT_CODES): 0 clean stop (SIGINT/SIGTERM), 1 internal error,
 * 2 invalid config or flags, 3 log truncation under truncation.policy=fail, 4 authentication or
 * authorization failure, 5 log divergence, 6 a record the target rejects (record.rejected.policy=fail). `acknowledge-gap`: 0 acknowledged, 2 bad input or nothing to
 * acknowledge, 1/4 Kafka or auth failure.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadMirrorConfig, redactConfig } from '../config/config.ts';
import { createLogger, exitOnUncaughtError, type Logger } from '../core/logger.ts';
import { MirrorEngine } from '../runtime/mirror-engine.ts';
import { acknowledgeGap, describeAcknowledgement, selectFlow } from '../progress/gap-acknowledgement.ts';
import { ConfigError, ERROR_CODES, EXIT_CODES, MirrorError } from '../core/errors.ts';
import { TaskSupervisor, sendToSupervisor } from '../runtime/task-supervisor.ts';
import { parseMirrorArgs, type AcknowledgeGapOptions, type RunOptions } from './cli-args.ts';
// HTTP listener, status reports, `status` command (issue 13): engine/http/, engine/cli/observability-cli.ts.
import { EventJournal } from '../telemetry/event-journal.ts';
import { EngineObservability, SupervisorObservability } from '../http/observability.ts';
import type { ListenerAddress } from '../config/listeners.ts';
import type { MirrorConfig } from '../config/config.ts';
import { listenerFor, statusCommand } from './observability-cli.ts';
import { checkConfigClientSettings } from '../kafka/client-settings-check.ts';
import { runWorker } from '../connect/worker.ts';

/** Exit code for an error that ended the engine. */
export function exitCodeFor(err: unknown): number {
  if (!(err instanceof MirrorError)) return EXIT_CODES.INTERNAL;
  switch (err.code) {
    case ERROR_CODES.CONFIG_INVALID:
      return EXIT_CODES.CONFIG_INVALID;
    case ERROR_CODES.TRUNCATION_DETECTED:
      return EXIT_CODES.TRUNCATION_DETECTED;
    case ERROR_CODES.AUTH_FAILED:
      return EXIT_CODES.AUTH_FAILED;
    case ERROR_CODES.LOG_DIVERGENCE:
      return EXIT_CODES.LOG_DIVERGENCE;
    case ERROR_CODES.RECORD_REJECTED:
      return EXIT_CODES.RECORD_REJECTED;
    default:
      return EXIT_CODES.INTERNAL;
  }
}

async function run(opts: RunOptions): Promise<number> {
  const { config, warnings } = await loadMirrorConfig(opts.config);
  checkConfigClientSettings(config); // every client setting, before any logger, listener or client exists (exit 2)
  const taskCount = Math.max(1, ...config.flows.map((f) => f.tasksMax));
  if (opts.task !== undefined && opts.task >= taskCount) throw new ConfigError('--task', String(opts.task), `a task index below tasks.max (${taskCount})`);
  if (opts.task !== undefined && opts.taskCount !== undefined && opts.taskCount !== taskCount) {
    // Otherwise the partitions of the missing (or extra) task indexes would silently go unmirrored (or twice).
    throw new ConfigError('tasks.max', String(taskCount), `the ${opts.taskCount} tasks its supervisor started with (the config file changed meanwhile; restart the engine)`);
  }
  // One listener per process tree: the supervisor's, or this single process's (task processes report to the supervisor).
  const listener = opts.task === undefined ? await listenerFor(opts.config, opts.listeners) : undefined;
  const journal = new EventJournal();
  const root: Logger = createLogger({ destination: opts.logFile, level: opts.logLevel, streamWrite: journal.tap });
  exitOnUncaughtError(opts.task === undefined ? root : root.child({ task: opts.task }), EXIT_CODES.INTERNAL);
  if (opts.task === undefined) {
    for (const w of warnings) root.warn({ component: 'config' }, w);
    root.info({ component: 'engine', config: redactConfig(config), configFile: opts.config, tasks: taskCount }, 'kafka-mirror starting');
    if (taskCount > 1) return supervise(opts, taskCount, root, config, listener);
  }
  const log = opts.task === undefined ? root : root.child({ task: opts.task });
  const engine = new MirrorEngine({ config, logger: log, task: opts.task });
  let stopping = false;
  let started = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ component: 'engine', signal }, `Received ${signal}; flushing and stopping`);
    // During start() the stop waits for it to settle (below): stopping a half-started engine would leave
    // a task mirroring behind closed progress and telemetry.
    if (started) void engine.stop();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A task process whose supervisor is gone (even kill -9) stops too: no orphan keeps mirroring half a flow.
  if (opts.task !== undefined) process.on('disconnect', () => stop('supervisor exit'));
  // Logged once the handlers are in place: a SIGTERM forwarded right after this line is logged and honoured.
  if (opts.task !== undefined) log.info({ component: 'engine', configFile: opts.config }, `kafka-mirror task ${opts.task} of ${taskCount} starting`);
  // After the handlers: a SIGTERM forwarded while the listener starts must be logged and honoured, not kill the task silently.
  const observability = await EngineObservability.start({ engine, config, listener, journal, logger: log, task: opts.task });
  let code: number;
  try {
    await engine.start();
    started = true;
    observability.started();
    if (stopping) void engine.stop();
    else if (opts.task !== undefined) {
      const partitions = engine.tasks.reduce((n, t) => n + t.partitionStates.size, 0);
      await sendToSupervisor({ type: 'started', task: opts.task, partitions });
    }
    code = await runToEnd(engine, log);
  } catch (err) {
    log.error({ component: 'engine', err }, `kafka-mirror could not start: ${(err as Error).message}`);
    observability.startFailed();
    await engine.stop().catch(() => undefined);
    code = exitCodeFor(err);
  }
  const snapshot = engine.finalSnapshot;
  if (opts.task !== undefined && snapshot) await sendToSupervisor({ type: 'final-snapshot', task: opts.task, snapshot });
  await observability.close();
  log.debug({ component: 'engine', exitCode: code }, 'process exiting');
  return code;
}

/** Waits for the engine to end; stops it (idempotent); returns the exit code (logs why it stopped). */
async function runToEnd(engine: MirrorEngine, log: Logger): Promise<number> {
  const outcome = await engine.done();
  if (outcome.status === 'failed') {
    await engine.stop();
    const code = exitCodeFor(outcome.error);
    log.error({ component: 'engine', flow: outcome.flow, code: outcome.error.code, exitCode: code }, `kafka-mirror stopped: flow ${outcome.flow} failed (${outcome.error.code})`);
    return code;
  }
  await engine.stop();
  log.info({ component: 'engine' }, 'kafka-mirror stopped');
  return EXIT_CODES.OK;
}

/** `tasks.max` > 1: forks one task process per task index and waits for them (engine/runtime/task-supervisor.ts). */
async function supervise(opts: RunOptions, taskCount: number, log: Logger, config: MirrorConfig, listener: ListenerAddress | undefined): Promise<number> {
  const observability = await SupervisorObservability.start({ config, listener, logger: log, taskCount });
  const supervisor = new TaskSupervisor({
    taskCount,
    logger: log,
    onMessage: (m) => observability.onTaskMessage(m),
    args: (task) => ['run', '--config', opts.config, '--log-level', opts.logLevel, ...(opts.logFile ? ['--log-file', opts.logFile] : []), '--task', String(task), '--task-count', String(taskCount)],
  });
  process.on('SIGINT', () => supervisor.stop('SIGINT'));
  process.on('SIGTERM', () => supervisor.stop('SIGTERM'));
  supervisor.start();
  observability.setPhase('running');
  const code = await supervisor.done;
  observability.setPhase(code === EXIT_CODES.OK ? 'stopped' : 'failed');
  await observability.close();
  if (code === EXIT_CODES.OK) log.info({ component: 'engine' }, 'kafka-mirror stopped');
  else log.error({ component: 'engine', exitCode: code }, `kafka-mirror stopped: a task failed (exit code ${code})`);
  return code;
}

/** `kafka-mirror acknowledge-gap`: accepts a detected truncation gap so the partition can resume (engine/progress/gap-acknowledgement.ts). */
async function acknowledgeGapCommand(opts: AcknowledgeGapOptions): Promise<number> {
  const { config } = await loadMirrorConfig(opts.config);
  const flow = selectFlow(config, opts.flow);
  const result = await acknowledgeGap(flow, { topic: opts.topic, partition: opts.partition });
  if (result.status === 'nothing-to-acknowledge') {
    process.stderr.write(`kafka-mirror acknowledge-gap: nothing to acknowledge: ${result.reason}\n`);
    return EXIT_CODES.CONFIG_INVALID;
  }
  process.stdout.write(`${describeAcknowledgement(result)}\n`);
  return EXIT_CODES.OK;
}

/**
 * Parses `argv` (engine/cli/cli-args.ts) and runs the command; resolves to the process exit code.
 * Bad flags exit 2 naming the flag, before any config is read; `--help` and `--version` exit 0.
 */
export async function main(argv: string[]): Promise<number> {
  const write = { writeOut: (s: string) => void process.stdout.write(s), writeErr: (s: string) => void process.stderr.write(s) };
  const parsed = parseMirrorArgs(argv, write, process.env.LOG_LEVEL ?? 'info');
  if (parsed.kind === 'exit') return parsed.exitCode;
  try {
    if (parsed.kind === 'status') return await statusCommand(parsed.options);
    if (parsed.kind === 'worker') return await runWorker(parsed.options);
    return parsed.kind === 'run' ? await run(parsed.options) : await acknowledgeGapCommand(parsed.options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`kafka-mirror: ${err.message}\n`);
      return EXIT_CODES.CONFIG_INVALID;
    }
    process.stderr.write(`kafka-mirror: ${(err as Error).message}\n`);
    return exitCodeFor(err);
  }
}

/** Runs {@link main} on this process's arguments and exits with its code. bin/kafka-mirror.js calls it (so does `tsx engine/cli/cli.ts`, below). */
export function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`kafka-mirror: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(EXIT_CODES.INTERNAL);
    },
  );
}

/** True when this file is the process's main script (`tsx engine/cli/cli.ts`); importing it (the bin, tests) runs nothing. */
function isMainScript(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainScript()) runCli();
