import { describe, expect, it } from 'vitest';
import { causeChain, tlsTrustFailureCode } from './connection-failure.ts';

/** The shape @platformatic/kafka's NetworkError had in test/tls.int.test.ts (a broker certificate from another CA). */
function networkError(cause: Error): Error {
  return Object.assign(new Error('Connection to 127.0.0.1:21592 failed.', { cause }), { code: 'PLT_KFK_NETWORK', canRetry: true });
}

describe('connection-failure', () => {
  it('finds a TLS trust error code anywhere in the cause chain', () => {
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(tlsTrustFailureCode(networkError(tls))).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    expect(tlsTrustFailureCode(Object.assign(new Error('Hostname/IP does not match'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(tlsTrustFailureCode(networkError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })))).toBeUndefined();
    expect(tlsTrustFailureCode(undefined)).toBeUndefined();
  });

  it('joins the messages of the cause chain, without trailing dots or repeats', () => {
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(causeChain(networkError(tls))).toBe('Connection to 127.0.0.1:21592 failed: self-signed certificate in certificate chain');
    expect(causeChain(new Error('same', { cause: new Error('same') }))).toBe('same');
    expect(causeChain('text')).toBe('text');
    expect(causeChain(undefined)).toBe('no error');
  });

  it('stops after 5 causes (a cyclic cause cannot loop)', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    expect(causeChain(a)).toBe('a');
    expect(tlsTrustFailureCode(a)).toBeUndefined();
  });
});
