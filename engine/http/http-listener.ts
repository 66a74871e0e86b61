/**
 * The engine's HTTP surface (fastify), one per engine process tree (`listeners`, engine/config/listeners.ts):
 *
 * - `GET /metrics` — Prometheus text (engine/telemetry/prometheus-export.ts).
 * - `GET /status`  — the status document (engine/telemetry/engine-status.ts), JSON.
 * - `GET /health`  — 200 `{"status":"UP"}` while the process serves and is neither stopping nor failed and
 *   no task process went silent; else 503 `{"status":"DOWN","reason":…}` (liveness probe).
 * - `GET /ready`   — 200 once every assigned partition is past its start checks and none failed; else 503
 *   with the reasons (readiness probe).
 * - `GET /`        — the live dashboard (engine/http/dashboard/, uPlot from node_modules; no CDN); also at
 *   `/dashboard`, which is where it lives in worker mode (`GET /` is Connect's server info there).
 * - whatever `routes` registers: the Connect REST API of worker mode (engine/connect/connect-rest.ts).
 *
 * Logs `HTTP listening on http://HOST:PORT` (event `http_listening`, field `url`) with the bound port.
 * A port in use or not permitted is a ConfigError naming the key (exit code 2 from the CLI).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from '../core/logger.ts';
import { ConfigError } from '../core/errors.ts';
import type { ListenerAddress } from '../config/listeners.ts';
import { healthOf, type EngineReport, type EngineStatus } from '../telemetry/engine-status.ts';
import { PrometheusExport } from '../telemetry/prometheus-export.ts';

/** What the listener serves: a consistent status and the reports it was built from, at call time. */
export interface StatusView {
  current(): { status: EngineStatus; reports: readonly EngineReport[] };
}

/** A started listener: the URL it is bound to (real port), and close(). */
export interface HttpListener {
  readonly url: string;
  close(): Promise<void>;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Static files of the dashboard: URL path → [file, content type]. */
const ASSETS: Record<string, [string, string]> = {
  '/': [join(HERE, 'dashboard', 'index.html'), 'text/html; charset=utf-8'],
  '/dashboard.js': [join(HERE, 'dashboard', 'dashboard.js'), 'text/javascript; charset=utf-8'],
  '/dashboard.css': [join(HERE, 'dashboard', 'dashboard.css'), 'text/css; charset=utf-8'],
  '/vendor/uPlot.iife.min.js': [join(dirname(require.resolve('uplot')), 'uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  '/vendor/uPlot.min.css': [join(dirname(require.resolve('uplot')), 'uPlot.min.css'), 'text/css; charset=utf-8'],
};

/**
 * Starts the listener on `address` and logs `http_listening`. `processMetrics` (default true) adds
 * prom-client's process metrics. Throws ConfigError (key `listeners`, or `configKey`) when the address
 * cannot be bound (in use, not permitted, unknown host).
 */
export async function startHttpListener(options: { address: ListenerAddress; view: StatusView; logger: Logger; configKey?: string; processMetrics?: boolean; routes?: (app: FastifyInstance) => void }): Promise<HttpListener> {
  const log = options.logger.child({ component: 'http' });
  const assets = new Map<string, [Buffer, string]>();
  for (const [path, [file, type]] of Object.entries(ASSETS)) assets.set(path, [await readFile(file), type]);
  const prometheus = new PrometheusExport({ processMetrics: options.processMetrics });
  const app: FastifyInstance = Fastify({ logger: false });

  app.get('/metrics', async (_req, reply) => {
    const { status, reports } = options.view.current();
    const text = await prometheus.render(status, reports);
    return reply.type(prometheus.contentType).send(text);
  });
  app.get('/status', async (_req, reply) => reply.type('application/json; charset=utf-8').send(JSON.stringify(options.view.current().status)));
  app.get('/health', async (_req, reply) => {
    const { healthy, reason } = healthOf(options.view.current().status);
    return reply.code(healthy ? 200 : 503).send(healthy ? { status: 'UP' } : { status: 'DOWN', reason });
  });
  app.get('/ready', async (_req, reply) => {
    const { engine } = options.view.current().status;
    return reply.code(engine.ready ? 200 : 503).send(engine.ready ? { status: 'READY' } : { status: 'NOT_READY', reasons: engine.notReady });
  });
  for (const [path, [body, type]] of assets) {
    const serve = async (_req: unknown, reply: FastifyReply) => reply.type(type).header('cache-control', 'no-cache').send(body);
    if (path !== '/' || options.routes === undefined) app.get(path, serve);
    if (path === '/') app.get('/dashboard', serve);
  }
  options.routes?.(app);

  const { host, port } = options.address;
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'EADDRINUSE' ? `${host}:${port} is already in use` : code === 'EACCES' ? `binding ${host}:${port} is not permitted` : `${host}:${port} cannot be bound (${(err as Error).message})`;
    throw new ConfigError(options.configKey ?? 'listeners', options.address.url, `an address this process can listen on: ${why} (${code}); choose another port, 0 for any free one, or an empty value to disable the HTTP listener`);
  }
  const bound = app.server.address();
  const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${boundPort}`;
  log.info({ event: 'http_listening', url }, `HTTP listening on ${url}`);
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => (closing ??= app.close()),
  };
}
