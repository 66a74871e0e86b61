/**
 * The CLI side of the HTTP listener (engine/http/): the `--listeners URL` flag of `run`, the `listeners`
 * resolution (flag over mm2.properties over the default), and the `status` command:
 *
 *   kafka-mirror status --url http://127.0.0.1:8083 [--json]
 *
 * `status` exit codes: 0 printed (whatever the engine's state), 1 the engine did not answer, 2 bad flags.
 */
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { resolveListener, type ListenerAddress } from '../config/listeners.ts';
import { EXIT_CODES } from '../core/errors.ts';
import type { EngineStatus } from '../telemetry/engine-status.ts';
import { formatStatus } from './status-table.ts';

/** The `--listeners` option of `run` (added to `command`). */
export function addListenersOption(command: Command): Command {
  return command.addOption(new Option('--listeners <url>', 'HTTP listener for /metrics, /status, /health, /ready and the dashboard, e.g. http://127.0.0.1:8083 (0 = any free port, "" = off); overrides mm2.properties `listeners`'));
}

/**
 * The listener a `run` starts: `--listeners` over the config file's `listeners` over the default
 * (engine/config/listeners.ts). Throws ConfigError naming `--listeners` or `listeners`.
 */
export async function listenerFor(configPath: string, flag: string | undefined): Promise<ListenerAddress | undefined> {
  return resolveListener(await readFile(configPath, 'utf8'), flag);
}

/** `--url`: an http(s) URL (commander argument parser; throws InvalidArgumentError). */
export function urlOption(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(u.protocol);
  } catch {
    throw new InvalidArgumentError('expected the engine\'s listener URL, e.g. http://127.0.0.1:8083');
  }
  return value.replace(/\/+$/, '');
}

/** Fetches `<url>/status` and prints it; returns the exit code. */
export async function statusCommand(opts: { url: string; json?: boolean }, out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let status: EngineStatus;
  try {
    const res = await fetch(`${opts.url}/status`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    status = (await res.json()) as EngineStatus;
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    err(`kafka-mirror status: no status from ${opts.url}/status: ${cause ?? (e as Error).message}\n`);
    return EXIT_CODES.INTERNAL;
  }
  out(opts.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
  return EXIT_CODES.OK;
}
