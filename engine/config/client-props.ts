/**
 * Client properties: translation of the Java client names users write in mm2.properties into
 * librdkafka (@confluentinc/kafka-javascript) names. Java-only settings are dropped with a warning (never an error); settings the engine owns
 * (offset reset, commits, isolation, transactional id) are dropped with a warning naming the
 * engine key to use instead. What may be logged is decided in redaction.ts.
 */
import { ConfigError } from '../core/errors.ts';
import { REDACTED } from './redaction.ts';

/** A client role; `common` is the set shared by all clients of a cluster. */
export type ClientRole = 'common' | 'consumer' | 'producer' | 'admin';

/** A property as written: `key` is the full key in mm2.properties (e.g. "primary.consumer.fetch.max.wait.ms"). */
export interface RawProp {
  readonly value: string;
  readonly key: string;
}

/** Java client settings with no librdkafka equivalent (dropped with a warning). */
const JAVA_ONLY = new Set([
  'key.deserializer', 'value.deserializer', 'key.serializer', 'value.serializer', 'max.poll.records',
  'poll.timeout.ms', 'default.api.timeout.ms', 'exclude.internal.topics', 'interceptor.classes',
  'metric.reporters', 'auto.include.jmx.reporter', 'partitioner.class', 'partitioner.ignore.keys',
  'partitioner.adaptive.partitioning.enable', 'partitioner.availability.timeout.ms', 'max.block.ms',
  'security.providers', 'ssl.protocol', 'ssl.enabled.protocols', 'ssl.provider', 'ssl.keymanager.algorithm',
  'ssl.trustmanager.algorithm', 'ssl.secure.random.implementation', 'ssl.engine.factory.class',
  'ssl.cipher.suites', 'sasl.client.callback.handler.class', 'sasl.login.class', 'metadata.max.idle.ms',
  'socket.connection.setup.timeout.max.ms', 'internal.leave.group.on.close',
]);
const JAVA_ONLY_PREFIX = /^(metrics\.|sasl\.login\.|sasl\.kerberos\.ticket\.|compression\.(gzip|lz4|zstd)\.level$)/;

/** Settings the engine decides itself, per role, with the engine key that controls them. */
const ENGINE_MANAGED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  consumer: {
    'group.id': 'none: the mirror consumer uses manual assignment',
    'enable.auto.commit': 'none: progress is stored on the target cluster',
    'enable.auto.offset.store': 'none: progress is stored on the target cluster',
    'auto.offset.reset': 'truncation.policy',
    'isolation.level': 'isolation.level (flow-level key)',
  },
  producer: { 'transactional.id': 'none: chosen by the engine' },
};

/** Java name → librdkafka name, same value. */
const RENAMED: Readonly<Record<string, string>> = {
  'sasl.mechanism': 'sasl.mechanisms',
  'fetch.max.wait.ms': 'fetch.wait.max.ms',
  'max.request.size': 'message.max.bytes',
  'ssl.truststore.certificates': 'ssl.ca.pem',
  'ssl.keystore.certificate.chain': 'ssl.certificate.pem',
  'ssl.keystore.key': 'ssl.key.pem',
};

const SECURITY_PROTOCOLS = new Set(['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl']);

interface JaasConfig {
  readonly module: string;
  readonly options: Readonly<Record<string, string>>;
}

/**
 * Parses a Java `sasl.jaas.config` value: `<LoginModule> <flag> k="v" k2=v2;`. Throws ConfigError
 * naming `key` with the value redacted (it holds credentials) when the syntax is not recognised.
 */
export function parseJaasConfig(key: string, value: string): JaasConfig {
  const m = /^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\b([\s\S]*?);?\s*$/.exec(value);
  if (!m || m[1] === undefined) {
    throw new ConfigError(key, REDACTED, '<LoginModule class> required key="value" ...;');
  }
  const options: Record<string, string> = {};
  const optionRe = /([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/g;
  for (const o of (m[3] ?? '').matchAll(optionRe)) {
    if (o[1] !== undefined) options[o[1]] = o[2] !== undefined ? o[2].replace(/\\(.)/g, '$1') : (o[3] ?? '');
  }
  return { module: m[1], options };
}

/** Maps a parsed JAAS config to librdkafka SASL props; unsupported login modules yield a warning. */
function jaasToLibrdkafka(jaas: JaasConfig, key: string, warn: (msg: string) => void): Record<string, string> {
  const o = jaas.options;
  const out: Record<string, string> = {};
  const put = (name: string, v: string | undefined): void => {
    if (v !== undefined) out[name] = v;
  };
  if (/\.(PlainLoginModule|ScramLoginModule)$/.test(jaas.module)) {
    put('sasl.username', o.username);
    put('sasl.password', o.password);
  } else if (/\.Krb5LoginModule$/.test(jaas.module)) {
    put('sasl.kerberos.keytab', o.keyTab);
    put('sasl.kerberos.principal', o.principal);
  } else if (/\.OAuthBearerLoginModule$/.test(jaas.module) && o.clientId !== undefined) {
    out['sasl.oauthbearer.method'] = 'oidc';
    put('sasl.oauthbearer.client.id', o.clientId);
    put('sasl.oauthbearer.client.secret', o.clientSecret);
    put('sasl.oauthbearer.scope', o.scope);
  } else {
    warn(`${key}: login module ${jaas.module} has no librdkafka equivalent here; ignored (set sasl.* librdkafka properties instead)`);
  }
  return out;
}

function storeType(type: string | undefined, location: string): 'PEM' | 'PKCS12' | 'JKS' {
  const t = type?.trim().toUpperCase();
  if (t === 'PEM' || t === 'PKCS12' || t === 'JKS') return t;
  if (/\.(pem|crt|cer)$/i.test(location)) return 'PEM';
  if (/\.(p12|pfx)$/i.test(location)) return 'PKCS12';
  return 'JKS'; // Kafka's ssl.*store.type default
}

/**
 * Translates merged Java-named client props for one role into librdkafka props.
 * Explicit librdkafka names win over translated Java names. Returns warnings (keys only, never
 * values); throws ConfigError for an invalid `security.protocol` or unparsable `sasl.jaas.config`.
 */
export function translateClientProps(
  raw: ReadonlyMap<string, RawProp>,
  role: ClientRole,
): { props: Record<string, string>; warnings: string[] } {
  const warnings: string[] = [];
  const warn = (msg: string): void => void warnings.push(msg);
  const explicit: Record<string, string> = {};
  const translated: Record<string, string> = {};
  const get = (name: string): string | undefined => raw.get(name)?.value;

  for (const [name, { value, key }] of raw) {
    const managedBy = ENGINE_MANAGED[role]?.[name];
    if (managedBy !== undefined) {
      warn(`${key}: managed by the engine (use ${managedBy}); ignored`);
    } else if (JAVA_ONLY.has(name) || JAVA_ONLY_PREFIX.test(name)) {
      warn(`${key}: Java client setting with no librdkafka equivalent; ignored`);
    } else if (RENAMED[name] !== undefined) {
      translated[RENAMED[name]] = value;
    } else if (name === 'sasl.jaas.config') {
      Object.assign(translated, jaasToLibrdkafka(parseJaasConfig(key, value), key, warn));
    } else if (name === 'buffer.memory') {
      if (!/^\s*\d+\s*$/.test(value)) throw new ConfigError(key, value, 'a non-negative integer (bytes)');
      translated['queue.buffering.max.kbytes'] = String(Math.max(1, Math.ceil(Number(value) / 1024)));
    } else if (name === 'send.buffer.bytes' || name === 'receive.buffer.bytes') {
      translated[`socket.${name}`] = value.trim() === '-1' ? '0' : value; // Java -1 / librdkafka 0: OS default
    } else if (name === 'ssl.endpoint.identification.algorithm') {
      explicit[name] = value.trim() === '' ? 'none' : value.trim().toLowerCase();
    } else if (name === 'security.protocol') {
      const protocol = value.trim().toLowerCase();
      if (!SECURITY_PROTOCOLS.has(protocol)) {
        throw new ConfigError(key, value, 'PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL');
      }
      explicit[name] = protocol;
    } else if (name === 'ssl.truststore.location') {
      if (storeType(get('ssl.truststore.type'), value) === 'PEM') translated['ssl.ca.location'] = value;
      else warn(`${key}: librdkafka cannot read JKS/PKCS12 truststores; convert it to PEM and set ssl.ca.location; ignored`);
    } else if (name === 'ssl.keystore.location') {
      const type = storeType(get('ssl.keystore.type'), value);
      if (type === 'PKCS12') explicit[name] = value;
      else if (type === 'PEM') Object.assign(translated, { 'ssl.certificate.location': value, 'ssl.key.location': value });
      else warn(`${key}: librdkafka cannot read JKS keystores; convert it to PKCS12 or PEM; ignored`);
    } else if (name === 'ssl.keystore.password') {
      const location = get('ssl.keystore.location');
      if (location === undefined || storeType(get('ssl.keystore.type'), location) === 'PKCS12') explicit[name] = value;
    } else if (!['ssl.truststore.type', 'ssl.keystore.type', 'ssl.truststore.password'].includes(name)) {
      explicit[name] = value; // librdkafka name or a setting both clients share
    }
  }
  for (const [name, value] of Object.entries(translated)) {
    if (explicit[name] === undefined) explicit[name] = value;
    else warn(`${name}: set both directly and through a Java setting; the direct librdkafka value wins`);
  }
  return { props: explicit, warnings };
}

/**
 * Which mm2.properties key, as written (e.g. `standby.producer.compression.type`), each librdkafka
 * property that {@link translateClientProps} makes of `raw` came from — so an error about librdkafka's
 * `compression.codec` names the key the user wrote. Properties a setting does not produce are absent.
 */
export function clientPropSources(raw: ReadonlyMap<string, RawProp>, role: ClientRole): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const [name, prop] of raw) {
    let props: Record<string, string>;
    try {
      props = translateClientProps(new Map([[name, prop]]), role).props;
    } catch {
      continue; // translateClientProps(raw) already accepted the whole set; a setting alone may not stand
    }
    for (const librdkafkaName of Object.keys(props)) sources[librdkafkaName] ??= prop.key;
  }
  return sources;
}
