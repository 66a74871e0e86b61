/**
 * The `listeners` key: where the engine's HTTP listener (`/metrics`, `/status`, `/health`, `/ready`, the
 * dashboard) binds. Kafka Connect's worker key of the same name (`listeners`, `WorkerConfig`/`RestServerConfig`:
 * a list of `protocol://host:port`, default `http://:8083`). Here: one `http://` URL, default
 * `http://127.0.0.1:8083` (loopback: metrics and status are not published to the network unless asked);
 * an empty value disables the listener; port 0 picks a free port (the engine logs the bound URL, event
 * `http_listening`). `--listeners URL` on the CLI overrides the file.
 */
import { configError, substituteEnv, type ConfigEntry } from './config-values.ts';
import { parseProperties } from './properties.ts';

/** The key, as in Kafka Connect. */
export const LISTENERS_KEY = 'listeners';

/** Default when the key is absent. */
export const DEFAULT_LISTENERS = 'http://127.0.0.1:8083';

/** A listener to bind: host (an IP or name; `0.0.0.0` / `::` for every interface) and TCP port (0 = any free one). */
export interface ListenerAddress {
  /** The URL as configured, e.g. `http://127.0.0.1:8083`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
}

const EXPECTED = 'one http://HOST:PORT URL (port 0..65535, 0 picks a free port), e.g. http://127.0.0.1:8083, or empty to disable the HTTP listener';

/**
 * Parses a `listeners` value (key as written, for messages). Empty → undefined (disabled). An empty host
 * (`http://:8083`, Connect's default form) binds every interface. Throws ConfigError naming the key for
 * anything else: several URLs, `https://` (put a TLS proxy in front), a path, credentials, a bad port.
 */
export function parseListeners(entry: { key: string; value: string }): ListenerAddress | undefined {
  const value = entry.value.trim();
  if (value === '') return undefined;
  if (value.includes(',')) throw configError(entry.key, entry.value, `${EXPECTED} (one listener only)`);
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(\[[0-9a-fA-F:.]+\]|[^/:@[\]]*):(\d{1,5})\/?$/.exec(value);
  if (!m) throw configError(entry.key, entry.value, EXPECTED);
  const [, protocol, rawHost, rawPort] = m as unknown as [string, string, string, string];
  if (protocol.toLowerCase() !== 'http') {
    throw configError(entry.key, entry.value, `${EXPECTED} (${protocol}:// is not supported: terminate TLS in a proxy in front of the engine)`);
  }
  const port = Number(rawPort);
  if (port > 65535) throw configError(entry.key, entry.value, EXPECTED);
  const host = rawHost === '' ? '0.0.0.0' : rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  return { url: value.replace(/\/$/, ''), host, port };
}

/**
 * The `listeners` entry of mm2.properties text (with `${env:NAME}` substituted), or the default when absent.
 * Until the key joins config.ts's key table this reads it straight from the file text.
 */
export function listenersEntry(propertiesText: string, env: Readonly<Record<string, string | undefined>> = process.env): ConfigEntry {
  let found: ConfigEntry | undefined;
  for (const e of parseProperties(propertiesText)) if (e.key === LISTENERS_KEY) found = e;
  return found ? substituteEnv(found, env) : { key: LISTENERS_KEY, value: DEFAULT_LISTENERS, line: 0 };
}

/**
 * The listener to start: `--listeners` (when given) over the file's `listeners` over the default.
 * Throws ConfigError naming `--listeners` or `listeners`.
 */
export function resolveListener(propertiesText: string, flag: string | undefined, env?: Readonly<Record<string, string | undefined>>): ListenerAddress | undefined {
  if (flag !== undefined) return parseListeners({ key: '--listeners', value: flag });
  return parseListeners(listenersEntry(propertiesText, env));
}
