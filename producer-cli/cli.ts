/**
 * `commit-log-producer` entry point: flags → options (cli-options.ts), a progress display, the
 * summary and the exit code. The only file of the producer that writes to the terminal.
 * Exit codes: 0 every record confirmed; 1 a record failed/unconfirmed or a Kafka error;
 * 2 invalid flags (nothing produced); 130 interrupted by SIGINT (what was sent is still awaited).
 */
import cliProgress from 'cli-progress';
import { ConfigError, EXIT_CODES } from '../engine/core/errors.ts';
import { formatFlagError, parseCli } from './cli-options.ts';
import { produceCommitLog, type CommitLogProducerHooks, type CommitLogProgress, type CommitLogSummary } from './commit-log-producer.ts';

/** Exit code of a run interrupted by SIGINT (128 + signal 2, shell convention). */
const EXIT_INTERRUPTED = 130;
/** Plain (non-TTY) progress lines are printed at most this often. */
const PLAIN_PROGRESS_INTERVAL_MS = 1_000;

const out = (text: string): void => void process.stdout.write(text);
const err = (text: string): void => void process.stderr.write(text);

function ratePerSec(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((count * 1000) / elapsedMs) : 0;
}

/** The progress display: a cli-progress bar on a TTY, otherwise at most one plain line per second. */
function progressDisplay(total: number): { update: (p: CommitLogProgress) => void; stop: () => void } {
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stdout, format: 'producing [{bar}] {percentage}% | {value}/{total} | {rate} rec/s | failed {failed}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: 0, failed: 0 });
    return {
      update: (p) => bar.update(p.delivered + p.failed, { rate: ratePerSec(p.delivered, p.elapsedMs), failed: p.failed }),
      stop: () => bar.stop(),
    };
  }
  let lastPrintMs = 0;
  return {
    update: (p) => {
      const now = performance.now();
      const done = p.delivered + p.failed;
      if (now - lastPrintMs < PLAIN_PROGRESS_INTERVAL_MS || done >= p.requested) return;
      lastPrintMs = now;
      out(`produced ${p.delivered}/${p.requested} (${Math.floor((100 * p.delivered) / p.requested)}%) ${ratePerSec(p.delivered, p.elapsedMs)} rec/s${p.failed ? ` failed ${p.failed}` : ''}\n`);
    },
    stop: () => undefined,
  };
}

/** `summary: records=… failed=… mb=… elapsed_s=… records_per_sec=… mb_per_sec=… topic=… run_id=…` plus failure lines. */
function formatSummary(s: CommitLogSummary): string {
  const fields = [
    `records=${s.records}`,
    `failed=${s.failed}`,
    `mb=${(s.bytes / 1e6).toFixed(2)}`,
    `elapsed_s=${(s.durationMs / 1000).toFixed(2)}`,
    // One decimal below 100/s so slow paced runs do not read as 0.
    `records_per_sec=${s.recordsPerSec < 100 ? s.recordsPerSec.toFixed(1) : Math.round(s.recordsPerSec)}`,
    `mb_per_sec=${s.mbPerSec.toFixed(2)}`,
    `topic=${s.topic}`,
    `run_id=${s.runId}`,
  ];
  if (s.records + s.failed < s.requested) fields.push(`requested=${s.requested}`);
  if (s.unconfirmed > 0) fields.push(`unconfirmed=${s.unconfirmed}`);
  if (s.interrupted) fields.push('interrupted=true');
  const lines = [`summary: ${fields.join(' ')}`];
  for (const [reason, count] of Object.entries(s.failureReasons)) lines.push(`failure: count=${count} reason=${JSON.stringify(reason)}`);
  if (s.fatalError !== undefined) lines.push(`fatal: ${s.fatalError}`);
  return `${lines.join('\n')}\n`;
}

function exitCodeOf(s: CommitLogSummary): number {
  if (s.interrupted) return EXIT_INTERRUPTED;
  const allConfirmed = s.records === s.requested && s.failed === 0 && s.unconfirmed === 0 && s.fatalError === undefined;
  return allConfirmed ? EXIT_CODES.OK : EXIT_CODES.INTERNAL;
}

/** Runs the CLI on `argv` (without node and script) and resolves with the process exit code. */
async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCli(argv, { writeOut: out, writeErr: err });
  if (parsed.kind === 'exit') return parsed.exitCode;
  const { options, quiet } = parsed;

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts += 1;
    if (interrupts > 1) {
      err('interrupted again: exiting without waiting for delivery reports\n');
      process.exit(EXIT_INTERRUPTED);
    }
    err('interrupted: no new records; waiting for delivery reports of those sent (Ctrl-C again to exit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  let display: ReturnType<typeof progressDisplay> | undefined;
  const hooks: CommitLogProducerHooks = quiet
    ? {}
    : {
        onReady: (info) => {
          const created = info.topicCreated ? 'created' : 'existing';
          const note = !info.topicCreated && info.partitionCount !== options.partitions ? ` (--partitions ${options.partitions} ignored)` : '';
          out(`producing ${options.count} records to ${info.topic} on ${options.bootstrapServers}: ${created} topic, ${info.partitionCount} partition${info.partitionCount === 1 ? "" : "s"}${note}, run_id=${info.runId}\n`);
          display = progressDisplay(options.count);
        },
        onProgress: (p) => display?.update(p),
        logger: { info: () => undefined, warn: (_obj, msg) => err(`warning: ${msg}\n`) },
      };
  try {
    const summary = await produceCommitLog({ ...options, signal: controller.signal }, hooks);
    display?.stop();
    if (!quiet) {
      for (const p of summary.partitions) out(`partition ${p.partition}: records=${p.records} offsets=${p.firstOffset}..${p.lastOffset}\n`);
    }
    out(formatSummary(summary));
    return exitCodeOf(summary);
  } catch (e) {
    display?.stop();
    if (e instanceof ConfigError) {
      err(formatFlagError(e));
      return EXIT_CODES.CONFIG_INVALID;
    }
    err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_CODES.INTERNAL;
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
