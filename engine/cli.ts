/**
 * `kafka-mirror` — runs the replication flows of an mm2.properties file.
 *
 *   kafka-mirror [run] --config mm2.properties [--log-file PATH] [--log-level info]
 *   kafka-mirror acknowledge-gap --config mm2.properties --topic commit-log --partition 0 [--flow primary->standby]
 *
 * Exit codes (engine/errors.ts EXIT_CODES): 0 clean stop (SIGINT/SIGTERM), 1 internal error,
 * 2 invalid config or flags, 3 log truncation under truncation.policy=fail, 4 authentication or
 * authorization failure, 5 log divergence. `acknowledge-gap`: 0 acknowledged, 2 bad input or nothing to
 * acknowledge, 1/4 Kafka or auth failure.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadMirrorConfig, redactConfig } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { MirrorEngine } from './mirror-engine.ts';
import { acknowledgeGap, describeAcknowledgement, selectFlow } from './gap-acknowledgement.ts';
import { ConfigError, ERROR_CODES, EXIT_CODES, MirrorError } from './errors.ts';

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
    default:
      return EXIT_CODES.INTERNAL;
  }
}

function logLevelOption(value: string): string {
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'critical', 'fatal', 'silent'];
  if (!levels.includes(value)) throw new InvalidArgumentError(`expected one of ${levels.join(', ')}`);
  return value;
}

async function run(opts: { config: string; logFile?: string; logLevel: string }): Promise<number> {
  const { config, warnings } = await loadMirrorConfig(opts.config);
  const log: Logger = createLogger({ destination: opts.logFile, level: opts.logLevel });
  for (const w of warnings) log.warn({ component: 'config' }, w);
  log.info({ component: 'engine', config: redactConfig(config), configFile: opts.config }, 'kafka-mirror starting');
  const engine = new MirrorEngine({ config, logger: log });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ component: 'engine', signal }, `Received ${signal}; flushing and stopping`);
    void engine.stop();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    await engine.start();
  } catch (err) {
    log.error({ component: 'engine', err }, `kafka-mirror could not start: ${(err as Error).message}`);
    return exitCodeFor(err);
  }
  const outcome = await engine.done();
  if (outcome.status === 'failed') {
    if (!stopping) {
      stopping = true;
      await engine.stop();
    }
    const code = exitCodeFor(outcome.error);
    log.error({ component: 'engine', flow: outcome.flow, code: outcome.error.code, exitCode: code }, `kafka-mirror stopped: flow ${outcome.flow} failed (${outcome.error.code})`);
    return code;
  }
  await engine.stop();
  log.info({ component: 'engine' }, 'kafka-mirror stopped');
  return EXIT_CODES.OK;
}

/** `--partition`: a non-negative integer. */
function partitionOption(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

/** `kafka-mirror acknowledge-gap`: accepts a detected truncation gap so the partition can resume (engine/gap-acknowledgement.ts). */
async function acknowledgeGapCommand(opts: { config: string; topic: string; partition: number; flow?: string }): Promise<number> {
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
 * Parses argv and runs; resolves to the process exit code. Commands: `run` (the default, so
 * `kafka-mirror --config x` keeps working) and `acknowledge-gap`. Bad flags exit 2 naming the flag.
 */
export async function main(argv: string[]): Promise<number> {
  let action: (() => Promise<number>) | undefined;
  const program = new Command('kafka-mirror')
    .description('Mirror Kafka topics between clusters (MirrorMaker 2 compatible), detecting log truncation and topic resets')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program
    .command('run', { isDefault: true })
    .description('run the replication flows of an mm2.properties file (default command)')
    .requiredOption('-c, --config <path>', 'mm2.properties file')
    .option('--log-file <path>', 'write JSON logs to this file instead of stdout')
    .option('--log-level <level>', 'trace|debug|info|warn|error|critical|fatal|silent', logLevelOption, process.env.LOG_LEVEL ?? 'info')
    .action((opts: { config: string; logFile?: string; logLevel: string }) => {
      action = () => run(opts);
    });
  program
    .command('acknowledge-gap')
    .description('accept a detected log truncation gap of one partition so mirroring resumes at the log start offset (run while the engine is stopped)')
    .requiredOption('-c, --config <path>', 'mm2.properties file')
    .requiredOption('--topic <name>', 'source topic (upstream name, e.g. commit-log)')
    .requiredOption('--partition <n>', 'source partition', partitionOption)
    .option('--flow <source->target>', 'replication flow (required when more than one flow is enabled)')
    .action((opts: { config: string; topic: string; partition: number; flow?: string }) => {
      action = () => acknowledgeGapCommand(opts);
    });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_CODES.CONFIG_INVALID;
    throw err;
  }
  if (!action) return EXIT_CODES.CONFIG_INVALID;
  try {
    return await action();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`kafka-mirror: ${err.message}\n`);
      return EXIT_CODES.CONFIG_INVALID;
    }
    process.stderr.write(`kafka-mirror: ${(err as Error).message}\n`);
    return exitCodeFor(err);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`kafka-mirror: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(EXIT_CODES.INTERNAL);
  },
);
