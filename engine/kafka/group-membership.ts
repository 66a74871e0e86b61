/**
 * Group membership of one mirror task (issue 15): a consumer on the TARGET cluster that joins the
 * flow's group, subscribes to the flow's REMOTE topics and never fetches. A remote topic has the
 * partition count of its source topic under both replication policies (discovery grows it), so the
 * group's assignment of remote partition (remote topic, p) means "mirror source (topic, p)".
 *
 * Why a separate consumer on the target, not the fetching consumer on the source:
 * - the target is what survives a source disaster (progress, offset syncs and checkpoints live there),
 *   and MM2 never puts consumer groups on the source;
 * - exactly-once later fences zombies with KIP-447 (`sendOffsetsToTransaction(offsets, consumer)`): the
 *   transactional producer writes to the target, so the group must live on the target cluster, and this
 *   consumer is the one whose group metadata the producer sends;
 * - the fetching consumer keeps its manual assignment, `auto.offset.reset=error` and its rebuild on topic
 *   resets (mirror-task.ts); a subscribed consumer could do neither.
 *
 * Rebalancing is incremental so a rebalance moves only the partitions that change owner:
 * `partition.assignment.strategy=cooperative-sticky` (KIP-429) with `group.protocol=classic`, or the
 * KIP-848 consumer protocol (`group.protocol=consumer`, assignor and timeouts on the broker). Both hand
 * this adapter librdkafka's incremental rebalance callback; each event is passed to the
 * {@link MembershipListener} and acknowledged (`incremental_assign` / `incremental_unassign`) only once
 * the listener resolved: a revoked partition is released after its final progress was stored, an
 * assigned one is taken once it is positioned and checked. librdkafka keeps heartbeating meanwhile
 * (join states WAIT_ASSIGN_CALL / WAIT_UNASSIGN_CALL, rdkafka_cgrp.c); the group waits up to
 * `max.poll.interval.ms` (300 000) for a revoking member.
 *
 * Never fetching: every assigned partition is paused as it is assigned, with `auto.offset.reset=latest`
 * and no commits; a poll loop serves the rebalance callbacks (librdkafka runs them from poll) and drops
 * anything that was fetched before the pause landed.
 */
import { MemberMetadataTracker, withCgrpDebug } from './member-metadata.ts';
import type { KafkaConsumer, LibrdKafkaError } from '@confluentinc/kafka-javascript';
import type { Logger } from '../core/logger.ts';
import type { TopicPartition } from './kafka-admin.ts';
import { connectConsumer, consumeBatch, disconnect, type ClusterClientSettings, type Conf } from './kafka-clients.ts';
import { KAFKA_ERROR_CODES } from './error-codes.ts';
import { isAuthFailure } from './error-classifier.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import type { TransactionGroup } from './target-transactions.ts';

/** The group settings of one flow (FlowConfig's `group.*`, `session.timeout.ms`, `heartbeat.interval.ms`; ms). */
export interface MembershipSettings {
  /** The flow's group id on the target, e.g. `kafka-mirror-primary-standby`. */
  readonly groupId: string;
  /** `classic` (cooperative-sticky, KIP-429) or `consumer` (KIP-848). */
  readonly protocol: 'classic' | 'consumer';
  /** Classic protocol only (KIP-848 takes it from the broker's `group.consumer.session.timeout.ms`). */
  readonly sessionTimeoutMs: number;
  /** Classic protocol only (KIP-848: `group.consumer.heartbeat.interval.ms` on the broker). */
  readonly heartbeatIntervalMs: number;
  /**
   * Exactly-once on the batch path: follow the member id and generation from librdkafka's `cgrp` debug log
   * (./member-metadata.ts), for TransactionGroup.metadata. Default false.
   */
  readonly trackMemberMetadata?: boolean;
}

/**
 * What the member tells its mirror task. Partitions are REMOTE topic partitions. Calls come one at a
 * time, in the order of the group's rebalance events; the next comes after the previous resolved.
 */
export interface MembershipListener {
  /** `partitions` were added to this member's assignment; resolve once they are mirrored from (the member then acknowledges). Rejections are logged. */
  onAssigned(partitions: TopicPartition[]): Promise<void>;
  /**
   * `partitions` are taken away. `lost`: the session expired (frozen, cut off) and another member may
   * own them already — stop at once and write nothing for them. Otherwise resolve once their final
   * progress is stored: the member releases them after.
   */
  onRevoked(partitions: TopicPartition[], lost: boolean): Promise<void>;
  /**
   * The group refuses this member for good (fatal): a setting the broker rejects (CONFIG_INVALID: invalid
   * session timeout, a group of another protocol under the same id, group full) or an authorization
   * failure (AUTH_FAILED). The task stops with it; retrying would only repeat the refusal.
   */
  onFailure(error: MirrorError): void;
}

/** The membership of one mirror task. */
export interface GroupMembership {
  /** The group id. */
  readonly groupId: string;
  /** Sets the subscription (remote topic names): the first call joins; a changed list rejoins. */
  subscribe(topics: readonly string[]): void;
  /** Leaves the group (partitions go to the other members at once) and closes the client. Idempotent. */
  leave(): Promise<void>;
  /**
   * Exactly-once: the member whose group generation fences a transaction commit (KIP-447:
   * `sendOffsetsToTransaction` with this consumer's group metadata, read at send time). Undefined once left.
   */
  transactionGroup?(): TransactionGroup | undefined;
}

/** Connects a membership that reports to `listener`. Rejects with MirrorError (KAFKA_ERROR / AUTH_FAILED). */
export type GroupMembershipFactory = (listener: MembershipListener) => Promise<GroupMembership>;

/** The incremental-rebalance methods of the rdkafka-style consumer, which the binding has (lib/kafka-consumer.js) but its typings lack. */
type IncrementalConsumer = KafkaConsumer & {
  incrementalAssign(partitions: TopicPartition[]): void;
  incrementalUnassign(partitions: TopicPartition[]): void;
  assignmentLost(): boolean;
};

/** ms one poll of the membership consumer waits: the longest a rebalance callback waits to be served. */
const POLL_TIMEOUT_MS = 100;

/**
 * librdkafka config of the membership consumer: the cluster's client and consumer settings (security),
 * then the fixed ones. Under KIP-848 librdkafka rejects the classic-only keys, so they are removed.
 */
export function membershipConsumerConfig(cluster: ClusterClientSettings, clientId: string, s: MembershipSettings): Conf {
  const conf: Conf = {
    ...cluster.client,
    ...cluster.consumer,
    'bootstrap.servers': cluster.bootstrapServers,
    'client.id': clientId,
    'group.id': s.groupId,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'enable.partition.eof': false,
    'auto.offset.reset': 'latest',
    // Paused at once, so these only bound what a fetch racing the pause may bring.
    'queued.max.messages.kbytes': 1024,
    'fetch.message.max.bytes': 65_536,
    // A remote topic that grew (source partitions added) is noticed within this, then rebalanced.
    'topic.metadata.refresh.interval.ms': 5000,
  };
  for (const key of ['session.timeout.ms', 'heartbeat.interval.ms', 'partition.assignment.strategy', 'group.protocol', 'group.remote.assignor']) delete conf[key];
  if (s.protocol === 'consumer') conf['group.protocol'] = 'consumer';
  else Object.assign(conf, { 'partition.assignment.strategy': 'cooperative-sticky', 'session.timeout.ms': s.sessionTimeoutMs, 'heartbeat.interval.ms': s.heartbeatIntervalMs });
  return conf;
}

/** The librdkafka-backed {@link GroupMembershipFactory} of a flow on `cluster` (the target). */
export function groupMembershipFactory(cluster: ClusterClientSettings, clientId: string, settings: MembershipSettings, logger: Logger): GroupMembershipFactory {
  return async (listener) => {
    const membership = new RdGroupMembership(settings.groupId, listener, logger.child({ component: 'group-membership', groupId: settings.groupId }));
    const conf = membershipConsumerConfig(cluster, clientId, settings);
    conf.rebalance_cb = membership.onRebalance as never;
    if (settings.trackMemberMetadata) {
      conf.debug = withCgrpDebug(conf.debug);
      membership.tracker = new MemberMetadataTracker(settings.groupId, typeof conf['group.instance.id'] === 'string' ? conf['group.instance.id'] : null);
    }
    membership.attach((await connectConsumer(conf)) as IncrementalConsumer);
    return membership;
  };
}

/** {@link GroupMembership} over an rdkafka-style KafkaConsumer with a function rebalance callback. */
class RdGroupMembership implements GroupMembership {
  readonly groupId: string;
  private readonly listener: MembershipListener;
  private readonly log: Logger;
  private consumer: IncrementalConsumer | undefined;
  /** Rebalance events, handled one after the other. */
  private events: Promise<void> = Promise.resolve();
  private polling: Promise<void> | undefined;
  private subscription = '';
  private closing = false;
  private leaving: Promise<void> | undefined;
  /** Set when the member id and generation are followed (MembershipSettings.trackMemberMetadata). */
  tracker: MemberMetadataTracker | undefined;

  constructor(groupId: string, listener: MembershipListener, log: Logger) {
    this.groupId = groupId;
    this.listener = listener;
    this.log = log;
  }

  attach(consumer: IncrementalConsumer): void {
    this.consumer = consumer;
    consumer.setDefaultConsumeTimeout(POLL_TIMEOUT_MS);
    consumer.on('event.error', (err: LibrdKafkaError) => this.log.warn({ code: err.code, err: err.message }, `group membership error: ${err.message}`));
    const tracker = this.tracker;
    if (tracker) {
      consumer.on('event.log', (e: { message?: string }) => {
        if (tracker.onLog(String(e.message ?? ''))) this.log.debug({ event: 'group_generation', ...tracker.metadata() }, 'group member id / generation changed (read from librdkafka\'s cgrp log)');
      });
    }
  }

  subscribe(topics: readonly string[]): void {
    const list = [...new Set(topics)].sort();
    const key = list.join('\u0000');
    if (this.closing || !this.consumer || key === this.subscription) return;
    this.subscription = key;
    if (list.length === 0) this.consumer.unsubscribe();
    else this.consumer.subscribe(list);
    this.log.debug({ topics: list }, 'group subscription updated');
    this.polling ??= this.poll();
  }

  leave(): Promise<void> {
    return (this.leaving ??= this.leaveOnce());
  }

  transactionGroup(): TransactionGroup | undefined {
    const consumer = this.consumer;
    const tracker = this.tracker;
    return this.closing || !consumer ? undefined : { consumer, lost: () => safe(() => consumer.assignmentLost(), true), metadata: tracker && (() => tracker.metadata()) };
  }

  private async leaveOnce(): Promise<void> {
    this.closing = true;
    await this.polling;
    await this.events;
    if (this.consumer) await disconnect(this.consumer);
  }

  /** Serves librdkafka's callbacks (rebalances run from poll); records are never fetched on purpose and are dropped. Group errors arrive here. */
  private async poll(): Promise<void> {
    let lastWarnAtMs = 0;
    while (!this.closing && this.consumer) {
      try {
        await consumeBatch(this.consumer, 16);
      } catch (err) {
        if (this.closing) break;
        const fatal = groupFailure(err as LibrdKafkaError, this.groupId);
        if (fatal) {
          this.log.error({ code: (err as LibrdKafkaError).code, err: (err as Error).message }, fatal.message);
          this.listener.onFailure(fatal);
          break;
        }
        if (Date.now() - lastWarnAtMs > 5000) {
          lastWarnAtMs = Date.now();
          this.log.warn({ code: (err as LibrdKafkaError).code, err: (err as Error).message }, `group ${this.groupId}: ${(err as Error).message}`);
        }
      }
    }
  }

  /** librdkafka's rebalance callback (set as `rebalance_cb`): runs on the main thread, queues the event. */
  readonly onRebalance = (err: LibrdKafkaError | undefined, assignment: TopicPartition[]): void => {
    const consumer = this.consumer;
    if (!consumer) return;
    const partitions = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
    const assign = err?.code === KAFKA_ERROR_CODES._ASSIGN_PARTITIONS;
    if (!assign && err?.code !== KAFKA_ERROR_CODES._REVOKE_PARTITIONS) {
      this.log.warn({ code: err?.code, err: err?.message }, `group rebalance error: ${err?.message}`);
      return;
    }
    if (this.closing) {
      // Leaving: the task already stored its final progress; hand everything back at once.
      this.apply(consumer, assign, partitions);
      return;
    }
    const lost = !assign && safe(() => consumer.assignmentLost(), false);
    this.events = this.events.then(async () => {
      try {
        if (assign) await this.listener.onAssigned(partitions);
        else await this.listener.onRevoked(partitions, lost);
      } catch (e) {
        this.log.error({ err: e, partitions }, `handling a group ${assign ? 'assignment' : 'revocation'} failed`);
      }
      this.apply(consumer, assign, partitions);
    });
  };

  /** Acknowledges an event to librdkafka (and pauses what it assigned); errors after close are expected. */
  private apply(consumer: IncrementalConsumer, assign: boolean, partitions: TopicPartition[]): void {
    try {
      if (assign) {
        consumer.incrementalAssign(partitions);
        if (partitions.length > 0) consumer.pause(partitions);
      } else {
        consumer.incrementalUnassign(partitions);
      }
    } catch (err) {
      if (!this.closing) this.log.warn({ err, partitions }, `acknowledging a group ${assign ? 'assignment' : 'revocation'} failed`);
    }
  }
}

/** Group errors retrying cannot cure (Kafka protocol codes, Errors.java): the broker refuses the settings or the group. */
const FATAL_GROUP_ERRORS: ReadonlySet<number> = new Set([
  KAFKA_ERROR_CODES.INVALID_SESSION_TIMEOUT,
  KAFKA_ERROR_CODES.INCONSISTENT_GROUP_PROTOCOL,
  KAFKA_ERROR_CODES.INVALID_GROUP_ID,
  KAFKA_ERROR_CODES.GROUP_MAX_SIZE_REACHED,
]);

/** A fatal refusal of the group as MirrorError (AUTH_FAILED for authorization failures, CONFIG_INVALID for the rest), else undefined. */
export function groupFailure(err: { code: number; message: string }, groupId: string): MirrorError | undefined {
  if (isAuthFailure(err)) return new MirrorError(ERROR_CODES.AUTH_FAILED, `group ${groupId}: not authorized (${err.message}); the flow's instances need Read on the group and Describe on the remote topics`, { cause: err });
  if (!FATAL_GROUP_ERRORS.has(err.code)) return undefined;
  const hint = err.code === KAFKA_ERROR_CODES.INVALID_SESSION_TIMEOUT ? ": session.timeout.ms must lie within the broker's group.min.session.timeout.ms and group.max.session.timeout.ms"
    : err.code === KAFKA_ERROR_CODES.INCONSISTENT_GROUP_PROTOCOL ? ': another kind of group (e.g. Kafka Connect) or another group.protocol uses this id; set a different group.id'
      : '';
  return new MirrorError(ERROR_CODES.CONFIG_INVALID, `group ${groupId} refused this instance: ${err.message}${hint}`, { cause: err });
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
