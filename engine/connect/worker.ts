/**
 * `kafka-mirror --worker worker.properties`: a Kafka-Connect-style worker for MM2's three connectors. Starts
 * with no flows; connectors registered over the Connect REST API (engine/connect/connect-rest.ts) are stored
 * in the config topic (engine/connect/connector-store.ts) and run as in-process engines, one per cluster
 * pair (engine/connect/connect-herder.ts). A restarted worker resumes them from the config topic.
 *
 * Logs `kafka-mirror worker started` (event `worker_started`, fields `url`, `groupId`, `connectors`) once it
 * serves requests. SIGINT/SIGTERM stop every engine (progress flushed), then the listener; exit 0.
 */
import { EXIT_CODES } from '../core/errors.ts';
import { createLogger, exitOnUncaughtError, type Logger } from '../core/logger.ts';
import { parseListeners } from '../config/listeners.ts';
import { EventJournal } from '../telemetry/event-journal.ts';
import { buildStatus, type EnginePhase } from '../telemetry/engine-status.ts';
import { startHttpListener, type HttpListener, type StatusView } from '../http/http-listener.ts';
import { ENGINE_VERSION, STALE_AFTER_MS } from '../http/observability.ts';
import { loadWorkerConfig, redactWorkerConfig } from './worker-config.ts';
import { KafkaConnectorStore } from './connector-store.ts';
import { ConnectHerder } from './connect-herder.ts';
import { registerConnectRoutes } from './connect-rest.ts';

/** Options of the worker command (engine/cli/cli-args.ts `--worker`). */
export interface WorkerOptions {
  /** Path of worker.properties. */
  worker: string;
  logFile?: string;
  logLevel: string;
  /** `--listeners`: overrides worker.properties `listeners` ("" = off). */
  listeners?: string;
}

/**
 * Runs a worker until SIGINT/SIGTERM; resolves with exit code 0. Throws ConfigError (bad worker.properties,
 * listener address) before anything connects, MirrorError when the config or status topic cannot be
 * created or read (after closing what started).
 */
export async function runWorker(opts: WorkerOptions, signals: NodeJS.EventEmitter = process): Promise<number> {
  const { config, warnings } = await loadWorkerConfig(opts.worker);
  const address = opts.listeners !== undefined ? parseListeners({ key: '--listeners', value: opts.listeners }) : config.listener;
  const journal = new EventJournal();
  const log: Logger = createLogger({ destination: opts.logFile, level: opts.logLevel, streamWrite: journal.tap });
  if (signals === process) exitOnUncaughtError(log, EXIT_CODES.INTERNAL); // not when a test runs the worker in-process
  for (const w of warnings) log.warn({ component: 'config' }, w);
  log.info({ component: 'worker', worker: redactWorkerConfig(config), configFile: opts.worker }, 'kafka-mirror worker starting');
  let stopRequested!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => (stopRequested = resolve));
  signals.on('SIGINT', () => stopRequested('SIGINT'));
  signals.on('SIGTERM', () => stopRequested('SIGTERM'));

  const startedAtMs = Date.now();
  let phase: EnginePhase = 'starting';
  let workerId = address ? `${address.host}:${address.port}` : 'kafka-mirror-worker';
  let store: KafkaConnectorStore | undefined;
  let herder: ConnectHerder | undefined;
  let http: HttpListener | undefined;
  try {
    store = await KafkaConnectorStore.open(config, log);
    const s = store;
    const h = new ConnectHerder({ store: s, logger: log, journal, workerId: () => workerId, refreshIntervalMs: config.refreshIntervalMs, flowDefaults: { 'group.id': config.groupId, 'exactly.once.source.support': config.exactlyOnceSourceSupport } });
    herder = h;
    const view: StatusView = {
      current: () => {
        // A failed connector is the Connect status endpoint's business (FAILED + trace), not the worker's liveness:
        // restarting the worker would not cure a truncation. /health, /ready, /status and /metrics cover the live pairs.
        const reports = h.pairRuntimes.flatMap((r) => (r.reporter && r.state !== 'failed' ? [r.reporter.report()] : []));
        return { status: buildStatus(reports, undefined, { version: ENGINE_VERSION, mode: 'single-process', pid: process.pid, startedAtMs, phase, staleAfterMs: STALE_AFTER_MS }), reports };
      },
    };
    if (address) {
      http = await startHttpListener({ address, view, logger: log, routes: (app) => registerConnectRoutes(app, { herder: h, logger: log, version: ENGINE_VERSION, clusterId: () => s.clusterId() }) });
      workerId = new URL(http.url).host;
    }
    await h.start();
    phase = 'running';
    log.info({ component: 'worker', event: 'worker_started', url: http?.url, groupId: config.groupId, connectors: h.names() }, `kafka-mirror worker started${http ? ` on ${http.url}` : ''}`);
    const signal = await stopped;
    log.info({ component: 'worker', signal }, `Received ${signal}; stopping connectors`);
    phase = 'stopped';
    return 0;
  } catch (err) {
    phase = 'failed';
    log.error({ component: 'worker', err }, `kafka-mirror worker could not start: ${(err as Error).message}`);
    throw err;
  } finally {
    await herder?.stop().catch((err: unknown) => log.error({ err }, 'stopping connectors failed'));
    await http?.close();
    await store?.close().catch(() => undefined);
    log.info({ component: 'worker' }, 'kafka-mirror worker stopped');
  }
}
