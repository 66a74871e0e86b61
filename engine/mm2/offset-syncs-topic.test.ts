import { describe, expect, it } from 'vitest';
import { createReplicationPolicy } from './replication-policy.ts';
import { offsetSyncsTopicOf } from './offset-syncs-topic.ts';

describe('offsetSyncsTopicOf (MM2 4.1.1 MirrorSourceConfig.offsetSyncsTopic)', () => {
  const policy = createReplicationPolicy(undefined);

  it('location source: on the source, named after the target (unchanged)', () => {
    expect(offsetSyncsTopicOf(policy, 'primary', 'standby', 'source')).toEqual({ topic: 'mm2-offset-syncs.standby.internal', side: 'source' });
  });

  it('location target: on the target, named after the SOURCE, with the old target-named topic to read', () => {
    expect(offsetSyncsTopicOf(policy, 'primary', 'standby', 'target')).toEqual({
      topic: 'mm2-offset-syncs.primary.internal', side: 'target', legacyTopic: 'mm2-offset-syncs.standby.internal',
    });
  });

  it('two flows into one target get two topics there', () => {
    const a = offsetSyncsTopicOf(policy, 'east', 'dr', 'target');
    const b = offsetSyncsTopicOf(policy, 'west', 'dr', 'target');
    expect(a.topic).not.toBe(b.topic);
    expect(a.legacyTopic).toBe(b.legacyTopic); // the shared topic of earlier versions
  });

  it('follows the policy separator rules (replication.policy.internal.topic.separator.enabled)', () => {
    const dashed = createReplicationPolicy(undefined, '_');
    expect(offsetSyncsTopicOf(dashed, 'primary', 'standby', 'target').topic).toBe('mm2-offset-syncs_primary_internal');
    const legacySeparator = createReplicationPolicy(undefined, '_', { internalTopicSeparatorEnabled: false });
    expect(offsetSyncsTopicOf(legacySeparator, 'primary', 'standby', 'target').topic).toBe('mm2-offset-syncs.primary.internal');
  });
});
