/**
 * Periodic topic-config sync of one flow, as MM2's `MirrorSourceConnector.syncTopicConfigs`: at start
 * and every `sync.topic.configs.interval.seconds` (600), every source topic the flow mirrors whose
 * remote topic exists on the target gets its remote topic's overrides brought in line with the source
 * (engine/discovery/topic-config-plan.ts decides what, MM2 4.1.1's rules). Off with
 * `sync.topic.configs.enabled=false` (MM2 then schedules nothing either).
 *
 * Differences from MM2, on purpose: a topic is written only when its overrides differ (MM2 sends
 * IncrementalAlterConfigs for every topic every interval), with one info line naming the keys; and the
 * write is a full AlterConfigs replace (kafkajs has no IncrementalAlterConfigs), whose desired set
 * carries the remote topic's unmanaged overrides along so none is lost. A remote override changed by
 * someone else between this pass's describe and its write can still be overwritten: the replace is
 * not conditional. A failed pass is logged (warn) and retried at the next interval; it never stops
 * the flow (MM2 logs and carries on too).
 */
import type { Logger } from '../core/logger.ts';
import type { TopicFilter } from '../config/topic-filter.ts';
import type { ReplicationPolicy } from '../mm2/replication-policy.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';
import { MirrorError } from '../core/errors.ts';
import { TopicConfigAdmin, type TopicConfigEntry } from '../kafka/topic-configs.ts';
import { USE_DEFAULTS_FROM_DEFAULT, planChanges, planTopicConfigs, type UseDefaultsFrom } from './topic-config-plan.ts';
import { PeriodicPass } from './periodic-pass.ts';

/** What the sync needs from a flow's config (FlowConfig satisfies it). Durations in ms. */
export interface TopicConfigSyncSettings {
  /** Flow name, e.g. `primary->standby`. */
  name: string;
  sourceAlias: string;
  targetAlias: string;
  source: ClusterClientSettings;
  target: ClusterClientSettings;
  topicFilter: TopicFilter;
  replicationPolicy: ReplicationPolicy;
  syncTopicConfigsEnabled: boolean;
  /** `sync.topic.configs.interval.seconds` × 1000. */
  syncTopicConfigsIntervalMs: number;
  configPropertiesExclude: readonly RegExp[];
  /** MM2's `use.defaults.from`; undefined = `target` (MM2's default). */
  useDefaultsFrom?: UseDefaultsFrom | undefined;
}

/** The topic-config calls the sync makes on one cluster (engine/kafka/topic-configs.ts TopicConfigAdmin). */
export interface TopicConfigsPort {
  listTopics(): Promise<string[]>;
  /** topic → every config entry; a missing topic may fail the call. */
  describeTopicConfigs(topics: readonly string[]): Promise<Map<string, TopicConfigEntry[]>>;
  /** Makes `configs` the complete set of the topic's overrides. */
  replaceTopicConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void>;
  close(): Promise<void>;
}

/** Outcome of one pass: topics compared, remote topics written, remote topics whose write failed or was refused. */
export interface TopicConfigSyncPass {
  topics: number;
  changed: string[];
  failed: string[];
}

/**
 * Syncs the configs of one flow's remote topics. `start()` schedules passes (first one at once; the
 * clients are closed after each scheduled pass), `stop()` ends them and closes the clients;
 * {@link syncOnce} runs one pass.
 * Invariant: at most one pass runs at a time (the next one is scheduled when the previous one ends).
 */
export class TopicConfigSync {
  private readonly settings: TopicConfigSyncSettings;
  private readonly source: TopicConfigsPort;
  private readonly target: TopicConfigsPort;
  private readonly log: Logger;
  private readonly passes: PeriodicPass;
  /** Remote topics already warned about for overrides a full replace cannot preserve (warn once each). */
  private readonly warnedUnpreservable = new Set<string>();

  /** `source` / `target`: the flow's clusters' config clients; `logger`: the engine logger (a child is taken). */
  constructor(options: { settings: TopicConfigSyncSettings; source: TopicConfigsPort; target: TopicConfigsPort; logger: Logger }) {
    this.settings = options.settings;
    this.passes = new PeriodicPass(this.settings.syncTopicConfigsIntervalMs, () => this.runPass());
    this.source = options.source;
    this.target = options.target;
    this.log = options.logger.child({ component: 'topic-config-sync', flow: options.settings.name });
  }

  /** A sync over kafkajs admin clients of the flow's source and target clusters (connected on first use). */
  static forFlow(settings: TopicConfigSyncSettings, logger: Logger): TopicConfigSync {
    const clientId = (side: string) => `kafka-mirror-${settings.name}-${side}-configs`;
    return new TopicConfigSync({
      settings,
      source: new TopicConfigAdmin(settings.source, clientId('source')),
      target: new TopicConfigAdmin(settings.target, clientId('target')),
      logger,
    });
  }

  /** Schedules passes: one now, then one every `syncTopicConfigsIntervalMs` from the start of the previous. No-op when disabled or stopped. */
  start(): void {
    if (!this.settings.syncTopicConfigsEnabled || this.passes.stopped || this.passes.active) return;
    this.log.info(
      { event: 'topic_config_sync_started', intervalMs: this.settings.syncTopicConfigsIntervalMs, useDefaultsFrom: this.useDefaultsFrom },
      `Topic config sync of ${this.settings.name} every ${this.settings.syncTopicConfigsIntervalMs} ms`,
    );
    this.passes.start();
  }

  /** Stops scheduling, waits for a pass in progress (its clients are closed first, so it ends soon) and closes the clients. Idempotent. */
  async stop(): Promise<void> {
    const stopping = this.passes.stop();
    await this.closeClients();
    await stopping;
    await this.closeClients(); // a pass may have reconnected before it saw `stopped`
  }

  /**
   * One pass: lists the flow's source topics and the target's topics, describes both sides' configs
   * and writes each remote topic whose overrides differ from the plan. Per-topic write failures are
   * logged (warn) and reported in `failed`; listing or describing failures throw MirrorError.
   */
  async syncOnce(): Promise<TopicConfigSyncPass> {
    const t0 = Date.now();
    const { topicFilter, replicationPolicy, sourceAlias } = this.settings;
    const [sourceTopics, targetTopics] = await Promise.all([this.source.listTopics(), this.target.listTopics()]);
    const existing = new Set(targetTopics);
    // MM2 `topicsBeingReplicated`: mirrored source topics whose remote topic exists.
    const pairs = sourceTopics
      .filter((t) => topicFilter.shouldReplicateTopic(t))
      .sort()
      .map((topic) => ({ topic, remoteTopic: replicationPolicy.formatRemoteTopic(sourceAlias, topic) }))
      .filter((p) => existing.has(p.remoteTopic));
    const pass: TopicConfigSyncPass = { topics: pairs.length, changed: [], failed: [] };
    if (pairs.length === 0 || this.passes.stopped) return pass;
    const [sourceConfigs, targetConfigs] = await Promise.all([
      this.source.describeTopicConfigs(pairs.map((p) => p.topic)),
      this.target.describeTopicConfigs(pairs.map((p) => p.remoteTopic)),
    ]);
    const policy = { exclude: this.settings.configPropertiesExclude, useDefaultsFrom: this.useDefaultsFrom };
    for (const { topic, remoteTopic } of pairs) {
      if (this.passes.stopped) break;
      const plan = planTopicConfigs(sourceConfigs.get(topic) ?? [], targetConfigs.get(remoteTopic) ?? [], policy);
      const keys = planChanges(plan);
      if (keys.length === 0) continue;
      if (plan.unpreservable.length > 0) {
        pass.failed.push(remoteTopic);
        if (!this.warnedUnpreservable.has(remoteTopic)) {
          this.warnedUnpreservable.add(remoteTopic);
          this.log.warn(
            { event: 'topic_configs_not_synced', topic, remoteTopic, keys, unpreservable: plan.unpreservable },
            `Configs of remote topic ${remoteTopic} not synced: its sensitive overrides ${plan.unpreservable.join(', ')} cannot be read back, and a full AlterConfigs would drop them`,
          );
        }
        continue;
      }
      const started = Date.now();
      try {
        await this.target.replaceTopicConfigs(remoteTopic, plan.desired);
      } catch (err) {
        pass.failed.push(remoteTopic);
        this.log.warn({ event: 'topic_configs_write_failed', topic, remoteTopic, keys, err: errorFields(err) }, `Could not sync configs of remote topic ${remoteTopic}: ${errorFields(err).message}`);
        continue;
      }
      pass.changed.push(remoteTopic);
      this.log.info(
        { event: 'topic_configs_synced', topic, remoteTopic, set: plan.set, deleted: plan.deleted, durationMs: Date.now() - started },
        `Synced configs of remote topic ${remoteTopic}: ${keys.join(', ')}`,
      );
    }
    this.log.debug({ event: 'topic_config_sync_pass', ...pass, durationMs: Date.now() - t0 }, `Topic config sync pass: ${pass.topics} topics, ${pass.changed.length} changed`);
    return pass;
  }

  private get useDefaultsFrom(): UseDefaultsFrom {
    return this.settings.useDefaultsFrom ?? USE_DEFAULTS_FROM_DEFAULT;
  }

  private async runPass(): Promise<void> {
    try {
      await this.syncOnce();
    } catch (err) {
      if (this.passes.stopped) return; // clients closed under the pass by stop()
      this.log.warn({ event: 'topic_config_sync_failed', err: errorFields(err) }, `Topic config sync of ${this.settings.name} failed (retried in ${this.settings.syncTopicConfigsIntervalMs} ms): ${errorFields(err).message}`);
    } finally {
      // Connected for one pass only: the default interval (600 s) equals the brokers' default
      // connections.max.idle.ms, so a kept connection would often be found closed at the next pass.
      await this.closeClients();
    }
  }

  private async closeClients(): Promise<void> {
    await Promise.all([this.source.close(), this.target.close()]);
  }
}

/** Loggable fields of an error (code and message only: a kafkajs `cause` is large and adds nothing). */
function errorFields(err: unknown): { code?: string; message: string } {
  if (err instanceof MirrorError) return { code: err.code, message: err.message };
  return { message: err instanceof Error ? err.message : String(err) };
}
