import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import {
  DefaultReplicationPolicy, IdentityReplicationPolicy, POLICY_CLASS_NAMES, createReplicationPolicy,
} from './replication-policy.ts';

const TOPIC_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-'.split('');
const topicArb = fc.string({ unit: fc.constantFrom(...TOPIC_CHARS), minLength: 1, maxLength: 60 });
/** An alias `a` is usable with `sep` when the first `sep` in `a + sep` is the one after the alias. */
const aliasArb = (sep: string): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...TOPIC_CHARS), minLength: 1, maxLength: 20 })
    .filter((a) => `${a}${sep}`.indexOf(sep) === a.length);

describe('DefaultReplicationPolicy', () => {
  const policy = new DefaultReplicationPolicy();

  it('names remote topics <source>.<topic> and parses them back', () => {
    expect(policy.formatRemoteTopic('primary', 'commit-log')).toBe('primary.commit-log');
    expect(policy.topicSource('primary.commit-log')).toBe('primary');
    expect(policy.upstreamTopic('primary.commit-log')).toBe('commit-log');
    expect(policy.originalTopic('primary.commit-log')).toBe('commit-log');
  });

  it('follows multi-hop names to the original topic', () => {
    expect(policy.topicSource('b.a.orders')).toBe('b');
    expect(policy.upstreamTopic('b.a.orders')).toBe('a.orders');
    expect(policy.originalTopic('b.a.orders')).toBe('orders');
  });

  it('reports non-remote topics as such', () => {
    expect(policy.topicSource('orders')).toBeUndefined();
    expect(policy.upstreamTopic('orders')).toBeUndefined();
    expect(policy.originalTopic('orders')).toBe('orders');
    expect(policy.topicSource('.hidden')).toBeUndefined(); // an alias is never empty
    expect(policy.topicSource('primary.')).toBeUndefined();
  });

  it('names MM2 internal topics and our progress topic', () => {
    expect(policy.heartbeatsTopic()).toBe('heartbeats');
    expect(policy.offsetSyncsTopic('standby')).toBe('mm2-offset-syncs.standby.internal');
    expect(policy.checkpointsTopic('primary')).toBe('primary.checkpoints.internal');
    expect(policy.progressTopic('primary')).toBe('mm2-progress.primary.internal');
  });

  it('uses a custom separator in remote and internal names, unless the MM2 compatibility switch is off', () => {
    const underscore = new DefaultReplicationPolicy({ separator: '_' });
    expect(underscore.formatRemoteTopic('primary', 'orders')).toBe('primary_orders');
    expect(underscore.topicSource('primary_orders')).toBe('primary');
    expect(underscore.offsetSyncsTopic('standby')).toBe('mm2-offset-syncs_standby_internal');
    expect(underscore.checkpointsTopic('primary')).toBe('primary_checkpoints_internal');
    expect(underscore.progressTopic('primary')).toBe('mm2-progress_primary_internal');
    expect(underscore.isInternalTopic('mm2-progress_primary_internal')).toBe(true);
    const legacy = new DefaultReplicationPolicy({ separator: '_', internalTopicSeparatorEnabled: false });
    expect(legacy.formatRemoteTopic('primary', 'orders')).toBe('primary_orders');
    expect(legacy.offsetSyncsTopic('standby')).toBe('mm2-offset-syncs.standby.internal');
    expect(legacy.checkpointsTopic('primary')).toBe('primary.checkpoints.internal');
  });

  it('classifies internal topics as MM2 does', () => {
    for (const t of ['__consumer_offsets', '__transaction_state', '.hidden', 'mm2-offsets.primary.internal',
      'mm2-offset-syncs.standby.internal', 'primary.checkpoints.internal', 'mm2-progress.primary.internal',
      'connect-offsets-internal']) {
      expect(policy.isInternalTopic(t), t).toBe(true);
    }
    // Not internal: user topics that merely look like it would otherwise never be mirrored, silently.
    for (const t of ['orders', 'heartbeats', 'primary.heartbeats', 'mm2-orders', 'internal', 'my_internal']) {
      expect(policy.isInternalTopic(t), t).toBe(false);
    }
    expect(policy.isMM2InternalTopic('mm2-offsets.primary.internal')).toBe(true);
    expect(policy.isCheckpointsTopic('primary.checkpoints.internal')).toBe(true);
    expect(policy.isCheckpointsTopic('primary.orders')).toBe(false);
  });

  it('recognises heartbeats topics after any number of hops', () => {
    expect(policy.isHeartbeatsTopic('heartbeats')).toBe(true);
    expect(policy.isHeartbeatsTopic('primary.heartbeats')).toBe(true);
    expect(policy.isHeartbeatsTopic('b.a.heartbeats')).toBe(true);
    expect(policy.isHeartbeatsTopic('myheartbeats')).toBe(false);
    expect(policy.isHeartbeatsTopic('heartbeats.primary')).toBe(false);
  });

  it('detects cycles by following sources upstream', () => {
    expect(policy.isCycle('standby.orders', 'standby')).toBe(true);
    expect(policy.isCycle('primary.standby.orders', 'standby')).toBe(true);
    expect(policy.isCycle('primary.orders', 'standby')).toBe(false);
    expect(policy.isCycle('orders', 'standby')).toBe(false);
    expect(policy.isCycle('standby.heartbeats', 'standby')).toBe(true);
  });

  it('rejects an empty or illegal separator with a ConfigError naming the key', () => {
    expect(() => new DefaultReplicationPolicy({ separator: '' })).toThrow(
      "Invalid config: 'replication.policy.separator' = '' (expected a non-empty string of topic-name characters [a-zA-Z0-9._-])",
    );
    expect(() => new DefaultReplicationPolicy({ separator: '::', separatorKey: 'a->b.replication.policy.separator' }))
      .toThrow("'a->b.replication.policy.separator' = '::'");
  });

  it('upstreamTopic(formatRemoteTopic(a, t)) === t for any alias without the separator (property, seed 42)', () => {
    for (const separator of ['.', '_', '__', '-']) {
      const p = new DefaultReplicationPolicy({ separator });
      fc.assert(
        fc.property(aliasArb(separator), topicArb, (alias, topic) => {
          const remote = p.formatRemoteTopic(alias, topic);
          expect(p.upstreamTopic(remote)).toBe(topic);
          expect(p.topicSource(remote)).toBe(alias);
          expect(p.isCycle(remote, alias)).toBe(true);
        }),
        { seed: 42, numRuns: 500 },
      );
    }
  });

  it('originalTopic undoes any chain of hops for a topic without the separator (property, seed 42)', () => {
    const plain = fc.string({ unit: fc.constantFrom(...'abcxyz019_-'.split('')), minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(fc.array(aliasArb('.'), { maxLength: 5 }), plain, (hops, topic) => {
        const remote = hops.reduce((t, alias) => policy.formatRemoteTopic(alias, t), topic);
        expect(policy.originalTopic(remote)).toBe(topic);
        expect(policy.isHeartbeatsTopic(hops.reduce((t, a) => policy.formatRemoteTopic(a, t), 'heartbeats'))).toBe(true);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('IdentityReplicationPolicy', () => {
  const policy = new IdentityReplicationPolicy();

  it('keeps topic names, except heartbeats which get the default naming', () => {
    expect(policy.formatRemoteTopic('primary', 'commit-log')).toBe('commit-log');
    expect(policy.formatRemoteTopic('primary', 'heartbeats')).toBe('primary.heartbeats');
    expect(policy.topicSource('commit-log')).toBeUndefined();
    expect(policy.upstreamTopic('commit-log')).toBe('commit-log');
    expect(policy.originalTopic('commit-log')).toBe('commit-log');
    expect(policy.topicSource('primary.heartbeats')).toBe('primary');
    expect(policy.isHeartbeatsTopic('primary.heartbeats')).toBe(true);
  });

  it('cannot see cycles from names alone, except through source.cluster.alias and heartbeats', () => {
    expect(policy.isCycle('commit-log', 'standby')).toBe(false);
    expect(policy.isCycle('standby.heartbeats', 'standby')).toBe(true);
    const withAlias = new IdentityReplicationPolicy({ sourceClusterAlias: 'standby' });
    expect(withAlias.topicSource('commit-log')).toBe('standby');
    expect(withAlias.isCycle('commit-log', 'standby')).toBe(true);
    expect(withAlias.isCycle('commit-log', 'primary')).toBe(false);
  });

  it('names internal topics like the default policy', () => {
    expect(policy.offsetSyncsTopic('standby')).toBe('mm2-offset-syncs.standby.internal');
    expect(policy.checkpointsTopic('primary')).toBe('primary.checkpoints.internal');
    expect(policy.progressTopic('primary')).toBe('mm2-progress.primary.internal');
  });

  it('formatRemoteTopic is the identity for non-heartbeat names (property, seed 42)', () => {
    fc.assert(
      fc.property(aliasArb('.'), topicArb.filter((t) => !t.endsWith('heartbeats')), (alias, topic) => {
        expect(policy.formatRemoteTopic(alias, topic)).toBe(topic);
        expect(policy.originalTopic(topic)).toBe(topic);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('createReplicationPolicy', () => {
  it.each([
    [POLICY_CLASS_NAMES.default, POLICY_CLASS_NAMES.default],
    ['Default', POLICY_CLASS_NAMES.default],
    ['DefaultReplicationPolicy', POLICY_CLASS_NAMES.default],
    [undefined, POLICY_CLASS_NAMES.default],
    [POLICY_CLASS_NAMES.identity, POLICY_CLASS_NAMES.identity],
    ['Identity', POLICY_CLASS_NAMES.identity],
    [' IdentityReplicationPolicy ', POLICY_CLASS_NAMES.identity],
  ])('maps %s to %s', (name, className) => {
    expect(createReplicationPolicy(name).className).toBe(className);
  });

  it('passes the separator and options through', () => {
    const policy = createReplicationPolicy('Default', '_', { internalTopicSeparatorEnabled: false });
    expect(policy.formatRemoteTopic('a', 't')).toBe('a_t');
    expect(policy.checkpointsTopic('a')).toBe('a.checkpoints.internal');
  });

  it('rejects anything else with a ConfigError naming replication.policy.class and the value', () => {
    let error: unknown;
    try {
      createReplicationPolicy('com.acme.CustomReplicationPolicy');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', key: 'replication.policy.class', value: 'com.acme.CustomReplicationPolicy' });
    expect((error as Error).message).toContain(
      "Invalid config: 'replication.policy.class' = 'com.acme.CustomReplicationPolicy' (expected one of org.apache.kafka.connect.mirror.DefaultReplicationPolicy",
    );
    expect(() => createReplicationPolicy('Nope', '.', { classKey: 'a->b.replication.policy.class' }))
      .toThrow("'a->b.replication.policy.class' = 'Nope'");
  });
});
