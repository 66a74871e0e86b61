/**
 * Reads source topic configs for remote-topic creation. @confluentinc/kafka-javascript has no
 * describeConfigs (its issue #444), so this uses kafkajs' admin (DescribeConfigs v1+, which Kafka 4.x
 * still serves after KIP-896). Only configs set on the topic itself are copied — the same as MM2's
 * `use.defaults.from=target`: broker defaults of the source never overwrite the target's.
 */
import kafkajs from 'kafkajs';
import type { ClusterClientSettings } from './kafka-clients.ts';
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
