import { describe, expect, it } from 'vitest';
import { TransactionError } from '../../core/errors.ts';
import type { GroupMemberMetadata, TransactionGroup, TransactionOffset } from '../target-transactions.ts';
import { BatchTransactions, type TxnIdentity, type TxnProtocol } from './batch-transactions.ts';

/** A transaction coordinator and a group coordinator in memory: the transaction states of KIP-98 (TV1) and the generation check of KIP-447. */
class FakeCoordinators implements TxnProtocol {
  producerId = 4000;
  epoch = -1;
  /** Partitions / group of the ongoing transaction; undefined when none is ongoing. */
  ongoing: { partitions: Set<string>; groups: Set<string> } | undefined;
  committed: { partitions: string[]; offsets: TransactionOffset[] }[] = [];
  aborted = 0;
  pendingOffsets: TransactionOffset[] = [];
  /** The group's current member and generation. */
  group = { memberId: 'm-1', generationId: 3 };
  /** Codes the next calls answer first, per request. */
  readonly answers: Partial<Record<'init' | 'add' | 'offsets' | 'commitOffsets' | 'end', number[]>> = {};
  readonly calls: string[] = [];

  async initProducerId(): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
    this.calls.push('init');
    const code = this.answers.init?.shift();
    if (code) return { errorCode: code, producerId: -1, producerEpoch: -1 };
    if (this.ongoing) this.abortOngoing(); // a new epoch aborts what the old one left open
    this.epoch++;
    return { errorCode: 0, producerId: this.producerId, producerEpoch: this.epoch };
  }

  async addPartitions(t: TxnIdentity, topic: string, partitions: readonly number[]): Promise<number> {
    this.calls.push(`add ${topic}-${partitions.join(',')}`);
    const code = this.answers.add?.shift() ?? this.fenced(t);
    if (code) return code;
    this.ongoing ??= { partitions: new Set(), groups: new Set() };
    for (const p of partitions) this.ongoing.partitions.add(`${topic}-${p}`);
    return 0;
  }

  async addOffsets(t: TxnIdentity, groupId: string): Promise<number> {
    this.calls.push(`offsets ${groupId}`);
    const code = this.answers.offsets?.shift() ?? this.fenced(t);
    if (code) return code;
    this.ongoing ??= { partitions: new Set(), groups: new Set() };
    this.ongoing.groups.add(groupId);
    return 0;
  }

  async txnOffsetCommit(t: TxnIdentity, member: GroupMemberMetadata, offsets: readonly TransactionOffset[]): Promise<number> {
    this.calls.push(`commit-offsets ${member.memberId}@${member.generationId}`);
    const code = this.answers.commitOffsets?.shift();
    if (code) return code;
    if (member.memberId !== this.group.memberId) return 25; // UNKNOWN_MEMBER_ID
    if (member.generationId !== this.group.generationId) return 22; // ILLEGAL_GENERATION
    if (!this.ongoing?.groups.has(member.groupId)) return 48;
    this.pendingOffsets = [...offsets];
    return this.fenced(t);
  }

  async endTxn(t: TxnIdentity, commit: boolean): Promise<number> {
    this.calls.push(`end ${commit ? 'commit' : 'abort'}`);
    const code = this.answers.end?.shift() ?? this.fenced(t);
    if (code) return code;
    if (!this.ongoing) return 48; // INVALID_TXN_STATE: nothing to end
    if (commit) this.committed.push({ partitions: [...this.ongoing.partitions], offsets: this.pendingOffsets });
    else this.abortOngoing();
    this.ongoing = undefined;
    this.pendingOffsets = [];
    return 0;
  }

  private abortOngoing(): void {
    this.aborted++;
    this.ongoing = undefined;
    this.pendingOffsets = [];
  }

  private fenced(t: TxnIdentity): number {
    return t.producerEpoch === this.epoch ? 0 : 90; // PRODUCER_FENCED
  }
}

function setup() {
  const coordinators = new FakeCoordinators();
  const tx = new BatchTransactions({ protocol: coordinators, transactionalId: 'tid', transactionTimeoutMs: 10_000, sleep: () => Promise.resolve() });
  let lost = false;
  let member: GroupMemberMetadata | undefined = { groupId: 'g', memberId: 'm-1', generationId: 3, groupInstanceId: null };
  const group: TransactionGroup = { consumer: undefined, lost: () => lost, metadata: () => member };
  return { coordinators, tx, group, setLost: (v: boolean) => (lost = v), setMember: (m: GroupMemberMetadata | undefined) => (member = m) };
}

const OFFSETS: TransactionOffset[] = [{ topic: 'primary.t', partition: 0, offset: 10 }];

describe('BatchTransactions', () => {
  it('adds each partition once per transaction, commits offsets with the member id and generation, then ends the transaction', async () => {
    const { coordinators, tx, group } = setup();
    const id = await tx.init(1000, true);
    expect(await Promise.all([tx.enlist('primary.t', 0, id, 1000), tx.enlist('primary.t', 0, id, 1000), tx.enlist('primary.t', 1, id, 1000)])).toEqual([0, 0, 0]);
    await tx.commit(OFFSETS, group, 1000);
    expect(coordinators.calls).toEqual(['init', 'add primary.t-0', 'add primary.t-1', 'offsets g', 'commit-offsets m-1@3', 'end commit']);
    expect(coordinators.committed).toEqual([{ partitions: ['primary.t-0', 'primary.t-1'], offsets: OFFSETS }]);
    // The next transaction adds its partitions again.
    expect(await tx.enlist('primary.t', 0, id, 1000)).toBe(0);
    expect(coordinators.calls.at(-1)).toBe('add primary.t-0');
  });

  it('sends no EndTxn for a transaction that holds nothing', async () => {
    const { coordinators, tx } = setup();
    await tx.init(1000, true);
    await tx.commit([], undefined, 1000);
    await tx.abort(1000);
    expect(coordinators.calls).toEqual(['init']);
  });

  it('retries CONCURRENT_TRANSACTIONS and coordinator moves; gives up with the last code at the deadline', async () => {
    const { coordinators, tx } = setup();
    coordinators.answers.init = [51, 15];
    const id = await tx.init(1000, true);
    coordinators.answers.add = [51, 16, 51];
    expect(await tx.enlist('t', 0, id, 1000)).toBe(0);
    coordinators.answers.add = Array(1000).fill(51);
    expect(await tx.enlist('t', 1, id, 0)).toBe(51);
    coordinators.answers.add = [];
    expect(await tx.enlist('t', 1, id, 1000)).toBe(0); // a failed add is asked again by the next batch
  });

  it('KIP-447: a zombie whose generation is gone is refused at TxnOffsetCommit (send-offsets, kafkaCode 22); the abort ends the transaction', async () => {
    const { coordinators, tx, group } = setup();
    const id = await tx.init(1000, true);
    await tx.enlist('t', 0, id, 1000);
    coordinators.group = { memberId: 'm-1', generationId: 4 }; // the group rebalanced without us
    const err = await tx.commit(OFFSETS, group, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionError);
    expect(err).toMatchObject({ stage: 'send-offsets', kafkaCode: 22, producerUnusable: false });
    await tx.abort(1000);
    expect(coordinators.committed).toEqual([]);
    expect(coordinators.aborted).toBe(1);
    expect(coordinators.calls.at(-1)).toBe('end abort');
  });

  it('refuses locally when the assignment is lost or the member id and generation are not known', async () => {
    const { coordinators, tx, group, setLost, setMember } = setup();
    const id = await tx.init(1000, true);
    await tx.enlist('t', 0, id, 1000);
    setLost(true);
    await expect(tx.commit(OFFSETS, group, 1000)).rejects.toMatchObject({ stage: 'send-offsets', kafkaCode: undefined });
    setLost(false);
    setMember(undefined);
    await expect(tx.commit(OFFSETS, group, 1000)).rejects.toMatchObject({ stage: 'send-offsets' });
    expect(coordinators.calls.filter((c) => c.startsWith('commit-offsets') || c.startsWith('end'))).toEqual([]);
  });

  it('invariant A: a new epoch taken while the transaction had partitions dooms it until the abort; a fresh init does not', async () => {
    const { coordinators, tx, group } = setup();
    const first = await tx.init(1000, true);
    await tx.enlist('t', 0, first, 1000);
    const second = await tx.init(1000, false); // a lane's OUT_OF_ORDER_SEQUENCE_NUMBER: the coordinator aborted the transaction
    expect(coordinators.aborted).toBe(1);
    expect(tx.doomed).toMatch(/new producer epoch/);
    await tx.enlist('t', 0, second, 1000); // the lane resends under the new epoch
    await expect(tx.commit(OFFSETS, group, 1000)).rejects.toMatchObject({ stage: 'commit', producerUnusable: false });
    expect(coordinators.committed).toEqual([]);
    await tx.abort(1000);
    expect(tx.doomed).toBeUndefined();
    await tx.commit(OFFSETS, group, 1000);
    expect(coordinators.committed).toHaveLength(1);
    // Nothing open: a new epoch dooms nothing.
    await tx.init(1000, false);
    expect(tx.doomed).toBeUndefined();
  });

  it('invariant A: a failed write dooms the transaction', async () => {
    const { coordinators, tx } = setup();
    const id = await tx.init(1000, true);
    await tx.enlist('t', 0, id, 1000);
    tx.doom('a batch failed');
    await expect(tx.commit([], undefined, 1000)).rejects.toThrow(/a batch failed/);
    await tx.abort(1000);
    expect(coordinators.aborted).toBe(1);
  });

  it('invariant B: a failed EndTxn(commit) leaves the transaction open, so the abort that follows ends it', async () => {
    const { coordinators, tx } = setup();
    const id = await tx.init(1000, true);
    await tx.enlist('t', 0, id, 1000);
    coordinators.answers.end = [120]; // TRANSACTION_ABORTABLE (not retried)
    await expect(tx.commit([], undefined, 1000)).rejects.toMatchObject({ stage: 'commit', kafkaCode: 120, producerUnusable: false });
    expect(tx.open).toBe(true);
    await tx.abort(1000);
    expect(coordinators.calls.at(-1)).toBe('end abort');
    expect(coordinators.aborted).toBe(1);
  });

  it('a fenced producer (PRODUCER_FENCED) is reported unusable', async () => {
    const { coordinators, tx } = setup();
    const id = await tx.init(1000, true);
    await tx.enlist('t', 0, id, 1000);
    coordinators.epoch++; // another producer with the same transactional.id initialised
    await expect(tx.commit([], undefined, 1000)).rejects.toMatchObject({ stage: 'commit', kafkaCode: 90, producerUnusable: true });
  });

  it('invariant C: a batch signed with a replaced identity is not added to the new transaction', async () => {
    const { coordinators, tx } = setup();
    const old = await tx.init(1000, true);
    await tx.init(1000, true);
    expect(await tx.enlist('t', 0, old, 1000)).toBe(47);
    expect(coordinators.calls).toEqual(['init', 'init']);
  });

  it('a batch enlisted while EndTxn runs joins the next transaction', async () => {
    const { coordinators, tx } = setup();
    const id = await tx.init(1000, true);
    await tx.enlist('t', 0, id, 1000);
    const committing = tx.commit([], undefined, 1000);
    const enlisting = tx.enlist('t', 0, id, 1000);
    await Promise.all([committing, enlisting]);
    expect(coordinators.committed).toEqual([{ partitions: ['t-0'], offsets: [] }]);
    expect(coordinators.ongoing?.partitions).toEqual(new Set(['t-0']));
  });
});
