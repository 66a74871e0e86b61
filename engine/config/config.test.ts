import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadMirrorConfig, parseMirrorConfig, redactConfig, type FlowConfig } from './config.ts';
import { ConfigError } from '../core/errors.ts';

const BASE = [
  'clusters = primary, standby',
  'primary.bootstrap.servers = 127.0.0.1:9092',
  'standby.bootstrap.servers = 127.0.0.1:9093',
  'primary->standby.enabled = true',
];
const parse = (...extra: string[]) => parseMirrorConfig([...BASE, ...extra].join('\n'), { env: {} });
const flow = (...extra: string[]): FlowConfig => {
  const f = parse(...extra).config.flows[0];
  if (!f) throw new Error('no flow');
  return f;
};
/** Runs `fn`, expects a ConfigError, returns it for assertions on message and fields. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseMirrorConfig: defaults and layout', () => {
  it('fills every MM2 default for a minimal config', () => {
    const { config, warnings } = parse();
    expect(warnings).toEqual([]);
    expect(config.clusters).toEqual(['primary', 'standby']);
    expect(config.flows).toHaveLength(1);
    const f = config.flows[0];
    expect(f).toMatchObject({
      name: 'primary->standby', sourceAlias: 'primary', targetAlias: 'standby',
      refreshTopicsEnabled: true, refreshTopicsIntervalMs: 600_000, refreshGroupsEnabled: true, refreshGroupsIntervalMs: 5000,
      topicResetCheckIntervalMs: 1000, truncationPolicy: 'fail', isolationLevel: 'read_committed',
      syncTopicConfigsEnabled: true, syncTopicConfigsIntervalMs: 600_000,
      replicationFactor: 2, offsetSyncsTopicReplicationFactor: 3, checkpointsTopicReplicationFactor: 3,
      heartbeatsTopicReplicationFactor: 3, progressTopicReplicationFactor: 3,
      emitHeartbeatsEnabled: true, emitHeartbeatsIntervalMs: 1000, emitCheckpointsEnabled: true, emitCheckpointsIntervalMs: 5000,
      emitOffsetSyncsEnabled: true, syncGroupOffsetsEnabled: false, syncGroupOffsetsIntervalMs: 5000,
      offsetSyncsIntervalMs: 1000, offsetSyncsTopicLocation: 'source', consumerPollTimeoutMs: 1000, adminTimeoutMs: 60_000,
    });
    expect(f?.source).toEqual({
      alias: 'primary', bootstrapServers: '127.0.0.1:9092', client: { 'bootstrap.servers': '127.0.0.1:9092' },
      consumer: { 'bootstrap.servers': '127.0.0.1:9092' }, producer: { 'bootstrap.servers': '127.0.0.1:9092' },
      admin: { 'bootstrap.servers': '127.0.0.1:9092' },
      // Which mm2.properties key set each client setting (none here: bootstrap.servers comes from the cluster alias).
      sources: { common: {}, consumer: {}, producer: {}, admin: {} },
    });
    expect(f?.replicationPolicy.formatRemoteTopic('primary', 'commit-log')).toBe('primary.commit-log');
    expect(f?.replicationPolicy.progressTopic('primary')).toBe('mm2-progress.primary.internal');
    expect(f?.topicFilter.include).toEqual(['.*']);
    expect(f?.topicFilter.exclude).toEqual(['.*[\\-\\.]internal', '.*\\.replica', '__.*']);
    expect(f?.groupFilter.exclude).toEqual(['console-consumer-.*', 'connect-.*', '__.*']);
    expect(f?.configPropertiesExclude.some((re) => re.test('min.insync.replicas'))).toBe(true);
    expect(f?.configPropertiesExclude.some((re) => re.test('retention.ms'))).toBe(false);
  });

  it("parses Kafka's shipped connect-mirror-maker.properties, warning about Connect-only keys", () => {
    const { config, warnings } = parseMirrorConfig(`
# Run with ./bin/connect-mirror-maker.sh connect-mirror-maker.properties
clusters = A, B
A.bootstrap.servers = A_host1:9092, A_host2:9092, A_host3:9092
B.bootstrap.servers = B_host1:9092, B_host2:9092, B_host3:9092
A->B.enabled = true
A->B.topics = .*
B->A.enabled = true
B->A.topics = .*
replication.factor=1
checkpoints.topic.replication.factor=1
heartbeats.topic.replication.factor=1
offset-syncs.topic.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
config.storage.replication.factor=1
# sync.topic.acls.enabled=false
# emit.heartbeats.interval.seconds = 5
# replication.policy.separator = _
`, { env: {} });
    expect(config.flows.map((f) => f.name)).toEqual(['A->B', 'B->A']);
    expect(config.flows[0]).toMatchObject({ replicationFactor: 1, checkpointsTopicReplicationFactor: 1, offsetSyncsTopicReplicationFactor: 1 });
    expect(config.flows[0]?.source.bootstrapServers).toBe('A_host1:9092,A_host2:9092,A_host3:9092');
    expect(warnings).toEqual(['offset.storage', 'status.storage', 'config.storage'].map(
      (k) => `'${k}.replication.factor' is a MirrorMaker 2 / Connect setting this engine does not use; ignored`,
    ));
    expect(config.flows[1]?.topicFilter.shouldReplicateTopic('A.orders')).toBe(false); // cycle back to A
  });

  it('reads tasks.max (default 1, MM2) top-level or per flow, without the old "not used" warning', () => {
    expect(flow().tasksMax).toBe(1);
    const { config, warnings } = parse('tasks.max = 4', 'primary->standby.tasks.max = 2');
    expect(config.flows[0]?.tasksMax).toBe(2);
    expect(warnings).toEqual([]);
    expect(flow('tasks.max = 3').tasksMax).toBe(3);
  });

  it('lets A->B.<key> override the top-level <key> for that flow only', () => {
    const { config } = parseMirrorConfig([
      'clusters = primary, standby, dr', 'primary.bootstrap.servers = p:1', 'standby.bootstrap.servers = s:1', 'dr.bootstrap.servers = d:1',
      'primary->standby.enabled = true', 'primary->dr.enabled = true',
      'topics = default-.*', 'primary->standby.topics = commit-log, orders.*',
      'truncation.policy = continue', 'primary->dr.truncation.policy = fail', 'primary->dr.isolation.level = read_uncommitted',
      'primary->dr.data.path = records',
      'emit.checkpoints.interval.seconds = 5', 'primary->standby.emit.checkpoints.interval.seconds = 7',
    ].join('\n'), { env: {} });
    const [standby, dr] = config.flows;
    expect(standby?.topicFilter.include).toEqual(['commit-log', 'orders.*']);
    expect(dr?.topicFilter.include).toEqual(['default-.*']);
    expect([standby?.truncationPolicy, dr?.truncationPolicy]).toEqual(['continue', 'fail']);
    expect([standby?.isolationLevel, dr?.isolationLevel]).toEqual(['read_committed', 'read_uncommitted']);
    expect([standby?.dataPath, dr?.dataPath]).toEqual(['batches', 'records']);
    expect([standby?.emitCheckpointsIntervalMs, dr?.emitCheckpointsIntervalMs]).toEqual([7000, 5000]);
  });

  it('layers client props: top-level < cluster < flow, role-specific over generic', () => {
    const f = flow(
      'security.protocol = SASL_SSL',
      'consumer.fetch.min.bytes = 1', 'consumer.client.id = top',
      'primary.client.id = mirror-primary', 'primary.consumer.fetch.min.bytes = 2',
      'primary->standby.consumer.fetch.min.bytes = 3', 'primary->standby.target.producer.linger.ms = 5',
      'standby.security.protocol = PLAINTEXT', 'producer.compression.type = lz4',
    );
    expect(f.source.client).toEqual({ 'security.protocol': 'sasl_ssl', 'client.id': 'mirror-primary', 'bootstrap.servers': '127.0.0.1:9092' });
    expect(f.source.consumer).toEqual({ 'security.protocol': 'sasl_ssl', 'client.id': 'mirror-primary', 'fetch.min.bytes': '3', 'bootstrap.servers': '127.0.0.1:9092' });
    expect(f.target.consumer).toEqual({ 'security.protocol': 'plaintext', 'client.id': 'top', 'fetch.min.bytes': '3', 'bootstrap.servers': '127.0.0.1:9093' });
    expect(f.target.producer).toEqual({ 'security.protocol': 'plaintext', 'compression.type': 'lz4', 'linger.ms': '5', 'bootstrap.servers': '127.0.0.1:9093' });
    expect(f.source.producer).toEqual({ 'security.protocol': 'sasl_ssl', 'client.id': 'mirror-primary', 'compression.type': 'lz4', 'bootstrap.servers': '127.0.0.1:9092' });
  });

  it('translates Java client settings and warns (never fails) on Java-only ones', () => {
    const { config, warnings } = parse(
      'primary.sasl.mechanism = PLAIN',
      'primary.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required \\',
      '    username="mirror" password="hunter2";',
      'primary.consumer.max.poll.records = 500', 'primary.consumer.auto.offset.reset = latest',
      'primary.ssl.truststore.location = /etc/kafka/truststore.jks',
    );
    expect(config.flows[0]?.source.consumer).toEqual({
      'sasl.mechanisms': 'PLAIN', 'sasl.username': 'mirror', 'sasl.password': 'hunter2', 'bootstrap.servers': '127.0.0.1:9092',
    });
    expect(warnings).toEqual([
      'primary.ssl.truststore.location: librdkafka cannot read JKS/PKCS12 truststores; convert it to PEM and set ssl.ca.location; ignored',
      'primary.consumer.max.poll.records: Java client setting with no librdkafka equivalent; ignored',
    ]);
    expect(config.flows[0]?.autoOffsetReset).toBe('latest'); // the start position, never a client setting
  });

  it('accepts deprecated *.blacklist keys as excludes, with a warning; the new key wins when both are set', () => {
    const { config, warnings } = parse('topics.blacklist = tmp-.*', 'groups.blacklist = test-.*', 'primary->standby.groups.exclude = x');
    expect(config.flows[0]?.topicFilter.exclude).toEqual(['tmp-.*']);
    expect(config.flows[0]?.groupFilter.exclude).toEqual(['x']);
    expect(warnings).toEqual([
      "'topics.blacklist' is deprecated (removed in Kafka 4.0); use 'topics.exclude'",
      "'groups.blacklist' is deprecated (removed in Kafka 4.0); use 'groups.exclude'",
    ]);
  });

  it('warns about unknown, misplaced and duplicate keys', () => {
    const { warnings } = parse('topcs = orders', 'primary.topics = x', 'bootstrap.servers = h:1', 'backup.bootstrap.servers = b:1',
      'offset.lag.max = 10', 'offset.lag.max = 20', 'primary->backup.topics = y');
    expect(warnings).toEqual([
      "'offset.lag.max' is set twice (lines 9 and 10); line 10 wins",
      "unknown key 'topcs' (line 5); ignored",
      "'primary.topics' has no effect at cluster level; set 'topics' top-level or as '<source>-><target>.topics'",
      "top-level 'bootstrap.servers' is ignored; set <alias>.bootstrap.servers",
      "unknown key 'backup.bootstrap.servers' (line 8); ignored",
      "'primary->backup.topics' is ignored: expected a flow between aliases listed in clusters (primary, standby)",
    ]);
  });

  it('substitutes ${env:NAME} references', () => {
    const { config } = parseMirrorConfig([...BASE, 'primary.sasl.password = ${env:MIRROR_PW}', 'topics = ${env:TOPICS}'].join('\n'),
      { env: { MIRROR_PW: 's3cret', TOPICS: 'commit-log' } });
    expect(config.flows[0]?.source.client['sasl.password']).toBe('s3cret');
    expect(config.flows[0]?.topicFilter.include).toEqual(['commit-log']);
  });

  it('accepts a separator and the Identity policy, and warns about Identity in both directions', () => {
    expect(flow('replication.policy.separator = _').replicationPolicy.formatRemoteTopic('primary', 'x')).toBe('primary_x');
    const { config, warnings } = parse('standby->primary.enabled = true', 'replication.policy.class = IdentityReplicationPolicy');
    expect(config.flows.map((f) => f.replicationPolicy.formatRemoteTopic('primary', 'x'))).toEqual(['x', 'x']);
    expect(warnings).toContain('flows primary->standby and standby->primary use IdentityReplicationPolicy, which cannot detect cycles: keep their topic lists disjoint');
  });

  it('accepts replication factor -1 (broker default) and offset.lag.max 0 (validated, read by nothing: see config-keys.ts)', () => {
    expect(flow('replication.factor = -1', 'offset.lag.max = 0')).toMatchObject({ replicationFactor: -1 });
    expect(flow('offset.lag.max = 0')).not.toHaveProperty('offsetLagMax');
    expect(configError(() => flow('offset.lag.max = -1')).key).toBe('offset.lag.max');
  });

  it('returns a deeply frozen config whose filters still work', () => {
    const { config } = parse();
    const f = config.flows[0] as FlowConfig;
    for (const o of [config, config.flows, f, f.source, f.source.consumer, f.configPropertiesExclude, f.topicFilter, f.replicationPolicy]) {
      expect(Object.isFrozen(o)).toBe(true);
    }
    expect(() => { (f as { truncationPolicy: string }).truncationPolicy = 'continue'; }).toThrow(TypeError);
    expect(() => { (f.source.consumer as Record<string, string>)['x'] = 'y'; }).toThrow(TypeError);
    expect(f.topicFilter.shouldReplicateTopic('commit-log')).toBe(true);
    expect(f.configPropertiesExclude.some((re) => re.test('min.insync.replicas'))).toBe(true);
  });

  it('converts any positive whole number of seconds to ms and rejects everything else (property, seed 42)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (n) => {
        expect(flow(`refresh.topics.interval.seconds = ${n}`).refreshTopicsIntervalMs).toBe(n * 1000);
      }),
      { seed: 42, numRuns: 100 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }).filter((s) => !/^\s*\+?0*[1-9]\d*\s*$/.test(s) && !s.includes('\n') && !s.includes('\\')), (bad) => {
        expect(configError(() => flow(`refresh.topics.interval.seconds = ${bad}`)).key).toBe('refresh.topics.interval.seconds');
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('parseMirrorConfig: errors name key, value and expectation', () => {
  it.each([
    [['refresh.topics.interval.seconds = 10s'], "Invalid config: 'refresh.topics.interval.seconds' = '10s' (expected a positive integer number of seconds up to 2147483 (Node.js timers overflow above 2^31-1 ms; to disable, set the matching .enabled = false))"],
    [['emit.checkpoints.interval.seconds = -1'], "Invalid config: 'emit.checkpoints.interval.seconds' = '-1' (expected a positive integer number of seconds"],
    [['primary->standby.emit.heartbeats.interval.seconds = 1.5'], "Invalid config: 'primary->standby.emit.heartbeats.interval.seconds' = '1.5'"],
    [['topic.reset.check.interval.ms = 0'], "Invalid config: 'topic.reset.check.interval.ms' = '0' (expected a positive integer number of milliseconds up to 2147483647 (Node.js timers overflow above it))"],
    [['sync.topic.configs.enabled = yes'], "Invalid config: 'sync.topic.configs.enabled' = 'yes' (expected true or false)"],
    [['primary->standby.truncation.policy = skip'], "Invalid config: 'primary->standby.truncation.policy' = 'skip' (expected one of fail, continue)"],
    [['isolation.level = read_all'], "Invalid config: 'isolation.level' = 'read_all' (expected one of read_committed, read_uncommitted)"],
    [['data.path = bytes'], "Invalid config: 'data.path' = 'bytes' (expected one of records, batches)"],
    [['offset-syncs.topic.location = both'], "Invalid config: 'offset-syncs.topic.location' = 'both' (expected one of source, target)"],
    [['replication.factor = 0'], "Invalid config: 'replication.factor' = '0' (expected a replication factor from 1 to 32767, or -1 for the broker default)"],
    [['tasks.max = 0'], "Invalid config: 'tasks.max' = '0' (expected an integer from 1 to 64 (engine task processes of the flow))"],
    [['primary->standby.tasks.max = 65'], "Invalid config: 'primary->standby.tasks.max' = '65' (expected an integer from 1 to 64"],
    [['replication.policy.class = com.acme.MyPolicy'], "Invalid config: 'replication.policy.class' = 'com.acme.MyPolicy' (expected one of org.apache.kafka.connect.mirror.DefaultReplicationPolicy"],
    [['primary->standby.replication.policy.separator = ::'], "Invalid config: 'primary->standby.replication.policy.separator' = '::'"],
    [['primary->standby.topics = orders, ['], "Invalid config: 'primary->standby.topics' = 'orders, [' (expected comma-separated Java regexes; '[' is invalid"],
    [['config.properties.exclude = ('], "Invalid config: 'config.properties.exclude' = '('"],
    [['primary.security.protocol = TLS'], "Invalid config: 'primary.security.protocol' = 'TLS' (expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)"],
    [['primary->backup.enabled = true'], "Invalid config: 'primary->backup.enabled' = 'true' (expected a flow between aliases listed in clusters (primary, standby))"],
    [['primary->primary.enabled = true'], "Invalid config: 'primary->primary.enabled' = 'true' (expected a flow between two different clusters)"],
    [['standby->primary.enabled = maybe'], "Invalid config: 'standby->primary.enabled' = 'maybe' (expected true or false)"],
    [['topics = ${file:/etc/mm2.secrets:topics}'], "Invalid config: 'topics' = '${file:/etc/mm2.secrets:topics}' (expected ${env:NAME} references only (config provider 'file' is not supported))"],
    [['topics = ${env:NOPE}'], "Invalid config: 'topics' = '${env:NOPE}' (expected environment variable NOPE to be set)"],
  ])('%j', (extra, message) => {
    expect(configError(() => parse(...extra)).message).toContain(message);
  });

  it('requires clusters, valid aliases, an enabled flow and bootstrap servers of the clusters it uses', () => {
    expect(configError(() => parseMirrorConfig('primary.bootstrap.servers = h:1', { env: {} })).message)
      .toBe("Invalid config: 'clusters' is required (expected a comma-separated list of cluster aliases, e.g. clusters = primary, standby)");
    expect(configError(() => parseMirrorConfig('clusters = pri mary, standby', { env: {} })).message)
      .toContain("Invalid config: 'clusters' = 'pri mary, standby' (expected unique aliases");
    expect(configError(() => parseMirrorConfig('clusters = a, a', { env: {} })).key).toBe('clusters');
    expect(configError(() => parseMirrorConfig(BASE.slice(0, 3).join('\n'), { env: {} })).message)
      .toBe("Invalid config: '<source>-><target>.enabled' is required (expected at least one enabled flow, e.g. primary->standby.enabled = true)");
    expect(configError(() => parseMirrorConfig([BASE[0], BASE[1], BASE[3]].join('\n'), { env: {} })).message)
      .toBe("Invalid config: 'standby.bootstrap.servers' is required (expected host:port[,host:port…] with a host name, IPv4 or [IPv6] address "
        + 'and a port from 1 to 65535 (flow primary->standby uses cluster standby))');
  });

  it('rejects aliases that contain the separator, which would make remote topic names ambiguous', () => {
    const text = ['clusters = dc.east, standby', 'dc.east.bootstrap.servers = h:1', 'standby.bootstrap.servers = h:2', 'dc.east->standby.enabled = true'];
    expect(configError(() => parseMirrorConfig(text.join('\n'), { env: {} })).message)
      .toBe("Invalid config: 'clusters' = 'dc.east, standby' (expected aliases that do not contain the replication.policy.separator '.' of flow dc.east->standby)");
    const ok = parseMirrorConfig([...text, 'replication.policy.separator = _'].join('\n'), { env: {} });
    expect(ok.config.flows[0]?.replicationPolicy.formatRemoteTopic('dc.east', 'orders')).toBe('dc.east_orders');
  });
});

describe('secrets', () => {
  const PW = 'hunter2-Sup3rS3cret';

  it('never puts a password in a ConfigError message', () => {
    const cases = [
      [`primary.sasl.jaas.config = not-a-jaas-config password="${PW}"`, 'primary.sasl.jaas.config'],
      [`primary.sasl.password = ${PW}\${env:MISSING}`, 'primary.sasl.password'],
      [`primary.ssl.key.password = \${vault:${PW}}`, 'primary.ssl.key.password'],
    ] as const;
    for (const [line, key] of cases) {
      const err = configError(() => parse(line));
      expect(err.key).toBe(key);
      expect(err.value).toBe('[REDACTED]');
      expect(err.message).toContain(`'${key}' = '[REDACTED]'`);
      expect(err.message).not.toContain(PW);
      expect(err.stack ?? '').not.toContain(PW);
    }
  });

  it('redactConfig and warnings never contain a secret, while the config keeps it for the client', () => {
    const { config, warnings } = parse(
      'security.protocol = SASL_SSL', 'sasl.mechanism = SCRAM-SHA-256',
      `primary.sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required username="m" password="${PW}";`,
      `standby.sasl.password = ${PW}`, `standby.ssl.key.pem = -----BEGIN PRIVATE KEY-----${PW}`, `standby.consumer.ssl.keystore.password = ${PW}`,
      'primary.consumer.max.poll.records = 1',
    );
    expect(config.flows[0]?.source.consumer['sasl.password']).toBe(PW);
    const view = JSON.stringify(redactConfig(config));
    expect(view).not.toContain(PW);
    expect(view).toContain('"sasl.password":"[REDACTED]"');
    expect(view).toContain('"ssl.key.pem":"[REDACTED]"');
    expect(view).toContain('"sasl.username":"m"');
    expect(JSON.stringify(warnings)).not.toContain(PW);
  });

  it('keeps secret values byte-exact (Java PASSWORD type is not trimmed) but trims other values', () => {
    const f = flow('primary.sasl.password =  pw with spaces  ', 'primary.client.id =  mirror  ');
    expect(f.source.client['sasl.password']).toBe('pw with spaces  ');
    expect(f.source.client['client.id']).toBe('mirror');
  });

  it('hides any generated password from every logged view (property, seed 42)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{10,24}$/).map((s) => `PW${s}`), (pw) => {
        const { config, warnings } = parse(
          `primary.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="${pw}";`,
        );
        expect(JSON.stringify(redactConfig(config))).not.toContain(pw);
        expect(warnings.join('\n')).not.toContain(pw);
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});

describe('loadMirrorConfig', () => {
  it('reads a file, and reports an unreadable one as a ConfigError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm2-config-'));
    try {
      const path = join(dir, 'mm2.properties');
      await writeFile(path, BASE.join('\n'));
      const { config } = await loadMirrorConfig(path, { env: {} });
      expect(config.flows[0]?.name).toBe('primary->standby');
      const missing = join(dir, 'missing.properties');
      await expect(loadMirrorConfig(missing)).rejects.toThrow(
        `Invalid config: 'config file' = '${missing}' (expected a readable mm2.properties file (ENOENT))`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
