import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { decodeHeartbeat } from '../mm2/heartbeat.ts';
import type { HeartbeatPairConfig } from '../config/config.ts';
import { PairHeartbeats, type ClosableSink, type PairHeartbeatsClients } from './pair-heartbeats.ts';

const PAIR: HeartbeatPairConfig = {
  name: 'standby->primary', sourceAlias: 'standby', targetAlias: 'primary', heartbeatsTopic: 'heartbeats',
  emitHeartbeatsIntervalMs: 1000, heartbeatsTopicReplicationFactor: 1,
  target: { alias: 'primary', bootstrapServers: '127.0.0.1:1', client: {}, consumer: {}, producer: {}, admin: {} },
};

/** Clients whose topic creation fails `failures` times before it works; records what was sent. */
function fakeClients(failures: number): PairHeartbeatsClients & { sent: { topic: string; key: Buffer; value: Buffer }[]; ensured: number; closed: number } {
  const c = {
    sent: [] as { topic: string; key: Buffer; value: Buffer }[],
    ensured: 0,
    closed: 0,
    async ensureTopic() {
      if (c.ensured++ < failures) throw new Error('TOPIC_AUTHORIZATION_FAILED');
      return 'created' as const;
    },
    async connectSink(): Promise<ClosableSink> {
      return {
        send: (topic, key, value) => (c.sent.push({ topic, key, value }), true),
        close: async () => void c.closed++,
      };
    },
  };
  return c;
}

describe('PairHeartbeats', () => {
  afterEach(() => void vi.useRealTimers());

  it("writes Heartbeat{pair source, pair target} to the pair target's heartbeats topic, once per interval", async () => {
    vi.useFakeTimers();
    const clients = fakeClients(0);
    const p = new PairHeartbeats({ pair: PAIR, logger: silentLogger(), clients });
    p.start();
    await vi.waitFor(() => expect(p.emitting).toBe(true));
    await vi.advanceTimersByTimeAsync(2000);
    expect(clients.sent.length).toBe(3); // one at start, one per second
    expect(clients.sent.every((s) => s.topic === 'heartbeats')).toBe(true);
    expect(decodeHeartbeat(clients.sent[0]!.key, clients.sent[0]!.value)).toMatchObject({ sourceClusterAlias: 'standby', targetClusterAlias: 'primary' });
    await p.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(clients.sent.length).toBe(3);
    expect(clients.closed).toBe(1);
  });

  it('a refused topic never throws: it is retried with backoff until it works', async () => {
    vi.useFakeTimers();
    const clients = fakeClients(2);
    const p = new PairHeartbeats({ pair: PAIR, logger: silentLogger(), clients });
    p.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(clients.ensured).toBe(1);
    expect(p.emitting).toBe(false);
    await vi.advanceTimersByTimeAsync(5000); // first retry after 5 s
    expect(clients.ensured).toBe(2);
    await vi.advanceTimersByTimeAsync(9_999); // second after 10 s more
    expect(clients.ensured).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(clients.ensured).toBe(3);
    await vi.waitFor(() => expect(p.emitting).toBe(true));
    expect(clients.sent.length).toBe(1);
    await p.stop();
  });

  it('stop() during the backoff ends the retries', async () => {
    vi.useFakeTimers();
    const clients = fakeClients(100);
    const p = new PairHeartbeats({ pair: PAIR, logger: silentLogger(), clients });
    p.start();
    await vi.advanceTimersByTimeAsync(0);
    await p.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(clients.ensured).toBe(1);
    expect(clients.sent).toEqual([]);
  });
});
