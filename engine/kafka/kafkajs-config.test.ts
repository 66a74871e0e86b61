import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { kafkajsConfig } from './kafkajs-config.ts';
import type { ClusterClientSettings } from './kafka-clients.ts';

const dir = mkdtempSync(join(tmpdir(), 'kme-kafkajs-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';
const caPath = file('ca.pem', CA);

const cluster = (client: Record<string, string>, admin: Record<string, string> = {}): ClusterClientSettings => ({
  alias: 'primary',
  bootstrapServers: 'b1:9093,b2:9093',
  client,
  consumer: {},
  producer: {},
  admin,
});

/** The ConfigError `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('kafkajsConfig', () => {
  it('PLAINTEXT: brokers, client id, no TLS, no SASL', () => {
    const c = kafkajsConfig(cluster({}), 'kafka-mirror-configs');
    expect(c).toMatchObject({ brokers: ['b1:9093', 'b2:9093'], clientId: 'kafka-mirror-configs', ssl: false });
    expect(c.sasl).toBeUndefined();
  });

  it('SASL_PLAINTEXT with SCRAM-SHA-512 user and password', () => {
    const c = kafkajsConfig(cluster({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'mirror', 'sasl.password': 'pw' }), 'id');
    expect(c.ssl).toBe(false);
    expect(c.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'mirror', password: 'pw' });
  });

  it('takes user and password from a Java sasl.jaas.config when they are not set directly', () => {
    const c = kafkajsConfig(
      cluster({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p;w";' }),
      'id',
    );
    expect(c.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'u', password: 'p;w' });
  });

  it('SSL: CA, client certificate and key read from their PEM files, key password, hostname check off, verification, CRL, ciphers', () => {
    const c = kafkajsConfig(
      cluster({
        'security.protocol': 'ssl',
        'ssl.ca.location': caPath,
        'ssl.certificate.location': file('cert.pem', 'CERT'),
        'ssl.key.location': file('key.pem', 'KEY'),
        'ssl.key.password': 'kpw',
        'ssl.endpoint.identification.algorithm': 'none',
        'enable.ssl.certificate.verification': 'true',
        'ssl.crl.location': file('crl.pem', 'CRL'),
        'ssl.cipher.suites': 'ECDHE-RSA-AES256-GCM-SHA384',
        'ssl.curves.list': 'P-256',
        'ssl.sigalgs.list': 'RSA-PSS+SHA256',
      }),
      'id',
    );
    const tls = c.ssl as Record<string, unknown>;
    expect(tls).toMatchObject({ ca: [CA], cert: 'CERT', key: 'KEY', passphrase: 'kpw', rejectUnauthorized: true, crl: 'CRL', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384', ecdhCurve: 'P-256', sigalgs: 'RSA-PSS+SHA256' });
    expect((tls.checkServerIdentity as () => unknown)()).toBeUndefined();
  });

  it('SSL: hostname verification stays on by default (librdkafka https), PEM strings and a PKCS#12 keystore are honoured', () => {
    const c = kafkajsConfig(
      cluster({ 'security.protocol': 'ssl', 'ssl.ca.pem': 'CAPEM', 'ssl.certificate.pem': 'CERTPEM', 'ssl.key.pem': 'KEYPEM', 'ssl.keystore.location': file('ks.p12', 'P12'), 'ssl.keystore.password': 'kspw', 'enable.ssl.certificate.verification': 'false' }),
      'id',
    );
    const tls = c.ssl as Record<string, unknown>;
    expect(tls).toMatchObject({ ca: ['CAPEM'], cert: 'CERTPEM', key: 'KEYPEM', passphrase: 'kspw', rejectUnauthorized: false });
    expect((tls.pfx as Buffer).toString()).toBe('P12');
    expect(tls.checkServerIdentity).toBeUndefined();
  });

  it("SSL: 'probe' uses Node's default CAs; a CA directory is read file by file", () => {
    expect((kafkajsConfig(cluster({ 'security.protocol': 'ssl', 'ssl.ca.location': 'probe' }), 'id').ssl as Record<string, unknown>).ca).toBeUndefined();
    const cas = join(dir, 'cas');
    mkdirSync(cas);
    writeFileSync(join(cas, 'a.pem'), 'A');
    writeFileSync(join(cas, 'b.crt'), 'B');
    writeFileSync(join(cas, 'README'), 'not a cert');
    expect((kafkajsConfig(cluster({ 'security.protocol': 'ssl', 'ssl.ca.location': cas }), 'id').ssl as Record<string, unknown>).ca).toEqual(['A\nB']);
  });

  it('SASL_SSL: both', () => {
    const c = kafkajsConfig(cluster({ 'security.protocol': 'sasl_ssl', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'u', 'sasl.password': 'p', 'ssl.ca.location': caPath }), 'id');
    expect(c.sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'p' });
    expect((c.ssl as Record<string, unknown>).ca).toEqual([CA]);
  });

  it('admin-role settings override the shared ones, as for the librdkafka admin client', () => {
    const c = kafkajsConfig(cluster({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'shared', 'sasl.password': 'p' }, { 'sasl.username': 'admin-user' }), 'id');
    expect(c.sasl).toMatchObject({ username: 'admin-user' });
  });

  it('timeouts: admin.timeout.ms is the request timeout; socket and retry settings map to their kafkajs options', () => {
    const c = kafkajsConfig(cluster({ 'socket.timeout.ms': '45000', 'socket.connection.setup.timeout.ms': '7000', 'retry.backoff.ms': '150', 'retry.backoff.max.ms': '2000' }), 'id', { requestTimeoutMs: 60_000 });
    expect(c).toMatchObject({ requestTimeout: 60_000, connectionTimeout: 7000, retry: { initialRetryTime: 150, maxRetryTime: 2000 } });
    expect(kafkajsConfig(cluster({ 'socket.timeout.ms': '45000' }), 'id').requestTimeout).toBe(45_000);
    expect(configError(() => kafkajsConfig(cluster({ 'socket.timeout.ms': 'soon' }), 'id')).key).toBe('socket.timeout.ms');
  });

  it('ignores ssl.* without TLS and sasl.* without SASL (librdkafka does too)', () => {
    const c = kafkajsConfig(cluster({ 'ssl.engine.id': 'pkcs11', 'sasl.mechanisms': 'GSSAPI' }), 'id');
    expect(c.ssl).toBe(false);
    expect(c.sasl).toBeUndefined();
  });

  it('fails loudly, naming the key, on GSSAPI, OAUTHBEARER or no mechanism at all (librdkafka default GSSAPI)', () => {
    const gssapi = configError(() => kafkajsConfig(cluster({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'GSSAPI' }), 'id'));
    expect(gssapi.key).toBe('sasl.mechanisms');
    expect(gssapi.message).toContain("'sasl.mechanisms' = 'GSSAPI'");
    expect(gssapi.message).toContain('sync.topic.configs.enabled');
    expect(configError(() => kafkajsConfig(cluster({ 'security.protocol': 'sasl_ssl', 'sasl.mechanisms': 'OAUTHBEARER' }), 'id')).key).toBe('sasl.mechanisms');
    expect(configError(() => kafkajsConfig(cluster({ 'security.protocol': 'sasl_plaintext', 'sasl.username': 'u', 'sasl.password': 'p' }), 'id')).key).toBe('sasl.mechanisms');
  });

  it('fails loudly on a TLS setting Node cannot honour, and on a missing PEM file', () => {
    expect(configError(() => kafkajsConfig(cluster({ 'security.protocol': 'ssl', 'ssl.engine.id': 'pkcs11' }), 'id')).key).toBe('ssl.engine.id');
    const missing = configError(() => kafkajsConfig(cluster({ 'security.protocol': 'ssl', 'ssl.ca.location': join(dir, 'nope.pem') }), 'id'));
    expect(missing.key).toBe('ssl.ca.location');
    expect(missing.message).toContain('ENOENT');
  });

  it('fails loudly on missing SASL credentials and on an unknown sasl.* setting, never printing a secret', () => {
    expect(configError(() => kafkajsConfig(cluster({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'PLAIN', 'sasl.password': 'p' }), 'id')).key).toBe('sasl.username');
    expect(configError(() => kafkajsConfig(cluster({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'u' }), 'id')).key).toBe('sasl.password');
    const secret = configError(() => kafkajsConfig(cluster({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'u', 'sasl.password': 'p', 'sasl.client.secret': 'hunter2' }), 'id'));
    expect(secret.key).toBe('sasl.client.secret');
    expect(secret.message).not.toContain('hunter2');
  });
});
