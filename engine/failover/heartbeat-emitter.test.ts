import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { HeartbeatEmitter } from './heartbeat-emitter.ts';
import { decodeHeartbeat } from '../mm2/heartbeat.ts';

describe('HeartbeatEmitter', () => {
  it('writes MM2 heartbeats keyed by the flow, timestamped now', () => {
    const sent: { topic: string; key: Buffer; value: Buffer; ts: number }[] = [];
    let now = 1_700_000_000_000;
    const e = new HeartbeatEmitter({
      sourceAlias: 'primary', targetAlias: 'standby', topic: 'heartbeats', intervalMs: 1000, logger: silentLogger(), now: () => now,
      sink: { send: (topic, key, value, ts) => (sent.push({ topic, key, value, ts }), true) },
    });
    e.beat();
    now += 1000;
    e.beat();
    expect(sent.map((s) => [s.topic, decodeHeartbeat(s.key, s.value), s.ts])).toEqual([
      ['heartbeats', { sourceClusterAlias: 'primary', targetClusterAlias: 'standby', timestamp: 1_700_000_000_000 }, 1_700_000_000_000],
      ['heartbeats', { sourceClusterAlias: 'primary', targetClusterAlias: 'standby', timestamp: 1_700_000_001_000 }, 1_700_000_001_000],
    ]);
    expect(e.heartbeatsSent).toBe(2);
  });
});
