/**
 * An in-memory fake of a flow's group (engine/kafka/group-membership.ts) for unit tests: each mirror
 * task that joins gets a {@link FakeMember}; the test moves partitions by calling {@link FakeMember.assign}
 * and {@link FakeMember.revoke}, which resolve once the task has applied the change — as librdkafka's
 * incremental rebalance waits for the application's acknowledgement. Partitions are REMOTE partitions.
 */
import type { TopicPartition } from '../../kafka/kafka-admin.ts';
import type { MirrorError } from '../../core/errors.ts';
import type { GroupMembership, GroupMembershipFactory, MembershipListener } from '../../kafka/group-membership.ts';

/** One member of a {@link FakeGroup}. */
export class FakeMember implements GroupMembership {
  readonly groupId: string;
  /** Every subscription the task set, in order. */
  readonly subscriptions: string[][] = [];
  left = false;
  private readonly listener: MembershipListener;
  private readonly initial: TopicPartition[];
  private joined = false;

  constructor(groupId: string, listener: MembershipListener, initial: TopicPartition[]) {
    this.groupId = groupId;
    this.listener = listener;
    this.initial = initial;
  }

  /** The first subscription joins: the initial assignment follows asynchronously (as a rebalance would). */
  subscribe(topics: readonly string[]): void {
    this.subscriptions.push([...topics]);
    if (this.joined) return;
    this.joined = true;
    setImmediate(() => void this.listener.onAssigned(this.initial.map((tp) => ({ ...tp }))));
  }

  async leave(): Promise<void> {
    this.left = true;
  }

  /** The group assigns `partitions` (remote); resolves once the task adopted them. */
  assign(partitions: TopicPartition[]): Promise<void> {
    return this.listener.onAssigned(partitions);
  }

  /** The group refuses the member for good. */
  fail(error: MirrorError): void {
    this.listener.onFailure(error);
  }

  /** The group revokes `partitions` (remote), `lost` when the session expired; resolves once the task let go. */
  revoke(partitions: TopicPartition[], lost = false): Promise<void> {
    return this.listener.onRevoked(partitions, lost);
  }
}

/** The members that joined, in join order; `initial(i)` is the first assignment of the i-th member. */
export class FakeGroup {
  readonly members: FakeMember[] = [];
  private readonly initial: (member: number) => TopicPartition[];

  constructor(initial: (member: number) => TopicPartition[] = () => []) {
    this.initial = initial;
  }

  /** The factory a mirror task's clients carry (`createMembership`). */
  factory(groupId = 'kafka-mirror-primary-standby'): GroupMembershipFactory {
    return async (listener) => {
      const member = new FakeMember(groupId, listener, this.initial(this.members.length));
      this.members.push(member);
      return member;
    };
  }
}
