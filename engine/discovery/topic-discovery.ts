/**
 * Finds the source topics one flow mirrors and makes their remote topics exist on the target:
 * same partition count (grown when the source grows), the source topic's configs as MM2 creates them
 * (engine/discovery/topic-config-plan.ts: minus `config.properties.exclude`, defaults per
 * `use.defaults.from`). Runs at start and every `refresh.topics.interval.seconds`; later config
 * changes are engine/discovery/topic-config-sync.ts's job.
 * Remote topics are never shrunk or deleted: Kafka cannot remove partitions, and the remote data
 * is the disaster-recovery copy.
 */
import type { Logger } from '../core/logger.ts';
import type { TopicDescription } from '../kafka/kafka-admin.ts';
import type { SourceAdminPort, TargetAdminPort } from '../kafka/admin-ports.ts';
import type { ReplicationPolicy } from '../mm2/replication-policy.ts';
import type { TopicFilter } from '../config/topic-filter.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';
import { TopicConfigAdmin } from '../kafka/topic-configs.ts';
import { USE_DEFAULTS_FROM_DEFAULT, createTopicConfigs, type UseDefaultsFrom } from './topic-config-plan.ts';
import type { TopicConfigsPort } from './topic-config-sync.ts';

/** What discovery needs from a flow's config. */
export interface DiscoverySettings {
  sourceAlias: string;
  source: ClusterClientSettings;
  topicFilter: TopicFilter;
  replicationPolicy: ReplicationPolicy;
  /** Replication factor of created remote topics; -1 = the target broker's default. */
  replicationFactor: number;
  syncTopicConfigsEnabled: boolean;
  configPropertiesExclude: readonly RegExp[];
  /** MM2's `use.defaults.from`; undefined = `target` (MM2's default). */
  useDefaultsFrom?: UseDefaultsFrom | undefined;
}

/** One discovered source topic and its remote name. */
export interface DiscoveredTopic extends TopicDescription {
  remoteTopic: string;
}

/** Topic discovery for one flow. */
export class TopicDiscovery {
  private readonly settings: DiscoverySettings;
  private readonly sourceAdmin: Pick<SourceAdminPort, 'listTopics' | 'describeTopics'>;
  private readonly targetAdmin: Pick<TargetAdminPort, 'describeTopics' | 'createTopic' | 'createPartitions'>;
  private readonly log: Logger;
  private readonly sourceConfigs: TopicConfigsPort | undefined;
  /** remote topic → partition count known to exist on the target. */
  private readonly remotePartitions = new Map<string, number>();

  /**
   * `sourceAdmin` lists and describes source topics; `targetAdmin` creates and grows remote topics
   * (KafkaAdmin satisfies both). `sourceConfigs` (optional): the source cluster's topic-config client,
   * owned (closed) by the caller; without it each creation opens and closes its own kafkajs admin.
   */
  constructor(options: {
    settings: DiscoverySettings;
    sourceAdmin: Pick<SourceAdminPort, 'listTopics' | 'describeTopics'>;
    targetAdmin: Pick<TargetAdminPort, 'describeTopics' | 'createTopic' | 'createPartitions'>;
    logger: Logger;
    sourceConfigs?: TopicConfigsPort;
  }) {
    this.settings = options.settings;
    this.sourceConfigs = options.sourceConfigs;
    this.sourceAdmin = options.sourceAdmin;
    this.targetAdmin = options.targetAdmin;
    this.log = options.logger;
  }

  /** Remote name of a source topic under the flow's replication policy. */
  remoteTopic(topic: string): string {
    return this.settings.replicationPolicy.formatRemoteTopic(this.settings.sourceAlias, topic);
  }

  /**
   * Lists and describes the source topics the flow mirrors and ensures their remote topics.
   * Topics deleted between listing and describing are left out. Throws MirrorError on admin failures.
   */
  async refresh(): Promise<DiscoveredTopic[]> {
    const names = (await this.sourceAdmin.listTopics()).filter((t) => this.settings.topicFilter.shouldReplicateTopic(t)).sort();
    const described = await this.sourceAdmin.describeTopics(names);
    const topics: DiscoveredTopic[] = [];
    for (const d of described.values()) if (d) topics.push({ ...d, remoteTopic: this.remoteTopic(d.name) });
    await this.ensureRemoteTopics(topics);
    return topics;
  }

  /** Creates missing remote topics and grows remote topics with fewer partitions than their source. */
  async ensureRemoteTopics(topics: readonly DiscoveredTopic[]): Promise<void> {
    const unknown = topics.filter((t) => (this.remotePartitions.get(t.remoteTopic) ?? 0) < t.partitionCount);
    if (unknown.length === 0) return;
    const remote = await this.targetAdmin.describeTopics(unknown.map((t) => t.remoteTopic));
    const toCreate = unknown.filter((t) => !remote.get(t.remoteTopic));
    const configs = this.settings.syncTopicConfigsEnabled ? await this.creationConfigs(toCreate.map((t) => t.name)) : new Map<string, Record<string, string>>();
    for (const t of unknown) {
      const existing = remote.get(t.remoteTopic);
      if (!existing) {
        const t0 = Date.now();
        const created = await this.targetAdmin.createTopic(t.remoteTopic, t.partitionCount, this.settings.replicationFactor, configs.get(t.name) ?? {});
        this.log.info(
          { topic: t.name, remoteTopic: t.remoteTopic, partitions: t.partitionCount, configs: configs.get(t.name) ?? {}, created, durationMs: Date.now() - t0 },
          `Created remote topic ${t.remoteTopic}`,
        );
        this.remotePartitions.set(t.remoteTopic, t.partitionCount);
      } else if (existing.partitionCount < t.partitionCount) {
        await this.targetAdmin.createPartitions(t.remoteTopic, t.partitionCount);
        this.log.info({ topic: t.name, remoteTopic: t.remoteTopic, from: existing.partitionCount, to: t.partitionCount }, `Grew remote topic ${t.remoteTopic}`);
        this.remotePartitions.set(t.remoteTopic, t.partitionCount);
      } else {
        this.remotePartitions.set(t.remoteTopic, existing.partitionCount);
      }
    }
  }

  /** Source topic → the overrides its remote topic is created with (MM2 `createNewTopics`). Throws MirrorError on admin failures. */
  private async creationConfigs(topics: readonly string[]): Promise<Map<string, Record<string, string>>> {
    if (topics.length === 0) return new Map();
    const policy = { exclude: this.settings.configPropertiesExclude, useDefaultsFrom: this.settings.useDefaultsFrom ?? USE_DEFAULTS_FROM_DEFAULT };
    const client = this.sourceConfigs ?? new TopicConfigAdmin(this.settings.source, 'kafka-mirror-configs');
    try {
      const described = await client.describeTopicConfigs(topics);
      return new Map([...described].map(([topic, entries]) => [topic, createTopicConfigs(entries, policy)]));
    } finally {
      if (client !== this.sourceConfigs) await client.close();
    }
  }
}
