/**
 * The command line of `kafka-mirror` → what to do, as a pure step: no file, network or process
 * access beyond reading package.json for `--version`, output only through the given writers, and
 * never a throw for bad input. Every flag value is checked here, so a bad one exits 2 with one line
 * naming the flag before any config is read or any cluster contacted.
 *
 *   kafka-mirror [run] --config mm2.properties [--log-file PATH] [--log-level info]
 *   kafka-mirror [run] --worker worker.properties [--log-file PATH] [--log-level info]   (Connect-style worker)
 *   kafka-mirror acknowledge-gap --config mm2.properties --topic commit-log --partition 0 [--flow primary->standby]
 *   kafka-mirror status [--url http://127.0.0.1:8083] [--json]
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT_CODES } from '../core/errors.ts';
import { addListenersOption, urlOption } from './observability-cli.ts';

/** Where the parser writes: help and version to `writeOut`, flag errors to `writeErr` (one line each). */
export interface CliOutput {
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
}

/** Options of `kafka-mirror run` (the default command). */
export interface RunOptions {
  /** Path of the mm2.properties file (non-empty). */
  config: string;
  /** JSON log destination; absent = stdout. */
  logFile?: string;
  /** pino level name, one of {@link LOG_LEVELS}. */
  logLevel: string;
  /** Set in a task process forked by the supervisor (engine/runtime/task-supervisor.ts). */
  task?: number;
  /** The supervisor's task count, checked against this process's reading of the config (it may have changed in between). */
  taskCount?: number;
  /** `--listeners`: the HTTP listener URL, overriding mm2.properties `listeners` ("" = off). */
  listeners?: string;
}

/** Options of `kafka-mirror --worker worker.properties` (Connect-style worker, engine/connect/worker.ts). */
export interface WorkerRunOptions {
  /** Path of worker.properties (non-empty). */
  worker: string;
  logFile?: string;
  logLevel: string;
  listeners?: string;
}

/** Options of `kafka-mirror status`. */
export interface StatusOptions {
  /** The engine's listener URL, without a trailing slash. */
  url: string;
  /** Print the /status JSON instead of tables. */
  json?: boolean;
}

/** Options of `kafka-mirror acknowledge-gap`. */
export interface AcknowledgeGapOptions {
  config: string;
  /** Source (upstream) topic name; a legal Kafka topic name. */
  topic: string;
  /** Source partition, 0 … 2^31 − 1. */
  partition: number;
  /** `<source>-><target>`; required by the command only when more than one flow is enabled. */
  flow?: string;
}

/** What the process should do: run a command with validated options, or exit with `exitCode` (0 after help/version, 2 after a flag error). */
export type MirrorCliCommand =
  | { kind: 'run'; options: RunOptions }
  | { kind: 'worker'; options: WorkerRunOptions }
  | { kind: 'acknowledge-gap'; options: AcknowledgeGapOptions }
  | { kind: 'status'; options: StatusOptions }
  | { kind: 'exit'; exitCode: number };

/** Log levels `--log-level` (and the `LOG_LEVEL` environment default) accept: pino's plus `critical` (engine/core/logger.ts). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'critical', 'fatal', 'silent'] as const;

/** `kafka-mirror`'s exit codes and their meaning, as the README's table states them (values from EXIT_CODES). */
export const EXIT_CODE_MEANINGS: ReadonlyArray<readonly [number, string]> = [
  [EXIT_CODES.OK, 'stopped by SIGINT/SIGTERM after flushing'],
  [EXIT_CODES.INTERNAL, 'unexpected internal error'],
  [EXIT_CODES.CONFIG_INVALID, 'invalid config or command-line input; nothing was started'],
  [EXIT_CODES.TRUNCATION_DETECTED, 'log truncation under truncation.policy=fail'],
  [EXIT_CODES.AUTH_FAILED, 'authentication or authorization failure'],
  [EXIT_CODES.LOG_DIVERGENCE, 'log divergence'],
  [EXIT_CODES.RECORD_REJECTED, 'a record the target rejects, under record.rejected.policy=fail (its remote partition holds everything before it, nothing after)'],
];

/** Largest partition index Kafka can address (partition ids are INT32 in the protocol). */
const MAX_PARTITION = 2_147_483_647;
/** Kafka's topic name rule: 1–249 of `[a-zA-Z0-9._-]`, not `.` or `..` (org.apache.kafka.common.internals.Topic.validate). */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** The package version (package.json `version`), printed by `--version`. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

const EXIT_CODES_HELP = `Exit codes:
${EXIT_CODE_MEANINGS.map(([code, meaning]) => `  ${code}  ${meaning}`).join('\n')}
  acknowledge-gap: 0 acknowledged; 2 bad input or nothing to acknowledge; 1/4 Kafka or authentication error`;

const PROGRAM_HELP_AFTER = `
Commands and their flags:
  kafka-mirror [run] -c, --config <mm2.properties> [--log-file <path>] [--log-level <level>] [--listeners <url>]
  kafka-mirror [run] --worker <worker.properties> [--log-file <path>] [--log-level <level>] [--listeners <url>]
  kafka-mirror acknowledge-gap -c, --config <mm2.properties> --topic <name> --partition <n> [--flow <source->target>]
  kafka-mirror status [--url <listener url>] [--json]
  kafka-mirror <command> --help    every flag of one command

SIGINT/SIGTERM flush in-flight records and progress, then exit 0.

${EXIT_CODES_HELP}`;

function nonEmpty(expected: string): (value: string) => string {
  return (value) => {
    if (value.trim() === '') throw new InvalidArgumentError(`expected ${expected}`);
    return value;
  };
}

function logLevelOption(value: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}`);
  return value;
}

function integerOption(min: number, max: number, expected: string): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${expected}`);
    return n;
  };
}

function topicOption(value: string): string {
  if (!TOPIC_NAME.test(value) || value === '.' || value === '..') {
    throw new InvalidArgumentError('expected a Kafka topic name: 1 to 249 of a-z A-Z 0-9 . _ - (not "." or "..")');
  }
  return value;
}

function flowOption(value: string): string {
  if (!/^[^\s>]+->[^\s>]+$/.test(value)) throw new InvalidArgumentError('expected <source>-><target>, e.g. primary->standby');
  return value;
}

function buildProgram(output: CliOutput, logLevelDefault: string, onCommand: (command: MirrorCliCommand) => void): Command {
  const program = new Command('kafka-mirror')
    .description('Mirror Kafka topics between clusters (MirrorMaker 2 compatible), detecting log truncation and topic resets')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', PROGRAM_HELP_AFTER)
    .exitOverride()
    .configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr });
  const runCommand = program
    .command('run', { isDefault: true })
    .description('run the replication flows of an mm2.properties file (default command)')
    .option('-c, --config <path>', 'mm2.properties file (required unless --worker)', nonEmpty('a path to an mm2.properties file'))
    .option('--worker <path>', 'run as a Kafka-Connect-style worker: connectors are registered over the Connect REST API, stored in the worker.properties cluster', nonEmpty('a path to a worker.properties file'))
    .option('--log-file <path>', 'write JSON logs to this file instead of stdout', nonEmpty('a file path'))
    .option('--log-level <level>', LOG_LEVELS.join('|'), logLevelOption, logLevelDefault)
    .addOption(new Option('--task <index>', 'internal: run as task <index> of a tasks.max > 1 engine (forked by the supervisor)').argParser(integerOption(0, 65_535, 'a task index')).hideHelp())
    .addOption(new Option('--task-count <n>', 'internal: the task count the supervisor started').argParser(integerOption(1, 65_536, 'a task count')).hideHelp())
    .allowExcessArguments(true) // reported by parseMirrorArgs, naming the argument
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .action((opts: RunOptions & { worker?: string }) => {
      const { worker, ...run } = opts;
      if (worker === undefined) return onCommand({ kind: 'run', options: { ...run } });
      // `config` is kept only so parseMirrorArgs can report --config and --worker together.
      const options: WorkerRunOptions & { config?: string } = { worker, logLevel: run.logLevel };
      if (run.logFile !== undefined) options.logFile = run.logFile;
      if (run.listeners !== undefined) options.listeners = run.listeners;
      if (run.config !== undefined) options.config = run.config;
      onCommand({ kind: 'worker', options });
    });
  addListenersOption(runCommand);
  program
    .command('acknowledge-gap')
    .description('accept a detected log truncation gap of one partition so mirroring resumes at the log start offset (run while the engine is stopped)')
    .requiredOption('-c, --config <path>', 'mm2.properties file', nonEmpty('a path to an mm2.properties file'))
    .requiredOption('--topic <name>', 'source topic (upstream name, e.g. commit-log)', topicOption)
    .requiredOption('--partition <n>', 'source partition', integerOption(0, MAX_PARTITION, `a partition number from 0 to ${MAX_PARTITION}`))
    .option('--flow <source->target>', 'replication flow (required when more than one flow is enabled)', flowOption)
    .allowExcessArguments(true)
    .action((opts: AcknowledgeGapOptions) => onCommand({ kind: 'acknowledge-gap', options: { ...opts } }));
  program
    .command('status')
    .description('print a running engine\'s status (flows, partitions with lag, latest events) from its HTTP listener')
    .option('--url <url>', 'the engine\'s listener (its `HTTP listening on` log line)', urlOption, 'http://127.0.0.1:8083')
    .option('--json', 'print the /status JSON document instead of tables')
    .allowExcessArguments(true)
    .action((opts: StatusOptions) => onCommand({ kind: 'status', options: { ...opts } }));
  return program;
}

/**
 * Parses `argv` (without node and script). Commands: `run` (the default, so `kafka-mirror --config x`
 * works) and `acknowledge-gap`. Returns the command with validated options, or `{ kind: 'exit' }`:
 * 0 after `--help`/`--version` (written to `writeOut`), 2 after one error line on `writeErr` naming
 * the flag (unknown, missing, or invalid value) or the unexpected argument. Never throws for any
 * `argv`. `logLevelDefault` is the `--log-level` default (the CLI passes `LOG_LEVEL` or `info`); an
 * invalid one is reported as `LOG_LEVEL` when no `--log-level` overrides it.
 */
export function parseMirrorArgs(argv: readonly string[], output: CliOutput, logLevelDefault = 'info'): MirrorCliCommand {
  let chosen: MirrorCliCommand | undefined;
  const program = buildProgram(output, logLevelDefault, (command) => (chosen = command));
  // `help <x>` for an unknown x: commander would print the whole help to stderr without saying what was wrong.
  if (argv[0] === 'help' && argv[1] !== undefined && !program.commands.some((c) => c.name() === argv[1])) {
    output.writeErr(`error: unknown command '${argv[1]}' (commands: run, acknowledge-gap, status)\n`);
    return { kind: 'exit', exitCode: EXIT_CODES.CONFIG_INVALID };
  }
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // commander already wrote its help, version or one-line error; only the exit code is ours.
    return { kind: 'exit', exitCode: err.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.CONFIG_INVALID };
  }
  const excess = program.commands.find((c) => c.args.length > 0)?.args[0];
  if (excess !== undefined) {
    output.writeErr(`error: unexpected argument '${excess}' (commands: run, acknowledge-gap, status; all other inputs are --flags; see --help)\n`);
    return { kind: 'exit', exitCode: EXIT_CODES.CONFIG_INVALID };
  }
  if (chosen?.kind === 'worker' && (chosen.options as { config?: string }).config !== undefined) {
    output.writeErr(`error: options '--config' and '--worker' cannot be used together (an mm2.properties engine or a Connect-style worker)\n`);
    return { kind: 'exit', exitCode: EXIT_CODES.CONFIG_INVALID };
  }
  if (chosen?.kind === 'run' && chosen.options.config === undefined) {
    output.writeErr(`error: required option '-c, --config <path>' not specified (or --worker <path> for a Connect-style worker)\n`);
    return { kind: 'exit', exitCode: EXIT_CODES.CONFIG_INVALID };
  }
  if ((chosen?.kind === 'run' || chosen?.kind === 'worker') && !(LOG_LEVELS as readonly string[]).includes(chosen.options.logLevel)) {
    output.writeErr(`error: LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${chosen.options.logLevel}' (or pass --log-level)\n`);
    return { kind: 'exit', exitCode: EXIT_CODES.CONFIG_INVALID };
  }
  return chosen ?? { kind: 'exit', exitCode: EXIT_CODES.CONFIG_INVALID };
}
