/**
 * libraryConnection: a socket reset after connecting (a broker restart) must not end the process with an
 * unhandled `'error'` event of @platformatic/kafka's Connection; the connection ends up closed and a request on
 * it fails through its callback. The same reset on a bare `new Connection` does emit the unhandled event.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Connection } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../testkit/wait-for.ts';
import { libraryConnection } from './batch-client.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A TCP server that hands every accepted socket to the test (to reset it). */
async function listen(): Promise<{ port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  server = createServer((s) => accepted.push(s));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, accepted };
}

describe('libraryConnection', () => {
  it('survives a reset socket: status closed, no unhandled error event', async () => {
    const { port, accepted } = await listen();
    const c = libraryConnection('test');
    await c.connect('127.0.0.1', port);
    await waitFor(() => accepted.length === 1 || undefined, { timeoutMs: 5_000, message: 'server accepted' });
    // No listener of the test's own: an unhandled 'error' event here fails the run (vitest reports it).
    accepted[0]!.resetAndDestroy();
    await waitFor(() => c.status === 'closed' || undefined, { timeoutMs: 5_000, message: 'connection closed' });
    expect(c.isConnected()).toBe(false);
  });

  it('a bare library Connection has no error listener (the reason for libraryConnection)', () => {
    expect(new Connection('test').listenerCount('error')).toBe(0);
    expect(libraryConnection('test').listenerCount('error')).toBe(1);
  });
});
