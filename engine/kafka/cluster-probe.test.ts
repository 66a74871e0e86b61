import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isConnectionLoss, librdkafkaProbe } from './cluster-probe.ts';

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
