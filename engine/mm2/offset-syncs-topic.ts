/**
 * Where a flow's offset syncs live, as MM2 4.1.1 decides it (`MirrorSourceConfig.offsetSyncsTopic()` and
 * `MirrorCheckpointConfig.offsetSyncsTopic()`, checked against connect-mirror-4.1.1.jar): on the cluster
 * named by `offset-syncs.topic.location`, in `mm2-offset-syncs.<alias>.internal` named after the OTHER
 * cluster of the flow — the target alias when the topic is on the source (the default), the SOURCE
 * alias when it is on the target, so two flows into one target never share a syncs topic. The name
 * itself comes from the replication policy (`ReplicationPolicy.offsetSyncsTopic`).
 */
import type { ReplicationPolicy } from './replication-policy.ts';

/** The offset-syncs topic of one flow: its name, which side of the flow holds it, and an older name to read. */
export interface OffsetSyncsTopicPlacement {
  /** e.g. `mm2-offset-syncs.standby.internal` (location source) or `mm2-offset-syncs.primary.internal` (location target). */
  readonly topic: string;
  /** The flow side whose cluster holds the topic (`offset-syncs.topic.location`). */
  readonly side: 'source' | 'target';
  /**
   * With location `target`: the name earlier versions of this engine used there (named after the target
   * alias, so every flow into the target shared it). Read at start so translation survives the upgrade;
   * never written. Undefined with location `source` (the name did not change).
   */
  readonly legacyTopic?: string;
}

/**
 * The offset-syncs topic of flow `sourceAlias->targetAlias` with `offset-syncs.topic.location` =
 * `location`, per MM2 4.1.1 (module doc). Pure.
 */
export function offsetSyncsTopicOf(policy: Pick<ReplicationPolicy, 'offsetSyncsTopic'>, sourceAlias: string, targetAlias: string, location: 'source' | 'target'): OffsetSyncsTopicPlacement {
  if (location === 'source') return { topic: policy.offsetSyncsTopic(targetAlias), side: 'source' };
  return { topic: policy.offsetSyncsTopic(sourceAlias), side: 'target', legacyTopic: policy.offsetSyncsTopic(targetAlias) };
}
