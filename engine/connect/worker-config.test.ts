import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { parseWorkerConfig, redactWorkerConfig } from './worker-config.ts';

const MINIMAL = 'bootstrap.servers=tgt:9092\ngroup.id=g\nconfig.storage.topic=c\nstatus.storage.topic=s\n';

function errorKey(text: string): string {
  try {
    parseWorkerConfig(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.key;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('worker.properties', () => {
  it('defaults: replication factor 3, listener 127.0.0.1:8083, refresh 5 s', () => {
    const { config, warnings } = parseWorkerConfig(MINIMAL);
    expect(config).toMatchObject({ groupId: 'g', configTopic: 'c', statusTopic: 's', configReplicationFactor: 3, statusReplicationFactor: 3, refreshIntervalMs: 5000 });
    expect(config.listener).toEqual({ url: 'http://127.0.0.1:8083', host: '127.0.0.1', port: 8083 });
    expect(config.cluster.bootstrapServers).toBe('tgt:9092');
    expect(warnings).toEqual([]);
  });

  it('required keys and bad values are ConfigErrors naming the key', () => {
    expect(errorKey('group.id=g\nconfig.storage.topic=c\nstatus.storage.topic=s')).toBe('bootstrap.servers');
    expect(errorKey('bootstrap.servers=t:1\nconfig.storage.topic=c\nstatus.storage.topic=s')).toBe('group.id');
    expect(errorKey('bootstrap.servers=t:1\ngroup.id=g\nstatus.storage.topic=s')).toBe('config.storage.topic');
    expect(errorKey(`${MINIMAL}status.storage.topic=c`)).toBe('status.storage.topic');
    expect(errorKey(`${MINIMAL}config.storage.replication.factor=0`)).toBe('config.storage.replication.factor');
    expect(errorKey(`${MINIMAL}listeners=https://0.0.0.0:8443`)).toBe('listeners');
    expect(errorKey(`${MINIMAL}config.storage.topic=bad topic`)).toBe('config.storage.topic');
  });

  it('security settings reach every client of the state cluster (Java names translated), secrets redacted for logs; Connect-only keys warn', () => {
    const { config, warnings } = parseWorkerConfig(`${MINIMAL}security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";\nproducer.linger.ms=9\noffset.storage.topic=o\nkey.converter=x\nmystery=1`);
    expect(config.cluster.client).toMatchObject({ 'security.protocol': 'sasl_ssl', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'u', 'sasl.password': 'p' });
    expect(config.cluster.producer['linger.ms']).toBe('9');
    expect(JSON.stringify(redactWorkerConfig(config))).not.toContain('"p"');
    expect(warnings).toEqual([
      "'offset.storage.topic' is a Kafka Connect worker setting this engine does not use; ignored",
      "'key.converter' is a Kafka Connect worker setting this engine does not use; ignored",
      "unknown worker key 'mystery'; ignored",
    ]);
  });
});
