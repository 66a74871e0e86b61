import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import type { Logger } from '../core/logger.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { CONFIG_SOURCE, type TopicConfigEntry } from '../kafka/topic-configs.ts';
import { TopicFilter, compilePatternList } from '../config/topic-filter.ts';
import { CONFIG_PROPERTIES_EXCLUDE_DEFAULT } from '../config/config-values.ts';
import { createReplicationPolicy } from '../mm2/replication-policy.ts';
import { TopicConfigSync, type TopicConfigSyncSettings, type TopicConfigsPort } from './topic-config-sync.ts';

const DEFAULTS: Record<string, string> = { 'retention.ms': '604800000', 'cleanup.policy': 'delete', 'max.message.bytes': '1048588', 'min.insync.replicas': '1' };

/** A cluster's topics and their topic-level overrides; describe reports every other config at its default. */
class FakeCluster implements TopicConfigsPort {
  readonly overrides = new Map<string, Record<string, string>>();
  readonly writes: { topic: string; configs: Record<string, string> }[] = [];
  calls = 0;
  closed = 0;
  failWritesOf = new Set<string>();

  constructor(topics: Record<string, Record<string, string>>) {
    for (const [t, o] of Object.entries(topics)) this.overrides.set(t, { ...o });
  }

  async listTopics(): Promise<string[]> {
    this.calls++;
    return [...this.overrides.keys()];
  }

  async describeTopicConfigs(topics: readonly string[]): Promise<Map<string, TopicConfigEntry[]>> {
    this.calls++;
    return new Map(
      topics.map((t) => {
        const o = this.overrides.get(t);
        if (!o) throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `describing ${t} failed: UNKNOWN_TOPIC_OR_PARTITION`);
        const entries = Object.entries({ ...DEFAULTS, ...o }).map(([name, value]) => ({
          name, value, source: name in o ? CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG : CONFIG_SOURCE.DEFAULT_CONFIG, readOnly: false, sensitive: false,
        }));
        return [t, entries];
      }),
    );
  }

  async replaceTopicConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void> {
    this.calls++;
    if (this.failWritesOf.has(topic)) throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `altering configs of ${topic} failed: POLICY_VIOLATION`);
    this.writes.push({ topic, configs: { ...configs } });
    this.overrides.set(topic, { ...configs });
  }

  async close(): Promise<void> {
    this.closed++;
  }
}

/** A debug logger whose JSON lines land in `lines`. */
function capture(lines: Record<string, unknown>[]): Logger {
  const stream = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)), cb()) });
  return pino({ level: 'debug', customLevels: { critical: 55 } }, stream) as unknown as Logger;
}

function settings(overrides: Partial<TopicConfigSyncSettings> = {}): TopicConfigSyncSettings {
  const replicationPolicy = overrides.replicationPolicy ?? createReplicationPolicy(undefined);
  return {
    name: 'primary->standby', sourceAlias: 'primary', targetAlias: 'standby',
    source: { alias: 'primary', bootstrapServers: 'x:1', client: {}, consumer: {}, producer: {}, admin: {} },
    target: { alias: 'standby', bootstrapServers: 'x:2', client: {}, consumer: {}, producer: {}, admin: {} },
    topicFilter: new TopicFilter({ replicationPolicy, targetAlias: 'standby', include: 'orders.*' }),
    replicationPolicy,
    syncTopicConfigsEnabled: true,
    syncTopicConfigsIntervalMs: 1000,
    configPropertiesExclude: compilePatternList('config.properties.exclude', CONFIG_PROPERTIES_EXCLUDE_DEFAULT),
    ...overrides,
  };
}

function setup(source: FakeCluster, target: FakeCluster, s: Partial<TopicConfigSyncSettings> = {}) {
  const lines: Record<string, unknown>[] = [];
  const sync = new TopicConfigSync({ settings: settings(s), source, target, logger: capture(lines) });
  return { sync, lines, synced: () => lines.filter((l) => l.event === 'topic_configs_synced') };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('TopicConfigSync.syncOnce', () => {
  it('writes each remote topic whose overrides differ, with the full desired set, and logs the keys once per topic', async () => {
    const source = new FakeCluster({ 'orders-a': { 'retention.ms': '7200000' }, 'orders-b': { 'cleanup.policy': 'compact' }, other: { 'retention.ms': '1' } });
    const target = new FakeCluster({
      'primary.orders-a': { 'retention.ms': '3600000', 'min.insync.replicas': '2' }, // min.insync.replicas: excluded, kept
      'primary.orders-b': { 'cleanup.policy': 'compact' },
      'primary.other': {},
    });
    const { sync, synced } = setup(source, target);
    const pass = await sync.syncOnce();
    expect(pass).toEqual({ topics: 2, changed: ['primary.orders-a'], failed: [] });
    expect(target.writes).toEqual([{ topic: 'primary.orders-a', configs: { 'retention.ms': '7200000', 'min.insync.replicas': '2' } }]);
    expect(synced()).toMatchObject([{ topic: 'orders-a', remoteTopic: 'primary.orders-a', set: { 'retention.ms': '7200000' }, deleted: [], msg: 'Synced configs of remote topic primary.orders-a: retention.ms' }]);
  });

  it('writes nothing on the next pass when nothing changed, and follows later source changes and deletions', async () => {
    const source = new FakeCluster({ 'orders-a': { 'retention.ms': '7200000', 'cleanup.policy': 'compact' } });
    const target = new FakeCluster({ 'primary.orders-a': {} });
    const { sync, synced } = setup(source, target);
    await sync.syncOnce();
    await sync.syncOnce();
    expect(target.writes).toHaveLength(1);
    source.overrides.set('orders-a', { 'cleanup.policy': 'compact' }); // retention.ms deleted on the source
    await sync.syncOnce();
    expect(target.overrides.get('primary.orders-a')).toEqual({ 'cleanup.policy': 'compact' });
    expect(synced().at(-1)).toMatchObject({ set: {}, deleted: ['retention.ms'], msg: 'Synced configs of remote topic primary.orders-a: retention.ms' });
  });

  it('syncs a remote topic that existed before (IdentityReplicationPolicy keeps the name) and skips topics without a remote topic', async () => {
    const replicationPolicy = createReplicationPolicy('IdentityReplicationPolicy');
    const source = new FakeCluster({ 'orders-a': { 'retention.ms': '5' }, 'orders-new': { 'retention.ms': '6' } });
    const target = new FakeCluster({ 'orders-a': { 'max.message.bytes': '2000000' } });
    const { sync } = setup(source, target, { replicationPolicy, topicFilter: new TopicFilter({ replicationPolicy, targetAlias: 'standby', include: 'orders.*' }) });
    expect(await sync.syncOnce()).toEqual({ topics: 1, changed: ['orders-a'], failed: [] });
    // max.message.bytes is at its default on the source: MM2 (use.defaults.from=target) deletes the target override.
    expect(target.writes).toEqual([{ topic: 'orders-a', configs: { 'retention.ms': '5' } }]);
  });

  it('honours use.defaults.from=source', async () => {
    const source = new FakeCluster({ 'orders-a': {} });
    const target = new FakeCluster({ 'primary.orders-a': { 'retention.ms': '1' } });
    const { sync } = setup(source, target, { useDefaultsFrom: 'source' });
    await sync.syncOnce();
    expect(target.writes).toEqual([{ topic: 'primary.orders-a', configs: { 'retention.ms': '604800000', 'cleanup.policy': 'delete', 'max.message.bytes': '1048588' } }]);
  });

  it('logs a failed write, carries on with the other topics and reports it', async () => {
    const source = new FakeCluster({ 'orders-a': { 'retention.ms': '1' }, 'orders-b': { 'retention.ms': '2' } });
    const target = new FakeCluster({ 'primary.orders-a': {}, 'primary.orders-b': {} });
    target.failWritesOf.add('primary.orders-a');
    const { sync, lines } = setup(source, target);
    expect(await sync.syncOnce()).toEqual({ topics: 2, changed: ['primary.orders-b'], failed: ['primary.orders-a'] });
    expect(lines.find((l) => l.event === 'topic_configs_write_failed')).toMatchObject({ remoteTopic: 'primary.orders-a', err: { code: 'KAFKA_ERROR' } });
  });
});

describe('TopicConfigSync schedule', () => {
  it('runs a pass at start and then every interval, until stopped; stop closes both clients', async () => {
    vi.useFakeTimers();
    const source = new FakeCluster({ 'orders-a': { 'retention.ms': '1' } });
    const target = new FakeCluster({ 'primary.orders-a': {} });
    const { sync, lines } = setup(source, target);
    const passes = () => lines.filter((l) => l.event === 'topic_config_sync_pass').length;
    sync.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(passes()).toBe(1);
    expect(target.writes).toHaveLength(1);
    source.overrides.set('orders-a', { 'retention.ms': '2' });
    await vi.advanceTimersByTimeAsync(999);
    expect(passes()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(passes()).toBe(2);
    expect(target.overrides.get('primary.orders-a')).toEqual({ 'retention.ms': '2' });
    expect([source.closed, target.closed]).toEqual([2, 2]); // connected for one pass at a time
    await sync.stop();
    const calls = source.calls + target.calls;
    await vi.advanceTimersByTimeAsync(5000);
    expect(passes()).toBe(2);
    expect(source.calls + target.calls).toBe(calls);
    expect([source.closed, target.closed]).toEqual([4, 4]);
  });

  it('a failing pass is logged and retried at the next interval', async () => {
    vi.useFakeTimers();
    const source = new FakeCluster({ 'orders-a': { 'retention.ms': '1' } });
    const target = new FakeCluster({ 'primary.orders-a': {} });
    const listTopics = vi.spyOn(source, 'listTopics').mockRejectedValueOnce(new MirrorError(ERROR_CODES.KAFKA_ERROR, 'listing topics of primary failed: connect ECONNREFUSED'));
    const { sync, lines } = setup(source, target);
    sync.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(lines.find((l) => l.event === 'topic_config_sync_failed')).toMatchObject({ level: 40, err: { code: 'KAFKA_ERROR' } });
    expect(target.writes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(listTopics).toHaveBeenCalledTimes(2);
    expect(target.writes).toHaveLength(1);
    await sync.stop();
  });

  it('does nothing when sync.topic.configs.enabled=false', async () => {
    vi.useFakeTimers();
    const source = new FakeCluster({ 'orders-a': { 'retention.ms': '1' } });
    const target = new FakeCluster({ 'primary.orders-a': {} });
    const { sync } = setup(source, target, { syncTopicConfigsEnabled: false });
    sync.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.calls + target.calls).toBe(0);
    await sync.stop();
  });
});
