/**
 * `commit-log-consumer` entry point: flags → options (cli-options.ts), the run, one line per record
 * (`--print-records`), the summary and the exit code. The only file of the consumer that writes to
 * the terminal. Exit codes: 0 done; 1 Kafka error or malformed records; 2 invalid flags; 3 --failover
 * without a checkpoint for the group; 130 interrupted by SIGINT (what was delivered is committed).
 */
import { ConfigError, EXIT_CODES } from '../engine/core/errors.ts';
import { formatFlagError, parseCli } from './cli-options.ts';
import { NoCheckpointError, consumeCommitLog, type CommitLogConsumerSummary, type StartPosition } from './commit-log-consumer.ts';

/** Exit code of a run interrupted by SIGINT (128 + signal 2). */
const EXIT_INTERRUPTED = 130;
/** --failover found no checkpoint for the group. */
const EXIT_NO_CHECKPOINT = 3;

const out = (text: string): void => void process.stdout.write(text);
const err = (text: string): void => void process.stderr.write(text);

function describeStart(p: StartPosition): string {
  const where = p.offset >= 0 ? `offset ${p.offset}` : 'the earliest offset';
  if (p.source === 'checkpoint' && p.checkpoint) {
    return `partition ${p.partition} at ${where} (checkpoint of upstream offset ${p.checkpoint.upstreamOffset}, written ${new Date(p.checkpoint.checkpointedAtMs).toISOString()})`;
  }
  if (p.source === 'committed-here') return `partition ${p.partition} at ${where} (${p.checkpoint ? "the group's own commit here is further than its checkpoint" : "the group's committed offset"})`;
  return `partition ${p.partition} at ${where} (no commit, no checkpoint)`;
}

/** `summary: records=… first_seq=… …` (one line). */
function formatSummary(s: CommitLogConsumerSummary): string {
  const fields = [
    `records=${s.records}`,
    `partitions=${s.partitions.length}`,
    `first_seq=${s.firstSeq ?? '-'}`,
    `last_seq=${s.lastSeq ?? '-'}`,
    `duplicates=${s.duplicates}`,
    `out_of_order=${s.outOfOrder}`,
    `malformed=${s.malformed}`,
    `committed=${s.partitions.map((p) => `${p.partition}:${p.committed}`).join(',') || '-'}`,
    `committed_at=${s.committedAtMs ?? '-'}`,
    `elapsed_s=${(s.durationMs / 1000).toFixed(2)}`,
    `stopped_by=${s.stoppedBy}`,
    `topic=${s.topic}`,
  ];
  return `summary: ${fields.join(' ')}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCli(argv, { writeOut: out, writeErr: err });
  if (parsed.kind === 'exit') return parsed.exitCode;
  const { options, quiet, printRecords } = parsed;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    err('interrupted: committing what was delivered (Ctrl-C again to exit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const summary = await consumeCommitLog(
      { ...options, signal: controller.signal },
      {
        onReady: (info) => {
          if (quiet) return;
          const mode = options.failover ? ` (failover from ${options.failover.sourceAlias})` : '';
          out(`consuming ${info.topic} on ${options.bootstrapServers} as group ${options.groupId}${mode}: ${info.partitions.map(describeStart).join('; ')}\n`);
        },
        onRecord: printRecords ? (r) => out(`record partition=${r.partition} offset=${r.offset} seq=${r.seq ?? '-'}\n`) : undefined,
        logger: { info: () => undefined, warn: (_obj, msg) => err(`warning: ${msg}\n`) },
      },
    );
    out(formatSummary(summary));
    if (controller.signal.aborted) return EXIT_INTERRUPTED;
    return summary.malformed > 0 ? EXIT_CODES.INTERNAL : EXIT_CODES.OK;
  } catch (e) {
    if (e instanceof ConfigError) {
      err(formatFlagError(e));
      return EXIT_CODES.CONFIG_INVALID;
    }
    err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof NoCheckpointError ? EXIT_NO_CHECKPOINT : EXIT_CODES.INTERNAL;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(EXIT_CODES.INTERNAL);
  },
);
