import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { createReplicationPolicy } from '../mm2/replication-policy.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';
import { OffsetSyncStore } from './offset-sync-store.ts';
import { FailbackSyncs, type FailbackSyncsSettings } from './failback-syncs.ts';

const cluster = (alias: string): ClusterClientSettings => ({ alias, bootstrapServers: `${alias}:9092`, client: {}, consumer: {}, producer: {}, admin: {} });

/** Flow standby->primary; its reverse flow primary->standby mirrored commit-log 0..9 to 0..9. */
const settings = (location: 'source' | 'target'): FailbackSyncsSettings => ({
  name: 'standby->primary', sourceAlias: 'standby', targetAlias: 'primary', source: cluster('standby'), target: cluster('primary'),
  replicationPolicy: createReplicationPolicy(undefined), offsetSyncsTopicLocation: location,
});

function loader(reads: string[], fail = () => false) {
  return async (store: OffsetSyncStore, c: ClusterClientSettings, topic: string): Promise<number> => {
    if (fail()) throw new Error('TOPIC_AUTHORIZATION_FAILED');
    reads.push(`${topic}@${c.alias}`);
    store.add({ topic: 'commit-log', partition: 0, upstreamOffset: 0, downstreamOffset: 0 });
    store.add({ topic: 'commit-log', partition: 0, upstreamOffset: 9, downstreamOffset: 9 });
    return 2;
  };
}

describe('FailbackSyncs', () => {
  it('reads the reverse flow syncs where MM2 puts them: location source → on this flow target, named after this flow source', async () => {
    const reads: string[] = [];
    const f = new FailbackSyncs({ settings: settings('source'), logger: silentLogger(), load: loader(reads) });
    await f.refresh();
    expect(reads).toEqual(['mm2-offset-syncs.standby.internal@primary']);
    expect(f.translate('commit-log', 0, 5)).toMatchObject({ upstreamOffset: 5, rule: 'exact' });
    expect(f.reverseFlow).toBe('primary->standby');
  });

  it('location target → on this flow source (the reverse target), the old shared name first', async () => {
    const reads: string[] = [];
    const f = new FailbackSyncs({ settings: settings('source'), reverseLocation: 'target', logger: silentLogger(), load: loader(reads) });
    await f.refresh();
    expect(reads).toEqual(['mm2-offset-syncs.standby.internal@standby', 'mm2-offset-syncs.primary.internal@standby']);
  });

  it('re-reads only after its interval, keeps the last copy when a read fails, and never throws', async () => {
    const reads: string[] = [];
    let now = 0;
    let failing = false;
    const f = new FailbackSyncs({ settings: settings('source'), reloadIntervalMs: 1000, now: () => now, logger: silentLogger(), load: loader(reads, () => failing) });
    await f.refresh();
    now += 999;
    await f.refresh();
    expect(reads).toHaveLength(1);
    now += 1;
    failing = true;
    await f.refresh();
    expect(f.translate('commit-log', 0, 3)?.upstreamOffset).toBe(3);
  });

  it("prefers the reverse flow's live store and then reads nothing", async () => {
    const reads: string[] = [];
    const live = new OffsetSyncStore();
    live.add({ topic: 'commit-log', partition: 0, upstreamOffset: 100, downstreamOffset: 0 });
    const f = new FailbackSyncs({ settings: settings('source'), liveStore: () => live, logger: silentLogger(), load: loader(reads) });
    await f.refresh();
    expect(reads).toEqual([]);
    expect(f.translate('commit-log', 0, 1)?.upstreamOffset).toBe(101);
  });

  it('firstMirrored: the upstream offset of the oldest known reverse sync of a partition (identity active-active checkpoints), undefined without any', async () => {
    const f = new FailbackSyncs({ settings: settings('source'), logger: silentLogger(), load: loader([]) });
    expect(f.firstMirrored('commit-log', 0)).toBeUndefined(); // nothing read yet
    await f.refresh();
    expect(f.firstMirrored('commit-log', 0)).toBe(0);
    expect(f.firstMirrored('commit-log', 1)).toBeUndefined();
    expect(f.firstMirrored('other', 0)).toBeUndefined();
  });
});
