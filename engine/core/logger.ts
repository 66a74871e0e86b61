/**
 * The engine's structured logger: pino, JSON lines, level as a label (`"level":"critical"`),
 * ISO timestamps, and one extra level `critical` (55, between error and fatal) for data-loss events
 * such as log truncation, so operators can `grep -i critical`. Secrets are redacted by path.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

/** The engine's logger type: pino with the `critical` level. Components take a child of it. */
export type Logger = PinoLogger<'critical'>;

/** pino paths whose values never reach a log line (SASL/SSL secrets anywhere in a logged config). */
export const REDACT_PATHS = [
  '*.password',
  '*["sasl.password"]',
  '*["sasl.jaas.config"]',
  '*["ssl.key.password"]',
  '*["ssl.keystore.password"]',
  '*["ssl.truststore.password"]',
  '*["sasl.oauthbearer.client.secret"]',
  '*.*["sasl.password"]',
  '*.*["sasl.jaas.config"]',
];

/**
 * Creates the root logger. `destination` is a file path (appended, created with its folder) or a
 * pino destination stream; default stdout. `level` defaults to `LOG_LEVEL` or `info`. `streamWrite` sees
 * (and may pass through unchanged) every serialized line, after redaction: the event journal's tap
 * (engine/telemetry/event-journal.ts).
 */
export function createLogger(options: { destination?: string | DestinationStream; level?: string; name?: string; streamWrite?: (line: string) => string } = {}): Logger {
  const dest =
    typeof options.destination === 'string'
      ? pino.destination({ dest: options.destination, mkdir: true, append: true, sync: true })
      : (options.destination ?? pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      name: options.name ?? 'kafka-mirror',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      customLevels: { critical: 55 },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      ...(options.streamWrite ? { hooks: { streamWrite: options.streamWrite } } : {}),
    },
    dest,
  );
}

/** A logger that drops everything (default for library use without a logger). */
export function silentLogger(): Logger {
  return pino({ level: 'silent', customLevels: { critical: 55 } });
}

/**
 * Makes an exception nothing caught (a bug, or a library throwing from a socket callback; with Node's
 * default `--unhandled-rejections=throw` an unhandled rejection too) end the process the way Node would —
 * its stack on stderr, exit code `exitCode` — after one `fatal` line `internal_error` with the error on
 * `log` (synchronous destination: the line is written before the exit). Operators grepping the JSON log
 * then see why the engine ended instead of a process that is simply gone. Installed once per process by
 * the CLI's `run` and `--worker` commands; never by the library (an embedding application owns its process).
 */
export function exitOnUncaughtError(log: Logger, exitCode: number): void {
  process.once('uncaughtException', (err: Error, origin: string) => {
    log.fatal({ component: 'engine', event: 'internal_error', origin, err }, `kafka-mirror crashed (${origin}): ${err?.message ?? String(err)}`);
    process.stderr.write(`kafka-mirror: internal error (${origin}): ${err?.stack ?? String(err)}\n`);
    process.exit(exitCode);
  });
}
