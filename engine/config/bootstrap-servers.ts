/**
 * `<alias>.bootstrap.servers`: a comma-separated list of `host:port`, validated once at the boundary.
 * librdkafka accepts a host without a port and silently uses 9092, and accepts any port text; a typo
 * then shows up as "all brokers are down" minutes later. Here every entry must be `host:port` with a
 * port from 1 to 65535 and a plausible host: a DNS name, an IPv4 address or a bracketed IPv6 address
 * (Kafka's `ClientUtils.parseAndValidateAddresses` also requires a port). An optional security
 * protocol prefix (`SASL_SSL://host:9093`) is accepted: Java clients and librdkafka both take it.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { configError } from './config-values.ts';
import { parseList } from './topic-filter.ts';

/** A validated bootstrap list: `servers` as written (trimmed), `brokers` normalised for comparison (lower-case `host:port`, no prefix). */
export interface BootstrapServers {
  readonly servers: string;
  readonly brokers: ReadonlySet<string>;
}

const PREFIX = /^(plaintext|ssl|sasl_plaintext|sasl_ssl):\/\//i;
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** Why `host` is not a plausible host, or undefined when it is one. */
function hostProblem(host: string): string | undefined {
  if (host.startsWith('[')) return host.endsWith(']') && isIPv6(host.slice(1, -1)) ? undefined : `'${host}' is not a valid [IPv6] address`;
  if (host.includes(':') && isIPv6(host)) return `'${host}' looks like an IPv6 address: write it in brackets, [${host}]:port`;
  if (/^[\d.]+$/.test(host)) return isIPv4(host) ? undefined : `'${host}' is not a valid IPv4 address`;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return name.length <= 253 && name.split('.').every((l) => LABEL.test(l)) ? undefined : `'${host}' is not a valid host name`;
}

/**
 * Parses and validates `entry` (key `<alias>.bootstrap.servers`). `context` is appended to the
 * expectation (e.g. which flow needs the cluster). Throws ConfigError naming the key and value: empty
 * list, an entry without `:port`, a port outside 1..65535, or an implausible host.
 */
export function parseBootstrapServers(key: string, value: string | undefined, context: string): BootstrapServers {
  const expected = (why: string): string =>
    `host:port[,host:port…] with a host name, IPv4 or [IPv6] address and a port from 1 to 65535${why} (${context})`;
  const list = parseList(value ?? '');
  if (list.length === 0) throw configError(key, value, expected(''));
  const brokers = new Set<string>();
  for (const server of list) {
    const address = server.replace(PREFIX, '');
    const m = /^(.*):(\d+)$/.exec(address);
    if (m === null || m[1] === undefined || m[2] === undefined) {
      const why = address.includes(':') ? `'${server}' is not host:port` : `'${server}' has no port (librdkafka would silently use 9092)`;
      throw configError(key, value, expected(`; ${why}`));
    }
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw configError(key, value, expected(`; '${server}' has port ${m[2]}`));
    const problem = hostProblem(m[1]);
    if (problem !== undefined) throw configError(key, value, expected(`; ${problem}`));
    brokers.add(`${m[1].toLowerCase()}:${port}`);
  }
  return { servers: list.join(','), brokers };
}

/** True when the two lists share a broker address: one address is one broker, and a broker belongs to one cluster. */
export function sameCluster(a: BootstrapServers, b: BootstrapServers): boolean {
  return [...a.brokers].some((broker) => b.brokers.has(broker));
}
