import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { CheckpointTask, type CheckpointSettings } from './checkpoint-task.ts';
import { decodeCheckpoint } from '../mm2/checkpoint.ts';
import { OffsetSyncStore } from './offset-sync-store.ts';
import { DefaultReplicationPolicy } from '../mm2/replication-policy.ts';
import { GroupFilter, TopicFilter } from '../config/topic-filter.ts';
import type { GroupAdmin, GroupOffset, GroupState } from '../kafka/consumer-groups.ts';
import { FailbackSyncs } from './failback-syncs.ts';

const policy = new DefaultReplicationPolicy();
const settings = (over: Partial<CheckpointSettings> = {}): CheckpointSettings => ({
  name: 'primary->standby',
  sourceAlias: 'primary',
  targetAlias: 'standby',
  target: { alias: 'standby', bootstrapServers: 'unused:1', client: {}, consumer: {}, producer: {}, admin: {} },
  topicFilter: new TopicFilter({ replicationPolicy: policy, targetAlias: 'standby', include: 'commit-log' }),
  groupFilter: new GroupFilter(),
  replicationPolicy: policy,
  emitCheckpointsIntervalMs: 5000,
  refreshGroupsEnabled: true,
  refreshGroupsIntervalMs: 5000,
  syncGroupOffsetsEnabled: false,
  syncGroupOffsetsIntervalMs: 5000,
  ...over,
});

/** A cluster's groups in memory. */
class FakeGroups implements GroupAdmin {
  readonly offsets = new Map<string, GroupOffset[]>();
  readonly states = new Map<string, GroupState>();
  readonly commits: { group: string; offsets: GroupOffset[] }[] = [];
  async listGroups() {
    return [...this.offsets.keys()].map((groupId) => ({ groupId, state: this.states.get(groupId) ?? ('Empty' as GroupState) }));
  }
  async committedOffsets(groupId: string) {
    return this.offsets.get(groupId) ?? [];
  }
  async groupStates(ids: readonly string[]) {
    return new Map(ids.map((id) => [id, this.states.get(id) ?? ('Dead' as GroupState)]));
  }
  async commitOffsets(group: string, offsets: readonly GroupOffset[]) {
    if (this.states.get(group) === 'Stable') return 'group-active' as const;
    this.commits.push({ group, offsets: [...offsets] });
    const merged = new Map((this.offsets.get(group) ?? []).map((o) => [`${o.topic}-${o.partition}`, o]));
    for (const o of offsets) merged.set(`${o.topic}-${o.partition}`, o);
    this.offsets.set(group, [...merged.values()]);
    return 'committed' as const;
  }
  close() {}
}

const commit = (topic: string, partition: number, offset: number): GroupOffset => ({ topic, partition, offset, metadata: '' });

function setup(over: Partial<CheckpointSettings> = {}, owns?: (topic: string, partition: number) => boolean) {
  const clock = { ms: 1_000_000 };
  const store = new OffsetSyncStore();
  const source = new FakeGroups();
  const target = new FakeGroups();
  const sent: ReturnType<typeof decodeCheckpoint>[] = [];
  const resetPending = new Set<string>();
  const task = new CheckpointTask({
    settings: settings(over), store, sourceGroups: source, targetGroups: target, logger: silentLogger(), now: () => clock.ms,
    sink: { send: (topic, key, value) => (expect(topic).toBe('primary.checkpoints.internal'), sent.push(decodeCheckpoint(key, value)), true) },
    partitionStatus: (topic, partition) => ({ resetPending: resetPending.has(`${topic}-${partition}`) }),
    ...(owns ? { owns } : {}),
  });
  // commit-log-0: records 0..99 at 1000..1099, a gap at 100..104, then 105.. at 1100..
  store.add({ topic: 'commit-log', partition: 0, upstreamOffset: 0, downstreamOffset: 1000 });
  store.add({ topic: 'commit-log', partition: 0, upstreamOffset: 105, downstreamOffset: 1100 });
  store.seriesOf('commit-log', 0).advance(150, 1145);
  return { store, source, target, sent, task, resetPending, clock };
}

describe('CheckpointTask', () => {
  it('translates committed offsets of filtered groups on mirrored topics and names the remote topic', async () => {
    const { source, sent, task } = setup();
    source.offsets.set('orders-app', [commit('commit-log', 0, 50), commit('other-topic', 0, 7)]);
    source.offsets.set('console-consumer-123', [commit('commit-log', 0, 10)]); // groups.exclude default
    expect(await task.runOnce()).toBe(1);
    expect(sent).toEqual([{ group: 'orders-app', topic: 'primary.commit-log', partition: 0, upstreamOffset: 50, downstreamOffset: 1050, metadata: '' }]);
  });

  it('emits only what changed: not a repeat, not a downstream rewind; yes an upstream rewind', async () => {
    const { source, sent, task } = setup();
    source.offsets.set('g', [commit('commit-log', 0, 50)]);
    await task.runOnce();
    await task.runOnce();
    expect(sent).toHaveLength(1);
    source.offsets.set('g', [commit('commit-log', 0, 102)]); // in the gap: next record is 105 at 1100
    await task.runOnce();
    expect(sent.at(-1)).toMatchObject({ upstreamOffset: 102, downstreamOffset: 1100 });
    source.offsets.set('g', [commit('commit-log', 0, 20)]); // the group was reset to an earlier offset
    await task.runOnce();
    expect(sent.at(-1)).toMatchObject({ upstreamOffset: 20, downstreamOffset: 1020 });
    expect(task.checkpointsOf('g')).toHaveLength(1);
  });

  it('never checkpoints past the mirrored position, nor without a sync at or below the offset', async () => {
    const { source, sent, task, store } = setup();
    source.offsets.set('ahead', [commit('commit-log', 0, 900)]);
    store.add({ topic: 'commit-log', partition: 1, upstreamOffset: 500, downstreamOffset: 0 });
    source.offsets.set('behind', [commit('commit-log', 1, 499)]);
    await task.runOnce();
    expect(sent).toEqual([{ group: 'ahead', topic: 'primary.commit-log', partition: 0, upstreamOffset: 900, downstreamOffset: 1146, metadata: '' }]);
  });

  it('with tasks.max > 1 checkpoints only the partitions its task owns', async () => {
    const { source, sent, task, store } = setup({}, (_topic, partition) => partition === 1);
    store.add({ topic: 'commit-log', partition: 1, upstreamOffset: 0, downstreamOffset: 0 });
    store.seriesOf('commit-log', 1).advance(99, 99);
    source.offsets.set('g', [commit('commit-log', 0, 50), commit('commit-log', 1, 60)]);
    await task.runOnce();
    expect(sent).toEqual([{ group: 'g', topic: 'primary.commit-log', partition: 1, upstreamOffset: 60, downstreamOffset: 60, metadata: '' }]);
  });

  it('skips a partition whose topic reset waits for its first record', async () => {
    const { source, sent, task, resetPending } = setup();
    resetPending.add('commit-log-0');
    source.offsets.set('g', [commit('commit-log', 0, 50)]);
    await task.runOnce();
    expect(sent).toHaveLength(0);
  });

  it('syncs group offsets into inactive target groups only, and never backwards', async () => {
    const { source, target, task, clock } = setup({ syncGroupOffsetsEnabled: true, syncGroupOffsetsIntervalMs: 1 });
    source.offsets.set('fresh', [commit('commit-log', 0, 50)]);
    source.offsets.set('ahead-on-target', [commit('commit-log', 0, 50)]);
    source.offsets.set('active', [commit('commit-log', 0, 50)]);
    target.offsets.set('ahead-on-target', [commit('primary.commit-log', 0, 1070)]);
    target.states.set('ahead-on-target', 'Empty');
    target.states.set('active', 'Stable');
    await task.runOnce();
    expect(target.commits).toEqual([{ group: 'fresh', offsets: [{ topic: 'primary.commit-log', partition: 0, offset: 1050, metadata: '' }] }]);
    source.offsets.set('fresh', [commit('commit-log', 0, 60)]);
    clock.ms += 2; // past syncGroupOffsetsIntervalMs
    await task.runOnce();
    expect(target.offsets.get('fresh')).toEqual([{ topic: 'primary.commit-log', partition: 0, offset: 1060, metadata: '' }]);
    expect(target.commits.map((c) => c.group)).toEqual(['fresh', 'fresh']);
  });

  it('failback: a group offset in a topic that came from the target is translated back with the reverse flow syncs and named after its origin', async () => {
    // Flow standby->primary. The reverse flow primary->standby mirrored commit-log 0..149 to primary.commit-log 0..149
    // (a 5-record gap at 50..54), then this group read primary.commit-log on the standby up to 120.
    const reverse = new OffsetSyncStore();
    reverse.add({ topic: 'commit-log', partition: 0, upstreamOffset: 0, downstreamOffset: 0 });
    reverse.add({ topic: 'commit-log', partition: 0, upstreamOffset: 55, downstreamOffset: 50 });
    reverse.add({ topic: 'commit-log', partition: 0, upstreamOffset: 154, downstreamOffset: 149 }); // final sync at shutdown
    const back = (over: Partial<CheckpointSettings> = {}, ownership: { owns?: () => boolean; emitsFailback?: boolean } = {}) => {
      const s = settings({
        name: 'standby->primary', sourceAlias: 'standby', targetAlias: 'primary',
        topicFilter: new TopicFilter({ replicationPolicy: policy, targetAlias: 'primary', include: 'commit-log' }), ...over,
      });
      const source = new FakeGroups();
      const sent: ReturnType<typeof decodeCheckpoint>[] = [];
      let loads = 0;
      const failback = new FailbackSyncs({
        settings: { ...s, source: s.target, offsetSyncsTopicLocation: 'source' }, logger: silentLogger(),
        load: async (store, _cluster, topic) => {
          loads++;
          expect(topic).toBe('mm2-offset-syncs.standby.internal'); // the reverse flow's, on its source (this target)
          for (const p of reverse.partitions()) for (const sync of p.points()) store.add({ topic: p.topic, partition: p.partition, upstreamOffset: sync.upstream, downstreamOffset: sync.downstream });
          return 3;
        },
      });
      const task = new CheckpointTask({
        settings: s, store: new OffsetSyncStore(), sourceGroups: source, targetGroups: new FakeGroups(), logger: silentLogger(), failback, ...ownership,
        sink: { send: (topic, key, value) => (expect(topic).toBe('standby.checkpoints.internal'), sent.push(decodeCheckpoint(key, value)), true) },
      });
      return { source, sent, task, loads: () => loads };
    };
    const { source, sent, task, loads } = back();
    source.offsets.set('billing', [commit('primary.commit-log', 0, 120), commit('primary.other', 0, 3), commit('primary.heartbeats', 0, 9)]);
    expect(await task.runOnce()).toBe(1);
    expect(sent).toEqual([{ group: 'billing', topic: 'commit-log', partition: 0, upstreamOffset: 120, downstreamOffset: 125, metadata: '' }]);
    await task.runOnce();
    expect(loads()).toBe(1); // re-read only after its interval
    // Without a failback translator the task behaves as MM2: no checkpoint for a cycle topic.
    const plain = new CheckpointTask({
      settings: settings({ name: 'standby->primary', sourceAlias: 'standby', targetAlias: 'primary', topicFilter: new TopicFilter({ replicationPolicy: policy, targetAlias: 'primary' }) }),
      store: new OffsetSyncStore(), sourceGroups: source, targetGroups: new FakeGroups(), logger: silentLogger(), sink: { send: () => true },
    });
    expect(await plain.runOnce()).toBe(0);
    // No group member owns a failback partition (this flow never mirrors it): the process with the duty emits it anyway, the others never.
    for (const [emitsFailback, expected] of [[undefined, 1], [true, 1], [false, 0]] as const) {
      const member = back({}, { owns: () => false, emitsFailback });
      member.source.offsets.set('billing', [commit('primary.commit-log', 0, 120)]);
      expect(await member.task.runOnce(), `emitsFailback ${emitsFailback}`).toBe(expected);
    }
  });
});
