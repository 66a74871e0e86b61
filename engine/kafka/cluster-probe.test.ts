import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isConnectionLoss, librdkafkaProbe, tlsTrustFailure } from './cluster-probe.ts';

/** A local port nothing listens on (bound, then released): connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('cluster probe', () => {
  it('isConnectionLoss: every broker connection down (code -187 or the binding\'s text), not one broker', () => {
    expect(isConnectionLoss({ code: -187, message: 'Local: All broker connections are down' })).toBe(true);
    expect(isConnectionLoss({ code: -1, message: 'all broker connections are down' })).toBe(true);
    expect(isConnectionLoss({ code: -195, message: 'Local: Broker transport failure' })).toBe(false);
    expect(isConnectionLoss({ code: -1, message: 'broker transport failure' })).toBe(false);
    expect(isConnectionLoss(undefined)).toBe(false);
  });

  it('tlsTrustFailure: the FAIL log of a certificate that failed verification in the TLS handshake, thread prefix dropped', () => {
    // librdkafka 2.x's log line for a broker certificate signed by a CA not in ssl.ca.location (seen in test/tls.int.test.ts).
    const message =
      '[thrd:ssl://127.0.0.1:21592/bootstrap]: ssl://127.0.0.1:21592/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: ' +
      'broker certificate could not be verified, verify that ssl.ca.location is correctly configured or root CA certificates are installed (install ca-certificates package) (after 2ms in state SSL_HANDSHAKE)';
    expect(tlsTrustFailure({ severity: 3, fac: 'FAIL', message })).toMatch(/^ssl:\/\/127\.0\.0\.1:21592\/bootstrap: SSL handshake failed: .*certificate verify failed: .*ssl\.ca\.location/);
    // Other handshake failures (a PLAINTEXT port, a reset) are not a verdict on trust; other facilities are not failures.
    expect(tlsTrustFailure({ severity: 3, fac: 'FAIL', message: 'ssl://127.0.0.1:9092/bootstrap: SSL handshake failed: error:0A00010B:SSL routines::wrong version number' })).toBeUndefined();
    expect(tlsTrustFailure({ severity: 7, fac: 'SSL', message })).toBeUndefined();
    expect(tlsTrustFailure({})).toBeUndefined();
  });

  it('against a closed port: the metadata request fails within its timeout and the client reports the lost connection', async () => {
    const port = await closedPort();
    const losses: string[] = [];
    const probe = librdkafkaProbe({ alias: 'nowhere', bootstrapServers: `127.0.0.1:${port}`, client: {}, consumer: {}, producer: {}, admin: {} }, (m) => losses.push(m));
    try {
      const t0 = Date.now();
      const err = await probe.check(500).then(() => undefined, (e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toMatch(/Broker transport failure|Timed out/);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(losses.length).toBeGreaterThan(0);
      expect(losses[0]).toMatch(/all broker connections are down/i);
    } finally {
      probe.close();
      probe.close();
    }
    await expect(probe.check(100)).rejects.toThrow('probe closed');
  });
});
