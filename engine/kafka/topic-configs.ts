/**
 * Reads source topic configs for remote-topic creation. @confluentinc/kafka-javascript has no
 * describeConfigs (its issue #444), so this uses kafkajs' admin (DescribeConfigs v1+, which Kafka 4.x
 * still serves after KIP-896). Only configs set on the topic itself are copied — the same as MM2's
 * `use.defaults.from=target`: broker defaults of the source never overwrite the target's.
 */
import kafkajs, { type Admin } from 'kafkajs';
import type { ClusterClientSettings } from './kafka-clients.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { kafkajsConfig } from './kafkajs-config.ts';

// kafkajs is CommonJS; Node's ESM loader cannot see all its named exports.
const { ConfigResourceTypes, Kafka } = kafkajs;

/**
 * Topic-level configs of `topics` on `cluster` (only those whose source is the topic itself),
 * minus names matching any of `exclude`. Map: topic → { name: value }.
 */
export async function describeTopicConfigs(
  cluster: ClusterClientSettings,
  topics: readonly string[],
  exclude: readonly RegExp[],
): Promise<Map<string, Record<string, string>>> {
  const result = new Map<string, Record<string, string>>();
  if (topics.length === 0) return result;
  const admin = new Kafka(kafkajsConfig(cluster, 'kafka-mirror-configs')).admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    });
    for (const resource of described.resources) {
      const configs: Record<string, string> = {};
      for (const entry of resource.configEntries) {
        // configSource 1 = DYNAMIC_TOPIC_CONFIG (DescribeConfigs v1+).
        const topicLevel = (entry as { configSource?: number }).configSource === 1 || (!entry.isDefault && (entry as { configSource?: number }).configSource === undefined);
        if (!topicLevel || entry.configValue === null || entry.isSensitive) continue;
        if (exclude.some((re) => re.test(entry.configName))) continue;
        configs[entry.configName] = entry.configValue;
      }
      result.set(resource.resourceName, configs);
    }
  } finally {
    await admin.disconnect();
  }
  return result;
}

/**
 * Where a config value comes from, as DescribeConfigs v1+ reports it (Kafka's
 * `DescribeConfigsResponse.ConfigSource`; `ConfigEntry.ConfigSource` in the Java admin client).
 */
export const CONFIG_SOURCE = {
  UNKNOWN: 0,
  /** Set on the topic itself: the only source AlterConfigs writes for a TOPIC resource. */
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  /** From the broker's server.properties. */
  STATIC_BROKER_CONFIG: 4,
  /** Kafka's built-in default (Java `ConfigEntry.isDefault()`). */
  DEFAULT_CONFIG: 5,
} as const;

/** One topic config as DescribeConfigs reports it. `value` is null for sensitive configs (the broker hides it). */
export interface TopicConfigEntry {
  name: string;
  value: string | null;
  /** One of {@link CONFIG_SOURCE}. */
  source: number;
  readOnly: boolean;
  sensitive: boolean;
}

/** kafkajs / Kafka error types meaning authentication or authorization failed. */
const KAFKAJS_AUTH_ERRORS = /AUTHORIZATION_FAILED|SASL_AUTHENTICATION_FAILED|ILLEGAL_SASL_STATE|UNSUPPORTED_SASL_MECHANISM/;

/** Wraps a kafkajs error: AUTH_FAILED for auth failures, KAFKA_ERROR otherwise; kafkajs messages carry no secrets. */
function kafkajsError(what: string, err: unknown): MirrorError {
  const e = err as { name?: string; type?: string; message?: string };
  const auth = e.name === 'KafkaJSSASLAuthenticationError' || KAFKAJS_AUTH_ERRORS.test(e.type ?? '');
  return new MirrorError(auth ? ERROR_CODES.AUTH_FAILED : ERROR_CODES.KAFKA_ERROR, `${what} failed: ${e.message ?? String(err)}`, { cause: err });
}

/**
 * The topic-config admin calls of one cluster through kafkajs 2.2.4, the only client here with
 * DescribeConfigs / AlterConfigs (@confluentinc/kafka-javascript 1.10 has neither, its issue #444).
 * Versions negotiated against Kafka 4.1.1 (KIP-896 removed old ones): Metadata v6 (broker 0–13),
 * DescribeConfigs v2 (broker 1–4), AlterConfigs v1 (broker 0–2). kafkajs has no
 * IncrementalAlterConfigs (KIP-339), so {@link replaceTopicConfigs} replaces the whole set of a
 * topic's overrides; callers pass the complete desired set (engine/discovery/topic-config-plan.ts).
 *
 * Connects lazily and keeps one kafkajs admin until {@link close}; after a failed call the admin is
 * dropped and the next call reconnects. Errors: MirrorError (AUTH_FAILED or KAFKA_ERROR) with the
 * kafkajs error as `cause`.
 */
export class TopicConfigAdmin {
  readonly cluster: ClusterClientSettings;
  private readonly clientId: string;
  private admin: Promise<Admin> | undefined;

  constructor(cluster: ClusterClientSettings, clientId: string) {
    this.cluster = cluster;
    this.clientId = clientId;
  }

  /** Names of every topic of the cluster (internal ones included). */
  listTopics(): Promise<string[]> {
    return this.call(`listing topics of ${this.cluster.alias}`, (admin) => admin.listTopics());
  }

  /**
   * Every topic config of each of `topics` (all sources, defaults included, synonyms left out).
   * Map: topic → entries. A topic that does not exist fails the whole call (UNKNOWN_TOPIC_OR_PARTITION).
   */
  async describeTopicConfigs(topics: readonly string[]): Promise<Map<string, TopicConfigEntry[]>> {
    const result = new Map<string, TopicConfigEntry[]>();
    if (topics.length === 0) return result;
    const described = await this.call(`describing configs of ${topics.length} topics on ${this.cluster.alias}`, (admin) =>
      admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })) }),
    );
    for (const resource of described.resources) {
      result.set(
        resource.resourceName,
        resource.configEntries.map((e) => ({
          name: e.configName,
          value: e.configValue as string | null,
          source: e.configSource as number,
          readOnly: e.readOnly,
          sensitive: e.isSensitive,
        })),
      );
    }
    return result;
  }

  /**
   * Makes `configs` (name → value) the complete set of `topic`'s topic-level overrides: AlterConfigs
   * (non-incremental) deletes every override not listed. `{}` removes them all.
   */
  async replaceTopicConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void> {
    const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
    await this.call(`altering configs of ${topic} on ${this.cluster.alias}`, (admin) =>
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries }] }),
    );
  }

  /** Disconnects (idempotent; the next call would connect again). */
  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => undefined);
  }

  private async call<T>(what: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = (this.admin ??= this.connect());
    try {
      return await fn(await admin);
    } catch (err) {
      if (this.admin === admin) await this.close();
      throw kafkajsError(what, err);
    }
  }

  private async connect(): Promise<Admin> {
    const admin = new Kafka(kafkajsConfig(this.cluster, this.clientId)).admin();
    await admin.connect();
    return admin;
  }
}
