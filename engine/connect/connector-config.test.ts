import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { POLICY_CLASS_NAMES } from '../mm2/replication-policy.ts';
import { connectorKind, connectorSpec, mergeRedacted, pairConfig, redactConnectorConfig, validateConnector } from './connector-config.ts';

const BASE = {
  'source.cluster.alias': 'source',
  'target.cluster.alias': 'target',
  'source.cluster.bootstrap.servers': 'src:9092',
  'target.cluster.bootstrap.servers': 'tgt:9092',
  'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
};
const source = (extra: Record<string, string> = {}) => connectorSpec('src', { 'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector', ...BASE, ...extra });
const checkpoint = (extra: Record<string, string> = {}) => connectorSpec('cp', { 'connector.class': 'MirrorCheckpointConnector', ...BASE, ...extra });
const heartbeat = (extra: Record<string, string> = {}) => connectorSpec('hb', { 'connector.class': 'MirrorHeartbeat', ...BASE, ...extra });

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('connector configs → engine config', () => {
  it('a source connector becomes the flow source->target with its keys; checkpoints and heartbeats off without their connectors', () => {
    const built = pairConfig({ source: source({ topics: 'orders\\..*, pay=ments', 'source.cluster.client.id': 'x', 'target.cluster.producer.linger.ms': '7', 'truncation.policy': 'continue', 'tasks.max': '2' }) })!;
    expect(built.pair).toBe('source->target');
    expect(built.connectors).toEqual(['src']);
    const [flow] = built.config.flows;
    expect(flow!.name).toBe('source->target');
    expect(flow!.replicationPolicy.className).toBe(POLICY_CLASS_NAMES.identity);
    expect(flow!.source.bootstrapServers).toBe('src:9092');
    expect(flow!.target.producer['linger.ms']).toBe('7');
    expect(flow!.truncationPolicy).toBe('continue');
    expect(flow!.tasksMax).toBe(2);
    expect([...flow!.topicFilter.include]).toEqual(['orders\\..*', 'pay=ments']);
    expect(flow!.topicFilter.shouldReplicateTopic('orders.eu')).toBe(true);
    expect(flow!.topicFilter.shouldReplicateTopic('pay=ments')).toBe(true);
    expect(flow!.topicFilter.shouldReplicateTopic('ordersXeu')).toBe(false);
    expect(flow!.emitCheckpointsEnabled).toBe(false);
    expect(flow!.emitHeartbeatsEnabled).toBe(false);
    expect(built.config.heartbeatPairs).toEqual([]);
  });

  it('checkpoint and heartbeat connectors of the pair switch their part on and bring their own keys', () => {
    const built = pairConfig({ source: source({ groups: 'ignored-here' }), checkpoint: checkpoint({ groups: 'app-.*', 'emit.checkpoints.interval.seconds': '2', 'sync.group.offsets.enabled': 'true' }), heartbeat: heartbeat({ 'emit.heartbeats.interval.seconds': '3' }) })!;
    const flow = built.config.flows[0]!;
    expect(built.connectors).toEqual(['src', 'cp', 'hb']);
    expect(flow.emitCheckpointsEnabled).toBe(true);
    expect(flow.emitCheckpointsIntervalMs).toBe(2000);
    expect(flow.syncGroupOffsetsEnabled).toBe(true);
    expect(flow.groupFilter.shouldReplicateGroup('app-1')).toBe(true);
    expect(flow.groupFilter.shouldReplicateGroup('ignored-here')).toBe(false);
    expect(flow.emitHeartbeatsEnabled).toBe(true);
    expect(flow.emitHeartbeatsIntervalMs).toBe(3000);
  });

  it('worker defaults (group.id) apply unless the connector sets the key', () => {
    expect(pairConfig({ source: source() }, { 'group.id': 'mirror-workers' })!.config.flows[0]!.groupIdPrefix).toBe('mirror-workers');
    expect(pairConfig({ source: source({ 'group.id': 'own' }) }, { 'group.id': 'mirror-workers' })!.config.flows[0]!.groupIdPrefix).toBe('own');
    expect(pairConfig({ source: source() })!.config.flows[0]!.groupIdPrefix).toBe('kafka-mirror');
  });

  it('a heartbeat connector alone runs heartbeats only (no flow), even without source.cluster.bootstrap.servers', () => {
    const { ['source.cluster.bootstrap.servers']: _omit, ...noSource } = BASE;
    const hb = connectorSpec('hb', { 'connector.class': 'MirrorHeartbeatConnector', ...noSource });
    const built = pairConfig({ heartbeat: hb })!;
    expect(built.config.flows).toEqual([]);
    expect(built.config.heartbeatPairs).toMatchObject([{ name: 'source->target', targetAlias: 'target', heartbeatsTopic: 'heartbeats', emitHeartbeatsIntervalMs: 1000 }]);
    expect(built.config.heartbeatPairs[0]!.target.bootstrapServers).toBe('tgt:9092');
    expect(pairConfig({ checkpoint: checkpoint() })).toBeUndefined();
  });

  it('errors name the connector key, not the generated mm2.properties key', () => {
    expect(configError(() => validateConnector('c', { ...source().config, 'emit.checkpoints.interval.seconds': 'soon' })).key).toBe('emit.checkpoints.interval.seconds');
    expect(configError(() => validateConnector('c', { ...source().config, 'target.cluster.bootstrap.servers': '' })).key).toBe('target.cluster.bootstrap.servers');
    expect(configError(() => validateConnector('c', { ...source().config, 'source.cluster.security.protocol': 'carrier-pigeon' })).key).toBe('source.cluster.security.protocol');
    expect(configError(() => validateConnector('c', { ...source().config, 'replication.policy.separator': '' })).key).toBe('replication.policy.separator');
    const same = configError(() => validateConnector('c', { ...source().config, 'target.cluster.bootstrap.servers': 'src:9092' }));
    expect(same.key).toBe('target.cluster.bootstrap.servers');
    expect(same.expected).toContain('source.cluster.bootstrap.servers');
    expect(same.expected).not.toContain('source.bootstrap.servers');
  });

  it('connector-level checks: class, aliases, converters, exactly-once, transforms, provider references', () => {
    expect(configError(() => connectorSpec('c', { ...BASE, 'connector.class': 'FileStreamSource' })).key).toBe('connector.class');
    expect(configError(() => connectorSpec('c', { ...BASE, 'connector.class': 'MirrorSourceConnector', 'source.cluster.alias': '' })).key).toBe('source.cluster.alias');
    expect(configError(() => connectorSpec('c', { ...BASE, 'connector.class': 'MirrorSourceConnector', 'target.cluster.alias': 'source' })).key).toBe('target.cluster.alias');
    const conv = configError(() => connectorSpec('c', { ...source().config, 'value.converter': 'org.apache.kafka.connect.json.JsonConverter' }));
    expect(conv.key).toBe('value.converter');
    expect(conv.expected).toContain('ByteArrayConverter');
    // KIP-618: `required` needs exactly.once.source.support = enabled (the worker's default for its flows, or the connector's own).
    expect(configError(() => connectorSpec('c', { ...source().config, 'exactly.once.support': 'always' })).key).toBe('exactly.once.support');
    expect(configError(() => validateConnector('c', { ...source().config, 'exactly.once.support': 'required' })).key).toBe('exactly.once.support');
    expect(validateConnector('c', { ...source().config, 'exactly.once.support': 'required' }, { 'exactly.once.source.support': 'enabled' }).warnings).toEqual([]);
    expect(validateConnector('c', { ...source().config, 'exactly.once.support': 'requested' }).warnings).toEqual([]);
    expect(configError(() => connectorSpec('c', { ...source().config, transforms: 'x', 'transforms.x.type': 'Y' })).key).toMatch(/^transforms/);
    const ref = configError(() => connectorSpec('c', { ...source().config, 'source.cluster.sasl.password': '${env:SECRET}' }));
    expect(ref.key).toBe('source.cluster.sasl.password');
    expect(ref.value).toBe('[REDACTED]');
    expect(connectorKind('org.apache.kafka.connect.mirror.MirrorCheckpointConnector')).toBe('checkpoint');
    expect(connectorKind('MirrorSource')).toBe('source');
  });

  it('unknown and Connect-only keys are warnings naming the connector key', () => {
    const { warnings } = validateConnector('c', { ...source().config, 'errors.tolerance': 'all', 'no.such.key': '1' });
    expect(warnings).toContain("connector c: 'errors.tolerance' is a Kafka Connect setting this engine does not use; ignored");
    expect(warnings).toContain("connector c: unknown key 'no.such.key'; ignored");
  });

  it('secrets are redacted for responses, and a redacted value sent back keeps the stored secret', () => {
    const stored = { ...BASE, 'source.cluster.sasl.jaas.config': 'org.x required password="p";', 'target.cluster.ssl.keystore.location': '/k' };
    const shown = redactConnectorConfig(stored);
    expect(shown['source.cluster.sasl.jaas.config']).toBe('[REDACTED]');
    expect(shown['target.cluster.ssl.keystore.location']).toBe('/k');
    expect(mergeRedacted({ ...shown, topics: 'a' }, stored)['source.cluster.sasl.jaas.config']).toBe(stored['source.cluster.sasl.jaas.config']);
  });
});
