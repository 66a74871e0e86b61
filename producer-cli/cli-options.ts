/**
 * Flags of `commit-log-producer` → validated {@link CommitLogProducerOptions}. Parsing is done by
 * commander; every value is checked here once, so a bad flag fails before anything connects,
 * with one message naming the flag, the value and what was expected.
 */
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { ConfigError } from '../engine/core/errors.ts';
import { parseFlags, integerFlag, type CliOutput } from '../testkit/cli-flags.ts';

export { formatFlagError } from '../testkit/cli-flags.ts';
import { DEFAULT_KEY_PREFIX } from './commit-log-event.ts';
import { COMMIT_LOG_PRODUCER_DEFAULTS, lastSeqExpectation, minimumSizeBytes, sizeExpectation, type CommitLogProducerOptions } from './commit-log-producer.ts';
import { MAX_PARTITIONS, maximumSizeBytes } from './record-limits.ts';

/** What the CLI should do: run with these options, or exit with `exitCode` (help shown, or bad flags reported). */
export type ParsedCli = { kind: 'run'; options: CommitLogProducerOptions; quiet: boolean } | { kind: 'exit'; exitCode: number };

interface RawFlags {
  broker: string;
  topic: string;
  count: string;
  rate?: string;
  size?: string;
  partitions: string;
  keyPrefix: string;
  runId?: string;
  startSeq: string;
  quiet?: boolean;
}

const HELP_AFTER = `
Record seq N (N = start-seq … start-seq + count - 1):
  key        <key-prefix>N
  partition  N % (partition count of the topic)
  value      {"seq":N,"producedAt":<epoch ms>,"runId":"…","payload":"xxx…"} (exactly --size bytes if given)
  timestamp  producedAt
  headers    seq=N, run-id=<run-id>, producer=commit-log-producer (in this order)

Limits (checked before anything connects):
  --size        at most 1000000 bytes (librdkafka's message.max.bytes, which this producer keeps) minus
                the key, the headers and 36 bytes of record framing: about 999870 with the default key
                prefix and run id. A topic whose max.message.bytes is lower refuses the records (exit 1).
  --partitions  at most 10000, what the KRaft controller creates in one CreateTopics request.

Exit codes: 0 every record confirmed; 1 a record failed or a Kafka error; 2 invalid flags (nothing produced);
130 interrupted by Ctrl-C (records already sent are awaited and counted in the summary).

Example:
  commit-log-producer --broker 127.0.0.1:9092 --topic commit-log --count 500 --rate 100 --partitions 3`;

function buildCommand(output: CliOutput): Command {
  return new Command('commit-log-producer')
    .description('Produce numbered commit-log events (idempotent, acks=all) to a Kafka topic and report what the brokers confirmed.')
    .option('--broker <host:port>', 'bootstrap servers, comma-separated', COMMIT_LOG_PRODUCER_DEFAULTS.bootstrapServers)
    .requiredOption('--topic <name>', 'topic to produce to; created with --partitions if missing')
    .requiredOption('--count <n>', 'number of records to produce')
    .option('--rate <n>', 'target records per second (default: as fast as possible)')
    .option('--size <bytes>', 'exact value size in bytes, padded with the payload, at most ~999870 (default: no padding, ~100 bytes)')
    .option('--partitions <n>', `partitions when the topic is created, 1 to ${MAX_PARTITIONS} (an existing topic keeps its own)`, String(COMMIT_LOG_PRODUCER_DEFAULTS.partitions))
    .option('--key-prefix <s>', 'record key prefix', DEFAULT_KEY_PREFIX)
    .option('--run-id <id>', 'run id written into every event (default: a random UUID)')
    .option('--start-seq <n>', 'first sequence number', String(COMMIT_LOG_PRODUCER_DEFAULTS.startSeq))
    .option('--quiet', 'print only the summary')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(true) // reported below, naming the argument
    .addHelpText('after', HELP_AFTER)
    .exitOverride()
    .configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr });
}

function toOptions(flags: RawFlags): CommitLogProducerOptions {
  const count = integerFlag('--count', flags.count, 1, 'a positive integer');
  const startSeq = integerFlag('--start-seq', flags.startSeq, 0, 'a non-negative integer');
  const partitions = integerFlag('--partitions', flags.partitions, 1, `an integer from 1 to ${MAX_PARTITIONS} (the most one CreateTopics request may create)`);
  if (partitions > MAX_PARTITIONS) throw new ConfigError('--partitions', flags.partitions, `an integer from 1 to ${MAX_PARTITIONS} (the most one CreateTopics request may create)`);
  if (count > Number.MAX_SAFE_INTEGER - startSeq + 1) throw new ConfigError('--count', flags.count, lastSeqExpectation(startSeq));
  if (flags.topic.trim() === '') throw new ConfigError('--topic', flags.topic, 'a non-empty topic name');
  if (flags.broker.trim() === '') throw new ConfigError('--broker', flags.broker, 'host:port[,host:port…]');
  if (flags.runId !== undefined && flags.runId === '') throw new ConfigError('--run-id', flags.runId, 'a non-empty string');
  let ratePerSec: number | undefined;
  if (flags.rate !== undefined) {
    ratePerSec = /^\+?(\d+\.?\d*|\.\d+)$/.test(flags.rate.trim()) ? Number(flags.rate.trim()) : Number.NaN;
    if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new ConfigError('--rate', flags.rate, 'a positive number of records per second');
  }
  const runId = flags.runId ?? randomUUID();
  let sizeBytes: number | undefined;
  if (flags.size !== undefined) {
    // Checked before anything connects: a size the client refuses would otherwise fail only after the topic was created.
    const maxSeq = startSeq + count - 1;
    const [minimum, maximum] = [minimumSizeBytes(maxSeq, runId), maximumSizeBytes(maxSeq, runId, flags.keyPrefix)];
    sizeBytes = integerFlag('--size', flags.size, minimum, sizeExpectation(minimum, maximum));
    if (sizeBytes > maximum) throw new ConfigError('--size', flags.size, sizeExpectation(minimum, maximum));
  }
  return { bootstrapServers: flags.broker.trim(), topic: flags.topic, count, ratePerSec, sizeBytes, partitions, keyPrefix: flags.keyPrefix, runId, startSeq };
}

/**
 * Parses `argv` (without node and script). Help → `{ kind: 'exit', exitCode: 0 }`; an unknown,
 * missing or invalid flag → one error line on `writeErr` and `{ kind: 'exit', exitCode: 2 }`.
 */
export function parseCli(argv: readonly string[], output: CliOutput): ParsedCli {
  return parseFlags(buildCommand(output), argv, output, (flags: RawFlags) => ({ options: toOptions(flags), quiet: flags.quiet === true }));
}
