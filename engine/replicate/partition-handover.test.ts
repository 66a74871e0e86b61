import { afterEach, describe, expect, it } from 'vitest';
import { TruncationError } from '../core/errors.ts';
import type { ProgressRecord } from '../progress/progress-store.ts';
import { waitFor } from '../../testkit/wait-for.ts';
import { FakeKafka, ManualClock } from './fakes/fake-kafka.ts';
import { FakeGroup } from './fakes/fake-group.ts';
import { mirrorTaskHarness, valuesOf, type MirrorTaskHarness } from './fakes/mirror-task-harness.ts';
import type { Logger } from '../core/logger.ts';
import { PartitionTable } from '../partitions/partition-table.ts';
import { PartitionHandover } from './partition-handover.ts';

/** Remote partition `p` of `orders`. */
const remote = (partition: number) => ({ topic: 'primary.orders', partition });

/**
 * Two members of one flow's group over shared fake clusters and a shared progress topic: the handover of
 * partitions between them (partition-handover.ts), driven by the test as the group would.
 */
describe('PartitionHandover: partitions moving between group members (fakes, no broker)', () => {
  let harnesses: MirrorTaskHarness[] = [];
  afterEach(async () => {
    for (const h of harnesses) await h.task.stop();
    harnesses = [];
  });

  /** Member 0 starts with `initial` (remote partitions), member 1 with nothing. Both started. */
  async function twoMembers(initial: number[]) {
    const fakes = new FakeKafka();
    const progressTopic: ProgressRecord[] = [];
    const group = new FakeGroup((member) => (member === 0 ? initial.map(remote) : []));
    const a = mirrorTaskHarness({ fakes, progressTopic, group, clock: new ManualClock() });
    const b = mirrorTaskHarness({ fakes, progressTopic, group, clock: new ManualClock() });
    harnesses.push(a, b);
    return { fakes, progressTopic, group, a, b };
  }

  /** Latest progress record of orders-`partition` in the shared topic. */
  const latest = (topic: ProgressRecord[], partition: number) => topic.filter((r) => r.topic === 'orders' && r.partition === partition).at(-1);

  /** Waits until the clusters' consumers were called `n` more times (loop iterations of the tasks that fetch). */
  async function iterations(h: MirrorTaskHarness, n: number): Promise<void> {
    const calls = h.kafka.consumeCalls;
    await waitFor(() => h.kafka.consumeCalls >= calls + n, { timeoutMs: 5000, intervalMs: 5, message: `${n} consume calls` });
  }

  it('revoke: the old owner stops fetching and stores the final progress before it lets go; the new owner resumes there, every record once and in order', async () => {
    const { fakes, progressTopic, group, a, b } = await twoMembers([0, 1]);
    const t = fakes.source.createTopic('orders', 2, [10, 10]);
    await a.task.start();
    await b.task.start();
    expect(a.events('partitions_assigned')[0]).toMatchObject({ partitions: ['orders-0', 'orders-1'], owned: 2 });
    expect(group.members[0]!.subscriptions).toEqual([['primary.orders']]);
    await a.waitForRemote('orders', 1, 10);
    fakes.source.append('orders', 1, 5);
    await a.waitForRemote('orders', 1, 15);

    await group.members[0]!.revoke([remote(1)]);
    // Released only after its final progress was stored: exactly what the target acknowledged.
    expect(latest(progressTopic, 1)).toMatchObject({ topicId: t.topicId, nextOffset: 15 });
    expect(a.events('partitions_revoked')).toEqual([expect.objectContaining({ level: 'info', partitions: ['orders-1'], owned: 1 })]);
    expect(a.task.owns('orders', 1)).toBe(false);
    expect(a.task.partitionStates.has('orders-1')).toBe(false);

    // Nobody owns orders-1 now: new records wait for the next owner. orders-0 goes on.
    fakes.source.append('orders', 1, 5);
    fakes.source.append('orders', 0, 3);
    await a.waitForRemote('orders', 0, 13);
    await iterations(a, 20);
    expect(fakes.target.values('primary.orders', 1)).toHaveLength(15);

    await group.members[1]!.assign([remote(1)]);
    expect(b.events('partitions_assigned').at(-1)).toMatchObject({ partitions: ['orders-1'], owned: 1 });
    expect(b.task.partitionStates.get('orders-1')).toMatchObject({ nextOffset: 15 });
    expect(await b.waitForRemote('orders', 1, 20)).toEqual(valuesOf(t.topicId, 0, 20)); // once each, in order
    expect(b.task.owns('orders', 0)).toBe(false);
  });

  it('lost: the partition goes at once, nothing more is written for it, the other partition goes on', async () => {
    const { fakes, progressTopic, group, a } = await twoMembers([0, 1]);
    fakes.source.createTopic('orders', 2, [10, 10]);
    await a.task.start();
    await a.waitForRemote('orders', 0, 10);
    await a.waitForRemote('orders', 1, 10);

    await group.members[0]!.revoke([remote(1)], true);
    const writesAfterLoss = () => progressTopic.slice(lostAt).filter((r) => r.partition === 1);
    const lostAt = progressTopic.length;
    expect(a.events('partitions_lost')).toEqual([expect.objectContaining({ level: 'warn', partitions: ['orders-1'], owned: 1 })]);
    expect(a.task.owns('orders', 1)).toBe(false);

    fakes.source.append('orders', 1, 5);
    fakes.source.append('orders', 0, 5);
    await a.waitForRemote('orders', 0, 15);
    a.clock.advance(a.settings.progressFlushIntervalMs); // a progress flush is due
    await waitFor(() => latest(progressTopic, 0)?.nextOffset === 15, { timeoutMs: 5000, intervalMs: 5, message: 'orders-0 progress at 15' });
    expect(fakes.target.values('primary.orders', 1)).toHaveLength(10);
    expect(writesAfterLoss()).toEqual([]);
  });

  it('lost and given back with nobody mirroring it meanwhile (a coordinator outage): resumes where it was, nothing copied twice', async () => {
    const { fakes, group, a } = await twoMembers([0]);
    const t = fakes.source.createTopic('orders', 1, [10]);
    await a.task.start();
    await a.waitForRemote('orders', 0, 10);
    await group.members[0]!.revoke([remote(0)], true);
    fakes.source.append('orders', 0, 5);
    await group.members[0]!.assign([remote(0)]);
    expect(a.events('partition_resumed')).toEqual([expect.objectContaining({ level: 'info', topic: 'orders', partition: 0, nextOffset: 10, ackedNextOffset: 10 })]);
    expect(await a.waitForRemote('orders', 0, 15)).toEqual(valuesOf(t.topicId, 0, 15));
  });

  it('lost, mirrored further by another member, then given back: adopted from the stored progress, not resumed', async () => {
    const { fakes, progressTopic, group, a, b } = await twoMembers([0]);
    const t = fakes.source.createTopic('orders', 1, [10]);
    await a.task.start();
    await b.task.start();
    await a.waitForRemote('orders', 0, 10);
    a.clock.advance(a.settings.progressFlushIntervalMs); // the progress of the 10 records is durable before the loss
    await waitFor(() => latest(progressTopic, 0)?.nextOffset === 10, { timeoutMs: 5000, intervalMs: 5, message: 'orders-0 progress at 10' });
    await group.members[0]!.revoke([remote(0)], true);
    fakes.source.append('orders', 0, 5);
    await group.members[1]!.assign([remote(0)]);
    await b.waitForRemote('orders', 0, 15);
    await group.members[1]!.revoke([remote(0)]);
    fakes.source.append('orders', 0, 5);
    await group.members[0]!.assign([remote(0)]);
    expect(a.events('partition_resumed')).toEqual([]);
    expect(a.task.partitionStates.get('orders-0')).toMatchObject({ nextOffset: 15 });
    expect(await a.waitForRemote('orders', 0, 20)).toEqual(valuesOf(t.topicId, 0, 20));
  });

  it('a partition moved here is checked as on start: progress below the log start is a truncation, reported by the new owner', async () => {
    const { fakes, progressTopic, group, a, b } = await twoMembers([0]);
    const t = fakes.source.createTopic('orders', 2, [10, 20]);
    progressTopic.push({ sourceCluster: 'primary', topic: 'orders', partition: 1, topicId: t.topicId, nextOffset: 5, updatedAt: '', remoteTopic: 'primary.orders', gaps: [] });
    fakes.source.deleteRecordsBefore('orders', 1, 8);
    await a.task.start();
    await b.task.start();
    await group.members[1]!.assign([remote(1)]);

    const outcome = await b.task.done;
    expect(outcome.status).toBe('failed');
    expect((outcome as { error: unknown }).error).toBeInstanceOf(TruncationError);
    expect(b.events('log_truncation_detected')).toEqual([
      expect.objectContaining({ level: 'critical', topic: 'orders', partition: 1, expectedOffset: 5, logStartOffset: 8, gap: 3 }),
    ]);
    expect(a.events('log_truncation_detected')).toEqual([]);
    expect(fakes.target.values('primary.orders', 1)).toEqual([]);
  });

  it('a partition moved here after its topic was recreated: the new owner logs the reset and mirrors the new incarnation from its log start', async () => {
    const { fakes, group, a, b } = await twoMembers([0, 1]);
    const old = fakes.source.createTopic('orders', 2, [4, 4]);
    await a.task.start();
    await b.task.start();
    await a.waitForRemote('orders', 1, 4);
    await group.members[0]!.revoke([remote(1)]);
    await group.members[0]!.revoke([remote(0)]);

    const recreated = fakes.source.recreateTopic('orders', 2, [3, 3]);
    await group.members[1]!.assign([remote(1)]);
    const detected = await b.waitForEvent('topic_reset_detected');
    expect(detected).toMatchObject({ level: 'warn', topic: 'orders', partition: 1, oldTopicId: old.topicId, newTopicId: recreated.topicId, lastMirroredOffset: 3 });
    expect(await b.waitForRemote('orders', 1, 7)).toEqual([...valuesOf(old.topicId, 0, 4), ...valuesOf(recreated.topicId, 0, 3)]);
    expect(a.events('topic_reset_detected')).toEqual([]);
  });

  it('fence: after the event loop stood still longer than heartbeat.interval.ms, nothing is fetched or stored until heartbeat.interval.ms + 1 s passed', async () => {
    const { fakes, progressTopic, group, a, b } = await twoMembers([0]);
    fakes.source.createTopic('orders', 2, [5, 5]);
    await a.task.start();
    await b.task.start();
    await group.members[1]!.assign([remote(1)]); // b keeps fetching: its consume calls are the test's clock
    await a.waitForRemote('orders', 0, 5);

    a.clock.advance(a.settings.heartbeatIntervalMs + 500); // as after SIGSTOP / SIGCONT: the next liveness tick sees the gap
    const stall = await a.waitForEvent('membership_stall');
    expect(stall).toMatchObject({ level: 'warn', stallMs: a.settings.heartbeatIntervalMs + 500, pauseMs: a.settings.heartbeatIntervalMs + 1000 });
    const writes = progressTopic.filter((r) => r.partition === 0).length;
    fakes.source.append('orders', 0, 5);
    await iterations(b, 30); // b (its own clock, not fenced) keeps consuming: 30 turns of its loop, a fetches nothing meanwhile
    expect(fakes.target.values('primary.orders', 0)).toHaveLength(5);
    expect(progressTopic.filter((r) => r.partition === 0)).toHaveLength(writes);

    // Time passes in steps below the stall limit (a jump above it would be another stall), one per liveness tick.
    await waitFor(() => (a.clock.advance(500), fakes.target.values('primary.orders', 0).length === 10), { timeoutMs: 5000, intervalMs: 150, message: 'orders-0 mirrored after the fence' });
    expect(a.events('membership_stall')).toHaveLength(1);
    expect(b.events('membership_stall')).toEqual([]);
  });

  it('ownsWholeFlow (live offset syncs for failback checkpoints): only while the group gives this member every partition of the flow', async () => {
    const { fakes, group, a } = await twoMembers([0]);
    fakes.source.createTopic('orders', 2, [1, 1]);
    await a.task.start();
    await a.waitForRemote('orders', 0, 1);
    expect(a.task.ownsWholeFlow()).toBe(false);
    await group.members[0]!.assign([remote(1)]);
    expect(a.task.ownsWholeFlow()).toBe(true);
    await group.members[0]!.revoke([remote(0)]);
    expect(a.task.ownsWholeFlow()).toBe(false);

    const alone = mirrorTaskHarness(); // no group: the whole flow
    harnesses.push(alone);
    alone.kafka.source.createTopic('orders', 2, [1, 1]);
    await alone.task.start();
    expect(alone.task.ownsWholeFlow()).toBe(true);
  });
});

describe('PartitionHandover.assignmentPending (exactly-once commits its open transaction before an adoption)', () => {
  it('is true while an assignment waits to be applied, not for a revocation alone', async () => {
    const silent = { debug() {}, info() {}, warn() {}, error() {}, trace() {}, child: () => silent } as unknown as Logger;
    const task = {
      sourceTopic: (t: string) => (t === 'primary.orders' ? 'orders' : undefined),
      reloadProgress: async () => undefined,
      adopt: async () => undefined,
      forgetWaiting: () => undefined,
      reassignNow: () => undefined,
      drainInFlight: async () => undefined,
      storeFinalProgress: async () => undefined,
      wake: () => undefined,
      failWith: () => undefined,
    };
    const handover = new PartitionHandover({ table: new PartitionTable(), task, clock: () => 0, logger: silent });
    expect(handover.assignmentPending).toBe(false);
    const revoked = handover.onRevoked([remote(0)], false);
    expect(handover.pending).toBe(true);
    expect(handover.assignmentPending).toBe(false);
    const assigned = handover.onAssigned([remote(1)]);
    expect(handover.assignmentPending).toBe(true);
    await handover.applyPending();
    await Promise.all([revoked, assigned]);
    expect(handover.pending).toBe(false);
    expect(handover.assignmentPending).toBe(false);
  });
});
