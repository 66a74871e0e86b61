/**
 * The Connect-style worker (`kafka-mirror --worker worker.properties`) as a child process, its REST API as a
 * small client that keeps a curl-style transcript, and the example connector JSONs of
 * `scenarios/connect/*.json` with their `${VARS}` filled in. Used by test/connect-worker.int.test.ts and
 * scenario test6. The listener binds a free port (`--listeners http://127.0.0.1:0`); the URL comes from the
 * `worker_started` log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLogLines, type EngineLogLine } from './engine-log.ts';
import { waitFor } from './wait-for.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'kafka-mirror.js');

/** The example connector JSON `scenarios/connect/mm2-<kind>-connector.json` with `${NAME}` replaced from `vars`. */
export function connectorJson(kind: 'source' | 'checkpoint' | 'heartbeat', vars: Record<string, string>): { name: string; config: Record<string, string> } {
  const text = readFileSync(join(ROOT, 'scenarios', 'connect', `mm2-${kind}-connector.json`), 'utf8');
  return JSON.parse(text.replace(/\$\{(\w+)\}/g, (ref, name: string) => vars[name] ?? ref)) as { name: string; config: Record<string, string> };
}

/** worker.properties text for the state cluster `bootstrap` with unique topic names per `id`. */
export function workerProperties(bootstrap: string, id: string, extra: Record<string, string> = {}): string {
  const props: Record<string, string> = {
    'bootstrap.servers': bootstrap,
    'group.id': `mirror-workers-${id}`,
    'config.storage.topic': `mirror-configs-${id}`,
    'status.storage.topic': `mirror-status-${id}`,
    'offset.storage.topic': `mirror-offsets-${id}`,
    'config.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'config.storage.refresh.interval.ms': '1000',
    ...extra,
  };
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n');
}

/** One HTTP exchange as a curl command and its answer. */
export interface Exchange {
  method: string;
  path: string;
  body?: unknown;
  status: number;
  response: unknown;
}

/** Calls the Connect REST API of `url`; every call is kept in {@link transcript}. */
export class ConnectClient {
  readonly transcript: Exchange[] = [];

  constructor(readonly url: string) {}

  /** Sends one request (JSON body when given); resolves with the status and the parsed body (text when not JSON, null when empty). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies of many shapes, asserted field by field by the callers
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = text === '' ? null : text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    this.transcript.push({ method, path, ...(body === undefined ? {} : { body }), status: res.status, response: parsed });
    return { status: res.status, body: parsed };
  }

  /** Waits until `GET /connectors/{name}/status` shows `state` for the connector (and its tasks); returns that status. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Connect's ConnectorStateInfo, asserted by the callers
  async waitForState(name: string, state: string, timeoutMs = 60_000): Promise<any> {
    return waitFor(async () => {
      const res = await fetch(`${this.url}/connectors/${encodeURIComponent(name)}/status`);
      const s = (await res.json()) as { connector?: { state: string }; tasks?: { state: string }[] };
      return s.connector?.state === state && (s.tasks ?? []).every((t) => t.state === state) ? s : undefined;
    }, { timeoutMs, intervalMs: 200, message: `connector ${name} ${state}` });
  }

  /** The transcript as shell lines: `$ curl …` then the status and body, JSON pretty-printed, secrets as the worker answered. */
  curlTranscript(): string {
    return this.transcript.map((x) => {
      const data = x.body === undefined ? '' : ` -H 'Content-Type: application/json' -d '${JSON.stringify(x.body)}'`;
      const method = x.method === 'GET' ? '' : ` -X ${x.method}`;
      const answer = x.response === null ? '' : `\n${JSON.stringify(x.response, null, 2)}`;
      return `$ curl -s${method} ${this.url}${x.path}${data}\n# HTTP ${x.status}${answer}`;
    }).join('\n\n');
  }
}

/** A worker child process in its own temporary folder (worker.properties, worker.log). */
export class WorkerProcess {
  readonly dir: string;
  readonly propertiesPath: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private exit: Promise<number> | undefined;
  private stderr = '';

  /**
   * `dir`: where worker.properties goes (default: a new temporary folder); `logFile`: the JSON log, its pid in
   * `<logFile>.pid` while running (default `<dir>/worker.log`; scenarios put it in logs/ where `npm run cleanup` looks).
   */
  constructor(properties: string, options: { dir?: string; logFile?: string } = {}) {
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), 'kme-worker-'));
    this.propertiesPath = join(this.dir, 'worker.properties');
    this.logFile = options.logFile ?? join(this.dir, 'worker.log');
    writeFileSync(this.propertiesPath, properties);
  }

  /** Starts a run; resolves with its listener URL once it logged `worker_started`. Rejects when it exits first or after `timeoutMs`. */
  async start(timeoutMs = 60_000): Promise<string> {
    const child = spawn(process.execPath, [BIN, '--worker', this.propertiesPath, '--log-file', this.logFile, '--listeners', 'http://127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.stderr = '';
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    writeFileSync(`${this.logFile}.pid`, String(child.pid));
    this.exit = new Promise((r) => child.once('exit', (code, signal) => {
      rmSync(`${this.logFile}.pid`, { force: true });
      r(code ?? (signal === 'SIGKILL' ? 137 : 143));
    }));
    const line = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`worker exited during start: ${this.stderr}`);
      return this.lines().find((l) => l.event === 'worker_started' && l.pid === child.pid);
    }, { timeoutMs, intervalMs: 50, message: `worker_started in ${this.logFile}` });
    return String(line.url);
  }

  /** Every JSON log line so far (all runs). */
  lines(): EngineLogLine[] {
    return existsSync(this.logFile) ? parseLogLines(readFileSync(this.logFile, 'utf8')) : [];
  }

  /** SIGTERM; resolves with the exit code. */
  async stop(timeoutMs = 60_000): Promise<number> {
    if (!this.child || !this.exit) throw new Error('worker never started');
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`worker did not exit within ${timeoutMs} ms`)), timeoutMs)));
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills a running worker and removes the folder (kept when KEEP_ENGINE_LOGS is set). */
  async dispose(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exit;
    }
    if (!process.env.KEEP_ENGINE_LOGS) rmSync(this.dir, { recursive: true, force: true });
  }
}
