/**
 * One complete translation of a cluster's librdkafka-style settings (what mm2.properties became in
 * engine/config: `security.protocol`, `sasl.*`, `ssl.*`, …) into kafkajs' `KafkaConfig`, for the one
 * kafkajs client the engine uses (DescribeConfigs for topic-config sync, topic-configs.ts). The input is
 * the admin-role config of the cluster — the same map the librdkafka admin client gets — so both
 * clients connect with the same identity and trust.
 *
 * A security setting kafkajs cannot honour (GSSAPI, OAUTHBEARER without a token provider, an OpenSSL
 * engine, a CA store, …) fails loudly with ConfigError naming the key instead of being dropped: a dropped
 * `ssl.ca.location` silently trusts Node's default CAs, a dropped mechanism authenticates as nobody.
 * Tuning settings irrelevant to an admin client (fetch, batching, …) are not security settings and are
 * ignored, as are `ssl.*` settings without TLS and `sasl.*` settings without SASL (librdkafka ignores them too).
 * Sources: librdkafka CONFIGURATION.md; kafkajs `KafkaConfig` (types/index.d.ts) and Node `tls.connect` options.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import kafkajs, { type KafkaConfig, type SASLOptions } from 'kafkajs';
import { ConfigError } from '../core/errors.ts';
import { parseJaasConfig } from '../config/client-props.ts';
import { REDACTED, isSecretKey } from '../config/redaction.ts';
import { adminConfig, type ClusterClientSettings } from './kafka-clients.ts';

// kafkajs is CommonJS; Node's ESM loader cannot see all its named exports.
const { logLevel } = kafkajs;

/** Options of {@link kafkajsConfig}. */
export interface KafkajsConfigOptions {
  /** `admin.timeout.ms`: kafkajs' `requestTimeout`, ms (default: librdkafka's `socket.timeout.ms` when set, else kafkajs' default). */
  requestTimeoutMs?: number;
}

/** The SASL mechanisms kafkajs can do with a user name and password (librdkafka name → kafkajs name). */
const KAFKAJS_MECHANISMS: Readonly<Record<string, 'plain' | 'scram-sha-256' | 'scram-sha-512'>> = {
  PLAIN: 'plain',
  'SCRAM-SHA-256': 'scram-sha-256',
  'SCRAM-SHA-512': 'scram-sha-512',
};

/** TLS settings translated below; any other `ssl.*` setting on a TLS connection is refused. */
const TLS_KEYS = new Set([
  'ssl.ca.location', 'ssl.ca.pem', 'ssl.certificate.location', 'ssl.certificate.pem', 'ssl.key.location', 'ssl.key.pem',
  'ssl.key.password', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.endpoint.identification.algorithm',
  'enable.ssl.certificate.verification', 'ssl.crl.location', 'ssl.cipher.suites', 'ssl.curves.list', 'ssl.sigalgs.list',
]);

/** SASL settings translated below (for PLAIN / SCRAM); Kerberos and OAUTHBEARER settings only matter to their own mechanism. */
const SASL_KEYS = new Set(['sasl.mechanisms', 'sasl.mechanism', 'sasl.username', 'sasl.password', 'sasl.jaas.config']);

/**
 * kafkajs client options for `cluster`, connecting as its librdkafka clients do: brokers from
 * `bootstrap.servers`, `clientId`, TLS (`ssl`: CA, client certificate and key read from their PEM files or
 * PEM strings, PKCS#12 keystore, key password, hostname verification, CRL, ciphers) and SASL PLAIN /
 * SCRAM-SHA-256 / SCRAM-SHA-512 (`sasl.username`/`sasl.password` or a Java `sasl.jaas.config`), plus
 * timeouts (`requestTimeoutMs` = admin.timeout.ms, `socket.connection.setup.timeout.ms`, `retry.backoff.ms`).
 * Throws ConfigError naming the key (secret values redacted) for a setting kafkajs cannot honour or a
 * file it cannot read.
 */
export function kafkajsConfig(cluster: ClusterClientSettings, clientId: string, options: KafkajsConfigOptions = {}): KafkaConfig {
  const s = adminConfig(cluster, clientId) as Record<string, string | number | boolean>;
  const get = (key: string): string | undefined => (s[key] === undefined ? undefined : String(s[key]));
  const protocol = (get('security.protocol') ?? 'plaintext').trim().toLowerCase();
  if (!['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'].includes(protocol)) {
    throw new ConfigError('security.protocol', get('security.protocol'), 'PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL');
  }
  const refuse = (key: string, why: string): never => {
    const value = get(key);
    throw new ConfigError(key, value !== undefined && isSecretKey(key) ? REDACTED : value,
      `a setting kafkajs can honour for cluster ${cluster.alias}: ${why}; kafkajs reads the source topic configs (sync.topic.configs.enabled), so remove the setting or set sync.topic.configs.enabled = false`);
  };
  const tls = protocol === 'ssl' || protocol === 'sasl_ssl';
  const config: KafkaConfig = {
    clientId: get('client.id') ?? clientId,
    brokers: String(s['bootstrap.servers'] ?? cluster.bootstrapServers).split(',').map((b) => b.trim()).filter((b) => b !== ''),
    logLevel: logLevel.NOTHING,
    // Without TLS librdkafka ignores the ssl.* settings; so does this translation.
    ssl: tls ? tlsOptions(get) : false,
  };
  for (const key of Object.keys(s)) {
    if (tls && (key.startsWith('ssl') || key.startsWith('enable.ssl')) && !TLS_KEYS.has(key)) refuse(key, 'it has no Node TLS equivalent');
  }
  if (protocol.startsWith('sasl')) config.sasl = saslOptions(get, Object.keys(s), refuse);
  const requestTimeout = options.requestTimeoutMs ?? numberSetting(get, 'socket.timeout.ms');
  if (requestTimeout !== undefined) config.requestTimeout = requestTimeout;
  const connectionTimeout = numberSetting(get, 'socket.connection.setup.timeout.ms');
  if (connectionTimeout !== undefined) config.connectionTimeout = connectionTimeout;
  const initialRetryTime = numberSetting(get, 'retry.backoff.ms');
  const maxRetryTime = numberSetting(get, 'retry.backoff.max.ms');
  if (initialRetryTime !== undefined || maxRetryTime !== undefined) {
    config.retry = { ...(initialRetryTime !== undefined ? { initialRetryTime } : {}), ...(maxRetryTime !== undefined ? { maxRetryTime } : {}) };
  }
  return config;
}

/** Node TLS options equivalent to the librdkafka `ssl.*` settings. */
function tlsOptions(get: (key: string) => string | undefined): ConnectionOptions {
  const tls: ConnectionOptions = {};
  const ca: string[] = [];
  const caLocation = get('ssl.ca.location');
  // 'probe': librdkafka looks for the system's CA bundle; Node's default CAs are the equivalent (no `ca`).
  if (caLocation !== undefined && caLocation.trim() !== 'probe') ca.push(readPem('ssl.ca.location', caLocation.trim()));
  if (get('ssl.ca.pem') !== undefined) ca.push(get('ssl.ca.pem')!);
  if (ca.length > 0) tls.ca = ca;
  const cert = get('ssl.certificate.location');
  if (cert !== undefined) tls.cert = readPem('ssl.certificate.location', cert.trim());
  if (get('ssl.certificate.pem') !== undefined) tls.cert = get('ssl.certificate.pem');
  const key = get('ssl.key.location');
  if (key !== undefined) tls.key = readPem('ssl.key.location', key.trim());
  if (get('ssl.key.pem') !== undefined) tls.key = get('ssl.key.pem');
  const keystore = get('ssl.keystore.location');
  if (keystore !== undefined) tls.pfx = readFile('ssl.keystore.location', keystore.trim(), 'a readable PKCS#12 keystore file');
  const passphrase = get('ssl.key.password') ?? get('ssl.keystore.password');
  if (passphrase !== undefined) tls.passphrase = passphrase;
  const identification = (get('ssl.endpoint.identification.algorithm') ?? 'https').trim().toLowerCase();
  if (identification === 'none') tls.checkServerIdentity = () => undefined; // librdkafka: no hostname check; the chain is still verified
  else if (identification !== 'https') throw new ConfigError('ssl.endpoint.identification.algorithm', identification, 'https or none');
  const verify = get('enable.ssl.certificate.verification');
  if (verify !== undefined) tls.rejectUnauthorized = parseBoolean('enable.ssl.certificate.verification', verify);
  const crl = get('ssl.crl.location');
  if (crl !== undefined) tls.crl = readPem('ssl.crl.location', crl.trim());
  if (get('ssl.cipher.suites') !== undefined) tls.ciphers = get('ssl.cipher.suites'); // OpenSSL cipher list, as librdkafka
  if (get('ssl.curves.list') !== undefined) tls.ecdhCurve = get('ssl.curves.list');
  if (get('ssl.sigalgs.list') !== undefined) tls.sigalgs = get('ssl.sigalgs.list');
  return tls;
}

/** kafkajs SASL options for PLAIN / SCRAM; refuses every other mechanism, naming the key. */
function saslOptions(get: (key: string) => string | undefined, keys: readonly string[], refuse: (key: string, why: string) => never): SASLOptions {
  const mechanismKey = get('sasl.mechanisms') !== undefined ? 'sasl.mechanisms' : 'sasl.mechanism';
  const raw = get(mechanismKey);
  // librdkafka's (and Java's) default mechanism is GSSAPI: no mechanism set means Kerberos, which kafkajs cannot do.
  if (raw === undefined) refuse('sasl.mechanisms', 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 is required (the default, GSSAPI, has no kafkajs implementation)');
  const mechanism = KAFKAJS_MECHANISMS[raw.trim().toUpperCase()];
  if (mechanism === undefined) refuse(mechanismKey, 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (kafkajs cannot do GSSAPI, nor OAUTHBEARER without a token provider)');
  for (const key of keys) {
    if (key.startsWith('sasl.') && !SASL_KEYS.has(key) && !/^sasl\.(kerberos|oauthbearer)\./.test(key)) refuse(key, `it has no kafkajs equivalent for ${raw.trim().toUpperCase()}`);
  }
  let username = get('sasl.username');
  let password = get('sasl.password');
  const jaas = get('sasl.jaas.config');
  if ((username === undefined || password === undefined) && jaas !== undefined) {
    const { options } = parseJaasConfig('sasl.jaas.config', jaas);
    username ??= options.username;
    password ??= options.password;
  }
  if (username === undefined) throw new ConfigError('sasl.username', undefined, `the ${raw.trim().toUpperCase()} user (or a sasl.jaas.config with username)`);
  if (password === undefined) throw new ConfigError('sasl.password', undefined, `the ${raw.trim().toUpperCase()} password (or a sasl.jaas.config with password)`);
  return { mechanism, username, password } as SASLOptions;
}

/** A non-negative integer setting in ms, or undefined when not set. */
function numberSetting(get: (key: string) => string | undefined, key: string): number | undefined {
  const v = get(key);
  if (v === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(v)) throw new ConfigError(key, v, 'a non-negative integer (ms)');
  return Number(v);
}

function parseBoolean(key: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ConfigError(key, value, 'true or false');
}

/** Reads a PEM file, or every .pem/.crt/.cer file of a directory (librdkafka accepts a CA directory). */
function readPem(key: string, path: string): string {
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    /* reported by readFile below */
  }
  if (!isDirectory) return readFile(key, path, 'a readable PEM file').toString('utf8');
  const files = readdirSync(path).filter((f) => /\.(pem|crt|cer)$/i.test(f)).sort();
  if (files.length === 0) throw new ConfigError(key, path, 'a readable PEM file, or a directory with .pem/.crt/.cer files');
  return files.map((f) => readFile(key, join(path, f), 'a readable PEM file').toString('utf8')).join('\n');
}

function readFile(key: string, path: string, expected: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(key, path, `${expected} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}
