/**
 * KafkaAdmin.partitionOffsets against a fake librdkafka admin client: librdkafka's "No leaders found"
 * (_NOENT, -156) for partitions its metadata cache holds leaderless is asked once more after a full metadata
 * refresh (listTopics), instead of failing every adoption of the partitions until the process restarts
 * (seen in a chaos run after the single source broker restarted). A partition answered with FENCED_LEADER_EPOCH
 * (the cached leader epoch is older than the broker's) is retried after the same refresh.
 */
import type { IAdminClient } from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { AdminConnection } from './admin-connection.ts';
import { KafkaAdmin } from './kafka-admin.ts';

type Cb = (err: unknown, value?: unknown) => void;

/** A fake admin client whose listOffsets answers _NOENT until `refreshesNeeded` listTopics calls happened. */
function fakeClient(refreshesNeeded: number): { client: IAdminClient; calls: string[] } {
  const calls: string[] = [];
  let refreshes = 0;
  const client = {
    listTopics: (_options: unknown, cb: Cb) => {
      calls.push('listTopics');
      refreshes++;
      setImmediate(() => cb(null, ['orders']));
    },
    listOffsets: (parts: { topic: string; partition: number; offset: unknown }[], _options: unknown, cb: Cb) => {
      calls.push('listOffsets');
      if (refreshes < refreshesNeeded) {
        setImmediate(() => cb(Object.assign(new Error('Local: No such entry'), { code: -156 })));
        return;
      }
      setImmediate(() => cb(null, parts.map((p) => ({ topic: p.topic, partition: p.partition, offset: (p.offset as { timestamp: number }).timestamp === -2 ? 5 : 42 }))));
    },
    disconnect: () => undefined,
  } as unknown as IAdminClient;
  return { client, calls };
}

describe('KafkaAdmin.partitionOffsets', () => {
  it('retries "No leaders found" after refreshing the metadata and returns the offsets', async () => {
    const { client, calls } = fakeClient(1);
    const admin = new KafkaAdmin(new AdminConnection({ 'bootstrap.servers': '127.0.0.1:1' }, { timeoutMs: 5_000, createClient: () => client }));
    const offsets = await admin.partitionOffsets([{ topic: 'orders', partition: 0 }]);
    expect(offsets.get('orders-0')).toEqual({ logStartOffset: 5, logEndOffset: 42 });
    expect(calls.indexOf('listTopics')).toBeGreaterThan(0);
    expect(calls.filter((c) => c === 'listOffsets')).toHaveLength(4); // 2 failed, 2 answered after the refresh
  });

  it('fails at once when the refresh did not help (a topic that does not exist answers "No leaders found" too)', async () => {
    const { client, calls } = fakeClient(Number.POSITIVE_INFINITY);
    const admin = new KafkaAdmin(new AdminConnection({ 'bootstrap.servers': '127.0.0.1:1' }, { timeoutMs: 10_000, createClient: () => client }));
    await expect(admin.partitionOffsets([{ topic: 'orders', partition: 0 }])).rejects.toThrow(/listOffsets failed: Local: No such entry/);
    // One refresh and one more try, not a loop until the 10 s admin timeout.
    expect(calls).toEqual(['listOffsets', 'listOffsets', 'listTopics', 'listOffsets', 'listOffsets']);
  });
});

/** A fake admin client whose listOffsets answers FENCED_LEADER_EPOCH (74) for every partition until a listTopics happened. */
function fencedEpochClient(): { client: IAdminClient; calls: string[] } {
  const calls: string[] = [];
  let refreshed = false;
  const client = {
    listTopics: (_options: unknown, cb: Cb) => {
      calls.push('listTopics');
      refreshed = true;
      setImmediate(() => cb(null, ['orders']));
    },
    listOffsets: (parts: { topic: string; partition: number; offset: unknown }[], _options: unknown, cb: Cb) => {
      calls.push('listOffsets');
      const fenced = { code: 74, message: 'Broker: Leader epoch is older than broker epoch' };
      setImmediate(() => cb(null, parts.map((p) => ({ topic: p.topic, partition: p.partition, offset: (p.offset as { timestamp: number }).timestamp === -2 ? 5 : 42, ...(refreshed ? {} : { error: fenced }) }))));
    },
    disconnect: () => undefined,
  } as unknown as IAdminClient;
  return { client, calls };
}

describe('KafkaAdmin.partitionOffsets with a stale leader epoch', () => {
  it('refreshes the metadata after FENCED_LEADER_EPOCH and returns the offsets of the next attempt', async () => {
    const { client, calls } = fencedEpochClient();
    const admin = new KafkaAdmin(new AdminConnection({ 'bootstrap.servers': '127.0.0.1:1' }, { timeoutMs: 5_000, createClient: () => client }));
    const offsets = await admin.partitionOffsets([{ topic: 'orders', partition: 0 }]);
    expect(offsets.get('orders-0')).toEqual({ logStartOffset: 5, logEndOffset: 42 });
    expect(calls).toEqual(['listOffsets', 'listOffsets', 'listTopics', 'listOffsets', 'listOffsets']);
  });
});
