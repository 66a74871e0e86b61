import { describe, expect, it } from 'vitest';
import { groupFailure, membershipConsumerConfig, type MembershipSettings } from './group-membership.ts';
import type { ClusterClientSettings } from './kafka-clients.ts';

const cluster: ClusterClientSettings = {
  alias: 'standby',
  bootstrapServers: 'b1:9093',
  client: { 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'PLAIN' },
  // A user's consumer overrides, including group keys the engine decides itself.
  consumer: { 'session.timeout.ms': '45000', 'partition.assignment.strategy': 'range', 'group.protocol': 'consumer', 'fetch.wait.max.ms': '50' },
  producer: {},
  admin: {},
};
const classic: MembershipSettings = { groupId: 'kafka-mirror-primary-standby', protocol: 'classic', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3000 };

describe('membershipConsumerConfig', () => {
  it('classic: cooperative-sticky (KIP-429) with the flow group, the flow timeouts, no commits, security kept', () => {
    expect(membershipConsumerConfig(cluster, 'kafka-mirror-primary->standby-group', classic)).toMatchObject({
      'bootstrap.servers': 'b1:9093',
      'security.protocol': 'SASL_SSL',
      'client.id': 'kafka-mirror-primary->standby-group',
      'group.id': 'kafka-mirror-primary-standby',
      'partition.assignment.strategy': 'cooperative-sticky',
      'session.timeout.ms': 10_000,
      'heartbeat.interval.ms': 3000,
      'enable.auto.commit': false,
      'auto.offset.reset': 'latest',
    });
    expect(membershipConsumerConfig(cluster, 'c', classic)['group.protocol']).toBeUndefined();
  });

  it('consumer (KIP-848): group.protocol=consumer and none of the classic-only keys librdkafka refuses with it, the user\'s included', () => {
    const conf = membershipConsumerConfig(cluster, 'c', { ...classic, protocol: 'consumer' });
    expect(conf['group.protocol']).toBe('consumer');
    for (const key of ['session.timeout.ms', 'heartbeat.interval.ms', 'partition.assignment.strategy']) expect(conf[key], key).toBeUndefined();
  });
});

describe('groupFailure', () => {
  it('makes the refusals retrying cannot cure fatal: settings the broker rejects (CONFIG_INVALID, exit 2) and authorization (AUTH_FAILED, exit 4)', () => {
    expect(groupFailure({ code: 26, message: 'Broker: Invalid session timeout' }, 'g')).toMatchObject({
      code: 'CONFIG_INVALID',
      message: "group g refused this instance: Broker: Invalid session timeout: session.timeout.ms must lie within the broker's group.min.session.timeout.ms and group.max.session.timeout.ms",
    });
    expect(groupFailure({ code: 23, message: 'Broker: Inconsistent group protocol' }, 'g')?.code).toBe('CONFIG_INVALID');
    expect(groupFailure({ code: 30, message: 'Broker: Group authorization failed' }, 'g')?.code).toBe('AUTH_FAILED');
  });

  it('leaves transient group errors to librdkafka: coordinator moving or loading, unknown topic, rebalance in progress', () => {
    for (const code of [14, 15, 16, 3, 27, -195]) expect(groupFailure({ code, message: 'x' }, 'g'), String(code)).toBeUndefined();
  });
});
