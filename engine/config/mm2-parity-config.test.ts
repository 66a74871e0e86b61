/**
 * The MM2-parity keys of issue 14 as parsed: heartbeat-only cluster pairs (MM2 4.1.1
 * `MirrorMakerConfig.clusterPairs`), the source consumer's `auto.offset.reset` as the start position of
 * partitions without progress, and topic/group ACL sync keys.
 */
import { describe, expect, it } from 'vitest';
import { parseMirrorConfig, redactConfig } from './config.ts';
import { ConfigError } from '../core/errors.ts';

const BASE = [
  'clusters = primary, standby',
  'primary.bootstrap.servers = 127.0.0.1:9092',
  'standby.bootstrap.servers = 127.0.0.1:9093',
  'primary->standby.enabled = true',
];
const parse = (...extra: string[]) => parseMirrorConfig([...BASE, ...extra].join('\n'), { env: {} });

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('heartbeat-only cluster pairs (MM2 clusterPairs)', () => {
  it('a one-way flow gets the reverse pair, writing heartbeats to the flow source with that cluster\'s settings', () => {
    const { config, warnings } = parse('primary.producer.linger.ms = 7', 'heartbeats.topic.replication.factor = 1');
    expect(warnings).toEqual([]);
    expect(config.heartbeatPairs).toHaveLength(1);
    const pair = config.heartbeatPairs[0]!;
    expect(pair).toMatchObject({
      name: 'standby->primary', sourceAlias: 'standby', targetAlias: 'primary', heartbeatsTopic: 'heartbeats',
      emitHeartbeatsIntervalMs: 1000, heartbeatsTopicReplicationFactor: 1,
    });
    expect(pair.target.alias).toBe('primary');
    expect(pair.target.producer).toMatchObject({ 'bootstrap.servers': '127.0.0.1:9092', 'linger.ms': '7' });
  });

  it('is off with emit.heartbeats.enabled = false, top-level or for the pair; pair-level keys win', () => {
    expect(parse('emit.heartbeats.enabled = false').config.heartbeatPairs).toEqual([]);
    expect(parse('standby->primary.emit.heartbeats.enabled = false').config.heartbeatPairs).toEqual([]);
    const on = parse('emit.heartbeats.enabled = false', 'standby->primary.emit.heartbeats.enabled = true', 'standby->primary.emit.heartbeats.interval.seconds = 3');
    expect(on.config.heartbeatPairs.map((p) => [p.name, p.emitHeartbeatsIntervalMs])).toEqual([['standby->primary', 3000]]);
  });

  it('enabled flows are not pairs (they emit their own heartbeats); every other ordered pair of clusters is', () => {
    expect(parse('standby->primary.enabled = true').config.heartbeatPairs).toEqual([]);
    const three = parseMirrorConfig([...BASE.map((l) => (l.startsWith('clusters') ? 'clusters = primary, standby, dr' : l)), 'dr.bootstrap.servers = 127.0.0.1:9094'].join('\n'), { env: {} });
    expect(three.config.heartbeatPairs.map((p) => p.name)).toEqual(['primary->dr', 'standby->primary', 'standby->dr', 'dr->primary', 'dr->standby']);
  });

  it('skips a pair whose target has no bootstrap servers, with a warning that says how to silence it', () => {
    const { config, warnings } = parseMirrorConfig(BASE.map((l) => (l.startsWith('clusters') ? 'clusters = primary, standby, lab' : l)).join('\n'), { env: {} });
    // A pair only writes to its target: lab->primary needs primary's servers, not lab's (as MM2).
    expect(config.heartbeatPairs.map((p) => p.name)).toEqual(['standby->primary', 'lab->primary', 'lab->standby']);
    expect(warnings.filter((w) => w.includes("'lab.bootstrap.servers' is not set"))).toHaveLength(2);
    expect(warnings[0]).toContain("set 'primary->lab.emit.heartbeats.enabled = false'");
  });

  it('validates pair-level values like flow values', () => {
    expect(configError(() => parse('standby->primary.emit.heartbeats.interval.seconds = 0')).key).toBe('standby->primary.emit.heartbeats.interval.seconds');
  });

  it('redactConfig shows the pairs without secrets', () => {
    const { config } = parse('primary.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p4ss";');
    const text = JSON.stringify(redactConfig(config).heartbeatPairs);
    expect(text).toContain('standby->primary');
    expect(text).not.toContain('p4ss');
  });
});

describe('auto.offset.reset of the source consumer', () => {
  it('defaults to earliest; latest from any consumer layer of the source side, most specific wins', () => {
    expect(parse().config.flows[0]?.autoOffsetReset).toBe('earliest');
    expect(parse('primary.consumer.auto.offset.reset = latest').config.flows[0]?.autoOffsetReset).toBe('latest');
    expect(parse('consumer.auto.offset.reset = LATEST').config.flows[0]?.autoOffsetReset).toBe('latest');
    expect(parse('primary.consumer.auto.offset.reset = latest', 'primary->standby.source.consumer.auto.offset.reset = earliest').config.flows[0]?.autoOffsetReset).toBe('earliest');
  });

  it('a target-side setting does not move the source start, and never warns or reaches a client config', () => {
    const { config, warnings } = parse('standby.consumer.auto.offset.reset = latest');
    expect(config.flows[0]?.autoOffsetReset).toBe('earliest');
    expect(warnings).toEqual([]);
    expect(config.flows[0]?.target.consumer['auto.offset.reset']).toBeUndefined();
  });

  it('anything but earliest or latest is a ConfigError naming the key as written', () => {
    const err = configError(() => parse('primary.consumer.auto.offset.reset = none'));
    expect(err.key).toBe('primary.consumer.auto.offset.reset');
    expect(err.value).toBe('none');
    expect(err.message).toContain('earliest or latest');
  });
});

describe('ACL sync keys', () => {
  it('are MM2 keys with MM2 defaults (no longer ignored), plus our group switch', () => {
    const { config, warnings } = parse();
    expect(warnings).toEqual([]);
    expect(config.flows[0]).toMatchObject({ syncTopicAclsEnabled: true, syncTopicAclsIntervalMs: 600_000, syncGroupAclsEnabled: true });
    const custom = parse('sync.topic.acls.enabled = false', 'primary->standby.sync.topic.acls.interval.seconds = 30', 'sync.group.acls.enabled = false');
    expect(custom.warnings).toEqual([]);
    expect(custom.config.flows[0]).toMatchObject({ syncTopicAclsEnabled: false, syncTopicAclsIntervalMs: 30_000, syncGroupAclsEnabled: false });
    expect(configError(() => parse('sync.topic.acls.interval.seconds = -1')).key).toBe('sync.topic.acls.interval.seconds');
  });
});
