/**
 * Every client setting reaches every client: a cluster configured MM2-style in mm2.properties with TLS
 * (CA, client certificate and key, key password, hostname check off) and SASL/SCRAM (through
 * `sasl.jaas.config`) → each client config the engine builds for it — librdkafka admin, mirror consumer,
 * internal-topic reader, group-offset commit consumer, producer, and the kafkajs admin — carries them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMirrorConfig } from '../config/config.ts';
import { adminConfig, groupCommitConfig, internalReaderConfig, sourceConsumerConfig, targetProducerConfig } from './kafka-clients.ts';
import { kafkajsConfig } from './kafkajs-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'kme-client-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const caPath = write('ca.pem', 'CA-PEM');
const certPath = write('client.crt', 'CERT-PEM');
const keyPath = write('client.key', 'KEY-PEM');

const { config } = parseMirrorConfig(
  [
    'clusters = primary, standby',
    'primary.bootstrap.servers = p1:9094, p2:9094',
    'standby.bootstrap.servers = s1:9092',
    'primary.security.protocol = SASL_SSL',
    'primary.sasl.mechanism = SCRAM-SHA-512',
    'primary.sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required username="mirror" password="s3cret";',
    `primary.ssl.ca.location = ${caPath}`,
    `primary.ssl.certificate.location = ${certPath}`,
    `primary.ssl.key.location = ${keyPath}`,
    'primary.ssl.key.password = key-pw',
    'primary.ssl.endpoint.identification.algorithm =',
    'primary->standby.enabled = true',
  ].join('\n'),
);
const source = config.flows[0]!.source;

/** The librdkafka settings every client of `primary` must carry. */
const SECURITY = {
  'security.protocol': 'sasl_ssl',
  'sasl.mechanisms': 'SCRAM-SHA-512',
  'sasl.username': 'mirror',
  'sasl.password': 's3cret',
  'ssl.ca.location': caPath,
  'ssl.certificate.location': certPath,
  'ssl.key.location': keyPath,
  'ssl.key.password': 'key-pw',
  'ssl.endpoint.identification.algorithm': 'none',
  'bootstrap.servers': 'p1:9094,p2:9094',
};

describe('client settings of a TLS + SASL cluster', () => {
  it.each([
    ['admin (KafkaAdmin, ConsumerGroups, ClusterConnections)', adminConfig(source, 'a')],
    ['mirror consumer', sourceConsumerConfig(source, 'c', 'read_committed')],
    ['internal-topic reader', internalReaderConfig(source, 'r')],
    ['group-offset commit consumer', groupCommitConfig(source, 'g', 'group-1')],
    ['producer (mirror, internal records, progress)', targetProducerConfig(source, 'p')],
  ])('the librdkafka %s config carries every security setting', (_, conf) => {
    expect(conf).toMatchObject(SECURITY);
  });

  it('the kafkajs admin config carries them too: SASL, and TLS with the PEM files read', () => {
    const c = kafkajsConfig(source, 'kafka-mirror-configs', { requestTimeoutMs: config.flows[0]!.adminTimeoutMs });
    expect(c.brokers).toEqual(['p1:9094', 'p2:9094']);
    expect(c.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'mirror', password: 's3cret' });
    const tls = c.ssl as Record<string, unknown>;
    expect(tls).toMatchObject({ ca: ['CA-PEM'], cert: 'CERT-PEM', key: 'KEY-PEM', passphrase: 'key-pw' });
    expect((tls.checkServerIdentity as () => unknown)()).toBeUndefined();
    expect(c.requestTimeout).toBe(60_000); // admin.timeout.ms default
  });
});
