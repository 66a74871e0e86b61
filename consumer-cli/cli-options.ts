/**
 * Flags of `commit-log-consumer` → validated {@link CommitLogConsumerOptions}. Parsing is done by
 * commander; every value is checked here once, so a bad flag fails before anything connects, with one
 * message naming the flag, the value and what was expected (the producer CLI's conventions).
 */
import { Command } from 'commander';
import { ConfigError } from '../engine/core/errors.ts';
import { parseFlags, integerFlag, type CliOutput } from '../testkit/cli-flags.ts';

export { formatFlagError } from '../testkit/cli-flags.ts';
import type { CommitLogConsumerOptions } from './commit-log-consumer.ts';

/** What the CLI should do: run with these options, or exit with `exitCode` (help shown, or bad flags reported). */
export type ParsedCli = { kind: 'run'; options: CommitLogConsumerOptions; quiet: boolean; printRecords: boolean } | { kind: 'exit'; exitCode: number };

/** Defaults of the optional flags. */
export const COMMIT_LOG_CONSUMER_DEFAULTS = Object.freeze({ bootstrapServers: '127.0.0.1:9092' });

interface RawFlags {
  broker: string;
  topic: string;
  group: string;
  failover?: boolean;
  sourceAlias?: string;
  count?: string;
  untilEnd?: boolean;
  idleTimeoutMs?: string;
  printRecords?: boolean;
  quiet?: boolean;
}

const HELP_AFTER = `
Without --count, --until-end or --idle-timeout-ms it reads until Ctrl-C. Offsets are committed once, at
the end, for exactly the records delivered.

--failover: the group consumed --topic on cluster --source-alias and moves to --broker, where the topic
is mirrored as <source-alias>.<topic> (MM2 naming). Each partition starts at the group's checkpoint
(<source-alias>.checkpoints.internal, as MM2's RemoteClusterUtils.translateOffsets reads it), or where
the group already committed on --broker if that is further.

Output: "record partition=P offset=O seq=N" per record with --print-records, then
"summary: records=… first_seq=… last_seq=… duplicates=… out_of_order=… malformed=… committed=P:O,… committed_at=<ms> …".

Exit codes: 0 done; 1 a Kafka error or malformed records; 2 invalid flags (nothing consumed);
3 --failover found no checkpoint for the group; 130 interrupted by Ctrl-C (what was delivered is committed).

Examples:
  commit-log-consumer --broker 127.0.0.1:9092 --topic commit-log --group billing --count 600
  commit-log-consumer --broker 127.0.0.1:9093 --topic commit-log --group billing --failover --source-alias primary --until-end`;

function buildCommand(output: CliOutput): Command {
  return new Command('commit-log-consumer')
    .description('Consume commit-log events as a consumer group, and fail a group over to a mirrored cluster at its translated offsets.')
    .option('--broker <host:port>', 'bootstrap servers, comma-separated', COMMIT_LOG_CONSUMER_DEFAULTS.bootstrapServers)
    .requiredOption('--topic <name>', 'topic as produced (with --failover: its name on the source cluster)')
    .requiredOption('--group <id>', 'consumer group id')
    .option('--failover', 'resume on a mirrored cluster from the group\'s checkpoints')
    .option('--source-alias <alias>', 'with --failover: alias of the cluster the group consumed from, e.g. primary')
    .option('--count <n>', 'stop after n records')
    .option('--until-end', 'stop once every partition reached the end it had at the start')
    .option('--idle-timeout-ms <ms>', 'stop after this long without a record')
    .option('--print-records', 'print one line per record')
    .option('--quiet', 'print only the summary')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(true)
    .addHelpText('after', HELP_AFTER)
    .exitOverride()
    .configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr });
}

function toOptions(flags: RawFlags): CommitLogConsumerOptions {
  if (flags.broker.trim() === '') throw new ConfigError('--broker', flags.broker, 'host:port[,host:port…]');
  if (flags.topic.trim() === '') throw new ConfigError('--topic', flags.topic, 'a non-empty topic name');
  if (flags.group.trim() === '') throw new ConfigError('--group', flags.group, 'a non-empty group id');
  if (flags.failover && (flags.sourceAlias === undefined || flags.sourceAlias.trim() === '')) {
    throw new ConfigError('--source-alias', flags.sourceAlias ?? '', 'the alias of the cluster the group consumed from (required with --failover), e.g. primary');
  }
  if (!flags.failover && flags.sourceAlias !== undefined) throw new ConfigError('--source-alias', flags.sourceAlias, 'to be used with --failover');
  const options: CommitLogConsumerOptions = { bootstrapServers: flags.broker.trim(), topic: flags.topic, groupId: flags.group };
  if (flags.failover) options.failover = { sourceAlias: flags.sourceAlias!.trim() };
  if (flags.count !== undefined) options.count = integerFlag('--count', flags.count, 1, 'a positive integer');
  if (flags.idleTimeoutMs !== undefined) options.idleTimeoutMs = integerFlag('--idle-timeout-ms', flags.idleTimeoutMs, 1, 'a positive integer number of milliseconds');
  if (flags.untilEnd) options.untilEnd = true;
  return options;
}

/** Parses `argv` (without node and script). Help → exit 0; an unknown, missing or invalid flag → one error line and exit 2. */
export function parseCli(argv: readonly string[], output: CliOutput): ParsedCli {
  return parseFlags(buildCommand(output), argv, output, (flags: RawFlags) => ({ options: toOptions(flags), quiet: flags.quiet === true, printRecords: flags.printRecords === true }));
}
