import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listenerProperties } from './local-kafka-cluster.ts';
import { brokerCertificateExtensions, createTlsMaterial, opensslSteps } from './tls-material.ts';

const dir = mkdtempSync(join(tmpdir(), 'kme-tls-material-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('opensslSteps', () => {
  it('never puts a password on the command line and names the SANs clients verify', () => {
    const steps = opensslSteps('/x', 'ca-one');
    expect(steps.map((s) => s[0])).toEqual(['req', 'req', 'x509', 'pkcs12']);
    expect(steps.flat().some((a) => a.startsWith('pass:'))).toBe(false);
    expect(steps[3]).toContain('env:KME_LOCAL_KAFKA_KEYSTORE_PASSWORD');
    expect(steps[0]).toContain('/CN=ca-one');
    expect(brokerCertificateExtensions()).toContain('subjectAltName = IP:127.0.0.1, DNS:localhost');
  });
});

describe('createTlsMaterial', () => {
  it('makes a CA and a broker certificate for 127.0.0.1 signed by it; another CA does not verify it', () => {
    const a = createTlsMaterial(join(dir, 'a'), 'ca-a');
    const b = createTlsMaterial(join(dir, 'b'), 'ca-b');
    const caA = new X509Certificate(readFileSync(a.caPem));
    const caB = new X509Certificate(readFileSync(b.caPem));
    const broker = new X509Certificate(readFileSync(join(dir, 'a', 'broker.pem')));
    expect(caA.ca).toBe(true);
    expect(broker.ca).toBe(false);
    expect(broker.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(broker.checkHost('localhost')).toBe('localhost');
    expect(broker.verify(caA.publicKey)).toBe(true);
    expect(broker.verify(caB.publicKey)).toBe(false);
    expect(a.keystorePassword).toMatch(/^[0-9a-f]{24}$/);
    expect(a.keystorePassword).not.toBe(b.keystorePassword);
    expect(readFileSync(a.keystore).length).toBeGreaterThan(0);
  });
});

describe('listenerProperties', () => {
  it('has only PLAINTEXT and CONTROLLER listeners by default', () => {
    const p = listenerProperties({ port: 1, controllerPort: 2 });
    expect(p.listeners).toBe('PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2');
    expect(p['advertised.listeners']).toBe('PLAINTEXT://127.0.0.1:1');
    expect(Object.keys(p).some((k) => k.includes('keystore'))).toBe(false);
  });

  it('adds SASL_PLAINTEXT and SSL listeners, the SSL one with the PKCS#12 keystore', () => {
    const tls = { caPem: '/t/ca.pem', keystore: '/t/broker.p12', keystorePassword: 'pw' };
    const p = listenerProperties({ port: 1, controllerPort: 2, saslPort: 3, sslPort: 4, tls });
    expect(p.listeners).toBe('PLAINTEXT://127.0.0.1:1,SASL_PLAINTEXT://127.0.0.1:3,SSL://127.0.0.1:4,CONTROLLER://127.0.0.1:2');
    expect(p['advertised.listeners']).toBe('PLAINTEXT://127.0.0.1:1,SASL_PLAINTEXT://127.0.0.1:3,SSL://127.0.0.1:4');
    expect(p['listener.security.protocol.map']).toContain('SSL:SSL');
    expect(p['listener.name.ssl.ssl.keystore.location']).toBe('/t/broker.p12');
    expect(p['listener.name.ssl.ssl.keystore.type']).toBe('PKCS12');
    expect(p['listener.name.ssl.ssl.keystore.password']).toBe('pw');
  });

  it('refuses an SSL port without key material', () => {
    expect(() => listenerProperties({ port: 1, controllerPort: 2, sslPort: 4 })).toThrow(/sslPort 4 needs tls key material/);
  });
});
