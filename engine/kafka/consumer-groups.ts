/**
 * Consumer-group operations on one cluster, as the checkpoint task needs them: list groups, read a
 * group's committed offsets, read group states, and write a group's offsets while it is inactive.
 *
 * Writing offsets: an OffsetCommit with generation -1 and no member id — exactly what Java's
 * `Admin.alterConsumerGroupOffsets` sends (MM2 uses it for `sync.group.offsets.enabled`). librdkafka
 * sends that request when a consumer that never subscribed commits explicit offsets, and the broker
 * accepts it only while the group has no members (Empty or non-existent) — the "only while inactive"
 * rule is enforced by the group coordinator itself, with no race against a consumer that starts at the
 * same moment (it is rejected with UNKNOWN_MEMBER_ID). Checked against Kafka 4.1: ~10 ms per commit.
 * kafkajs' `admin.setOffsets` was the alternative: it joins the group as a member (briefly making it
 * active on the target), waits for a fetch (~5 s per call) and is not broker-enforced.
 */
import type { GroupDescriptions, GroupResults, IAdminClient, KafkaConsumer } from '@confluentinc/kafka-javascript';
import { adminConfig, clientError, connectConsumer, disconnect, groupCommitConfig, type ClusterClientSettings } from './kafka-clients.ts';
import { AdminConnection, type AdminRequest } from './admin-connection.ts';
import { KAFKA_ERROR_CODES as K } from './error-codes.ts';
import { kafkaErrorCode } from './error-classifier.ts';

/** Group states as Kafka names them (ListGroups / DescribeGroups). */
export const GROUP_STATES = {
  UNKNOWN: 'Unknown',
  PREPARING_REBALANCE: 'PreparingRebalance',
  COMPLETING_REBALANCE: 'CompletingRebalance',
  STABLE: 'Stable',
  DEAD: 'Dead',
  EMPTY: 'Empty',
} as const;

/** One of {@link GROUP_STATES}. */
export type GroupState = (typeof GROUP_STATES)[keyof typeof GROUP_STATES];

/** librdkafka's numeric ConsumerGroupStates → names. */
const STATE_NAMES: readonly GroupState[] = ['Unknown', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty'];

/** True for groups no consumer is part of: their offsets may be written (Dead = the group does not exist). */
export function isInactive(state: GroupState): boolean {
  return state === GROUP_STATES.EMPTY || state === GROUP_STATES.DEAD;
}

/** A committed position of a group: the next record it reads; `metadata` '' when none. */
export interface GroupOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string;
}

/** What the checkpoint task asks of a cluster's groups (implemented by {@link ConsumerGroups}; unit tests use fakes). */
export interface GroupAdmin {
  /** Every group id on the cluster with its state. */
  listGroups(): Promise<{ groupId: string; state: GroupState }[]>;
  /** Committed offsets of a group (partitions without a commit are left out); [] for an unknown group. */
  committedOffsets(groupId: string): Promise<GroupOffset[]>;
  /** States of groups; a group that does not exist is `Dead`. */
  groupStates(groupIds: readonly string[]): Promise<Map<string, GroupState>>;
  /** Writes offsets of an inactive group; `group-active` when the broker refused because the group has members. */
  commitOffsets(groupId: string, offsets: readonly GroupOffset[]): Promise<'committed' | 'group-active'>;
  close(): void;
}

/** Kafka errors meaning "the group has members" (the broker refused an offset commit from outside the group). */
const GROUP_ACTIVE_CODES: ReadonlySet<number> = new Set([K.UNKNOWN_MEMBER_ID, K.ILLEGAL_GENERATION, K.REBALANCE_IN_PROGRESS, K.STALE_MEMBER_EPOCH]);

/** Options of {@link ConsumerGroups}. */
export interface ConsumerGroupsOptions {
  /** `client.id` of the admin client (when created here) and of the consumer that commits group offsets. */
  clientId: string;
  /** `admin.timeout.ms` of an admin client created here, ms (default 10 000). */
  timeoutMs?: number;
  /** The cluster's shared admin connection (ClusterConnections; its owner closes it). Default: one of its own, closed by {@link ConsumerGroups.close}. */
  connection?: AdminConnection;
}

/**
 * {@link GroupAdmin} against one cluster with the confluent client. Requests go through an
 * {@link AdminConnection}: retried while retriable for up to the admin timeout, and failing at once with
 * MirrorError(AUTH_FAILED) on an authentication failure (exit 4), like every other admin request.
 */
export class ConsumerGroups implements GroupAdmin {
  private readonly cluster: ClusterClientSettings;
  private readonly connection: AdminConnection;
  private readonly ownsConnection: boolean;
  private readonly clientId: string;

  constructor(cluster: ClusterClientSettings, options: ConsumerGroupsOptions) {
    this.cluster = cluster;
    this.clientId = options.clientId;
    this.ownsConnection = options.connection === undefined;
    this.connection = options.connection ?? new AdminConnection(adminConfig(cluster, options.clientId), { timeoutMs: options.timeoutMs, label: cluster });
  }

  private get client(): IAdminClient {
    return this.connection.client;
  }

  async listGroups(): Promise<{ groupId: string; state: GroupState }[]> {
    const result = await this.call<{ groups: { groupId: string; state: number; protocolType: string }[] }>('listGroups', (cb, timeout) =>
      this.client.listGroups({ timeout }, cb as never),
    );
    // Consumer groups only (protocol type "consumer", or "" for groups that only ever committed offsets);
    // Connect workers and other protocols keep offsets elsewhere.
    return result.groups.filter((g) => g.protocolType === 'consumer' || g.protocolType === '' || g.protocolType === 'simple').map((g) => ({ groupId: g.groupId, state: STATE_NAMES[g.state] ?? 'Unknown' }));
  }

  async committedOffsets(groupId: string): Promise<GroupOffset[]> {
    const [result] = await this.call<GroupResults[]>('listConsumerGroupOffsets', (cb, timeout) =>
      this.client.listConsumerGroupOffsets([{ groupId }], { timeout, requireStableOffsets: true }, cb),
    );
    if (result?.error) throw clientError(`listConsumerGroupOffsets(${groupId})`, result.error);
    return (result?.partitions ?? [])
      .filter((p) => !p.error && p.offset >= 0)
      .map((p) => ({ topic: p.topic, partition: p.partition, offset: Number(p.offset), metadata: p.metadata ?? '' }));
  }

  async groupStates(groupIds: readonly string[]): Promise<Map<string, GroupState>> {
    const states = new Map<string, GroupState>();
    if (groupIds.length === 0) return states;
    const described = await this.call<GroupDescriptions>('describeGroups', (cb, timeout) => this.client.describeGroups([...groupIds], { timeout }, cb));
    for (const g of described.groups) {
      if (g.error) throw clientError(`describeGroups(${g.groupId})`, g.error);
      states.set(g.groupId, STATE_NAMES[g.state as unknown as number] ?? 'Unknown');
    }
    return states;
  }

  async commitOffsets(groupId: string, offsets: readonly GroupOffset[]): Promise<'committed' | 'group-active'> {
    if (offsets.length === 0) return 'committed';
    const consumer: KafkaConsumer = await connectConsumer(groupCommitConfig(this.cluster, this.clientId, groupId));
    try {
      consumer.commitSync(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata || null })));
      return 'committed';
    } catch (err) {
      const code = kafkaErrorCode(err);
      if (code !== undefined && GROUP_ACTIVE_CODES.has(code)) return 'group-active';
      throw clientError(`committing offsets of group ${groupId}`, err as Error);
    } finally {
      await disconnect(consumer);
    }
  }

  /** Closes the admin client when it was created here (a shared connection is left to its owner). Idempotent. */
  close(): void {
    if (this.ownsConnection) this.connection.close();
  }

  private call<T>(what: string, run: AdminRequest<T>): Promise<T> {
    return this.connection.call(`${what} on ${this.cluster.alias}`, run);
  }
}
