/**
 * Every client setting checked before any client connects (issue 12 item 3). librdkafka validates a
 * configuration when a client object is constructed — no connection is made until `connect()` — so
 * building each setting into a throw-away client proves it is a property librdkafka knows with a value
 * it accepts. Without this check a bad value (`fetch.min.bytes=abc`, `compression.type=brotli`,
 * `acks=sometimes`, an unknown property) let the engine start, create its internal topics on both
 * clusters, and only then exit 1 with librdkafka's own name for the property (`compression.codec`).
 * `sasl.mechanism` is checked by name here: librdkafka accepts any string until it connects.
 * Source: librdkafka CONFIGURATION.md (2.15); `rd_kafka_conf_set` is what the binding's constructor calls.
 */
import Kafka from '@confluentinc/kafka-javascript';
import { configError } from '../config/config-values.ts';
import { REDACTED } from '../config/redaction.ts';
import type { ClusterClientSettings } from './kafka-clients.ts';

/** SASL mechanisms librdkafka implements (`sasl.mechanisms`). */
export const SASL_MECHANISMS = ['GSSAPI', 'PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;

/** A cluster's client settings with, when known, the mm2.properties key each librdkafka property came from. */
export type CheckedCluster = ClusterClientSettings & {
  readonly sources?: Readonly<Partial<Record<'common' | 'consumer' | 'producer' | 'admin', Readonly<Record<string, string>>>>>;
};

type Role = 'consumer' | 'producer' | 'admin';
const ROLES: readonly Role[] = ['consumer', 'producer', 'admin'];
/** Never connected: construction alone validates. */
const NO_BROKER = '127.0.0.1:1';

/** Constructs (never connects) a client of `role` with `conf`; throws librdkafka's message for an invalid setting. */
function construct(role: Role, conf: Record<string, string>): void {
  if (role === 'consumer') new Kafka.KafkaConsumer({ ...conf, 'group.id': 'kafka-mirror-settings-check' }, {});
  else new Kafka.Producer(conf, {});
}

/**
 * Checks every consumer, producer and admin setting of `cluster`, one by one, then each role's whole set.
 * Throws ConfigError naming the key as written in mm2.properties (secret values redacted) and what
 * librdkafka expected; returns normally when every setting is accepted. Makes no network call.
 */
export function checkClientSettings(cluster: CheckedCluster): void {
  for (const role of ROLES) {
    const props = cluster[role];
    const keyOf = (prop: string): string => cluster.sources?.[role]?.[prop] ?? cluster.sources?.common?.[prop] ?? `${cluster.alias}.${role}.${prop}`;
    for (const [prop, value] of Object.entries(props)) {
      if (prop === 'bootstrap.servers') continue; // validated by the config parser (host:port rules)
      if (prop === 'sasl.mechanisms' && !(SASL_MECHANISMS as readonly string[]).includes(value.trim())) {
        throw configError(keyOf(prop), value, `one of ${SASL_MECHANISMS.join(', ')}`);
      }
      try {
        construct(role, { 'bootstrap.servers': NO_BROKER, [prop]: value });
      } catch (err) {
        // An unknown property's value is nobody's business in a log line (it may be a misspelled secret).
        const unknown = /^No such configuration property/.test(err instanceof Error ? err.message : '');
        throw configError(keyOf(prop), unknown ? REDACTED : value, `a ${role} setting librdkafka accepts (${librdkafkaReason(err, prop)})`);
      }
    }
    try {
      construct(role, { ...props, 'bootstrap.servers': NO_BROKER });
    } catch (err) {
      // Settings valid alone but not together (e.g. a TLS file with a non-TLS protocol): name the cluster and role.
      throw configError(`${cluster.alias}.${role}.*`, undefined, `${role} settings librdkafka accepts together (${librdkafkaReason(err)})`);
    }
  }
}

/** librdkafka's message without the property value (it may be a secret); `prop` is named instead. */
function librdkafkaReason(err: unknown, prop?: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const named = /configuration property "([^"]+)"/.exec(message)?.[1];
  if (/^No such configuration property/.test(message)) return `librdkafka has no property "${named ?? prop}"`;
  if (/^Invalid value/.test(message)) return `invalid value for librdkafka's "${named ?? prop}"`;
  return message.replace(/"[^"]*"/g, (q) => (q === `"${named}"` ? q : '"…"'));
}

/**
 * {@link checkClientSettings} for every cluster a config's enabled flows and heartbeat pairs use: the CLI
 * runs it right after parsing, so a bad client setting is one line on stderr and exit 2, like any other
 * config error, before a logger, listener or client exists. Throws ConfigError.
 */
export function checkConfigClientSettings(config: { flows: readonly { source: CheckedCluster; target: CheckedCluster }[]; heartbeatPairs?: readonly { target: CheckedCluster }[] }): void {
  for (const flow of config.flows) for (const cluster of [flow.source, flow.target]) checkClientSettings(cluster);
  for (const pair of config.heartbeatPairs ?? []) checkClientSettings(pair.target);
}
