/**
 * The handover of partitions between the members of a flow's group (issue 15): turns the group's
 * rebalance events (engine/kafka/group-membership.ts, REMOTE partitions) into changes of the mirror
 * task's partitions (SOURCE partitions), run by the task's loop between two iterations so they never
 * interleave with fetching, producing or the partition checks.
 *
 * - Assigned: grant ownership, re-read the partitions' progress and offset syncs (their previous owner
 *   wrote the last ones while releasing them), then adopt them exactly as on start — truncation and
 *   topic-reset checks included (engine/detect/partition-adoption.ts) — and fetch. The member
 *   acknowledges the assignment after that.
 * - Revoked: stop fetching them (state out of the table, consumer re-assigned), wait for every record
 *   in flight, emit and flush their final offset syncs, store their final progress and wait for it, then
 *   give up ownership. The member releases them after: from then on only the new owner mirrors them.
 * - Lost (the group session expired: frozen, cut off): ownership and states go at once, in the callback,
 *   before anything else can run; nothing more is written for them (DESIGN.md invariant 8). If the group
 *   gives such a partition back and nobody mirrored it further meanwhile (a coordinator outage longer
 *   than the session timeout), it resumes where it was instead of copying its in-flight window again.
 *
 * Everything waits with deadlines: a revocation completes even when the target is unreachable (then the
 * new owner re-mirrors from the last stored progress: at-least-once).
 */
import type { Logger } from '../core/logger.ts';
import type { MirrorError } from '../core/errors.ts';
import type { TopicPartition } from '../kafka/kafka-admin.ts';
import type { GroupMembership, MembershipListener } from '../kafka/group-membership.ts';
import type { PartitionState } from '../partitions/partition-state.ts';
import type { PartitionTable } from '../partitions/partition-table.ts';

/**
 * What the flow's offset syncs need when partitions move (FailoverSupport implements it): reload a moved
 * partition's syncs before it is adopted, flush a leaving partition's syncs before its last progress
 * write, and forget it after.
 */
export interface HandoverHooks {
  /** Before `partitions` (source names) are adopted here. May throw (retried by the loop). */
  beforeAdopt?(partitions: readonly TopicPartition[]): Promise<void>;
  /** Before the final progress of `states` is stored: their last syncs, flushed with a deadline. */
  beforeRelease?(states: readonly PartitionState[]): Promise<void>;
  /** After their final progress (or at once when `lost`): stop tracking `states`. Synchronous. */
  afterRelease?(states: readonly PartitionState[], lost: boolean): void;
}

/** How long a task's start waits for the group's first assignment, ms. */
export const FIRST_ASSIGNMENT_WAIT_MS = 30_000;

/** What the handover asks of its mirror task. */
export interface HandoverTask {
  /** Source topic of a remote topic this task mirrors (undefined: not one of them). */
  sourceTopic(remoteTopic: string): string | undefined;
  /** Re-reads the stored progress of `partitions` (source names). */
  reloadProgress(partitions: readonly TopicPartition[]): Promise<void>;
  /** Adopts `partitions` as on start, or resumes states of `lost` (PartitionChecks.adoptAssigned). */
  adopt(partitions: readonly TopicPartition[], lost: ReadonlyMap<string, PartitionState>): Promise<void>;
  /** Forgets partitions still waiting for their topic (PartitionChecks.forgetAssigned). */
  forgetWaiting(partitions: readonly TopicPartition[]): void;
  /** Re-assigns the source consumer to the states left in the table, now. */
  reassignNow(): void;
  /** Waits (with a deadline) until every record in flight is acknowledged. */
  drainInFlight(): Promise<void>;
  /** Stores the progress of `states` now (gated by offset syncs) and waits for it (with a deadline). */
  storeFinalProgress(states: readonly PartitionState[]): Promise<void>;
  /** Wakes the loop (back-pressure wait) so it applies a queued event soon. */
  wake(): void;
  /** Stops the task with a fatal error (the group refused this member). */
  failWith(error: MirrorError): void;
  /** Told synchronously, in the group's callback, that `partitions` were LOST (exactly-once: the open transaction must not commit). */
  onLost?(partitions: readonly TopicPartition[]): void;
  /** Whether a lost partition given back may resume from its in-memory state (false in exactly-once: that state may be uncommitted). Default true. */
  resumesLost?(): boolean;
}

/** Options of {@link PartitionHandover}; `clock` gives epoch ms. */
export interface PartitionHandoverOptions {
  table: PartitionTable;
  task: HandoverTask;
  hooks?: HandoverHooks | undefined;
  clock: () => number;
  /** The task's logger (binds `flow`). */
  logger: Logger;
}

interface HandoverEvent {
  readonly kind: 'assigned' | 'revoked' | 'lost';
  readonly partitions: TopicPartition[];
  /** States already taken out of the table (lost only). */
  readonly states: PartitionState[];
  readonly done: () => void;
}

/** Applies the group's assignment changes to one mirror task. Is the task's {@link MembershipListener}. */
export class PartitionHandover implements MembershipListener {
  private readonly o: PartitionHandoverOptions;
  private readonly log: Logger;
  private readonly queue: HandoverEvent[] = [];
  private waiters: (() => void)[] = [];
  /** States of partitions the group declared lost, by `topic-partition`: one may come back as it was (PartitionAdoption.adoptAssigned). */
  private readonly lost = new Map<string, PartitionState>();
  private assignments = 0;
  private closed = false;

  constructor(options: PartitionHandoverOptions) {
    this.o = options;
    this.log = options.logger;
  }

  /** Whether at least one assignment was applied (the first one completes the task's start). */
  get assignedOnce(): boolean {
    return this.assignments > 0;
  }

  /** Whether events wait to be applied. */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Whether an assignment waits to be applied (its adoption may wait up to `transaction.timeout.ms` for the previous owner's open transaction). */
  get assignmentPending(): boolean {
    return this.queue.some((e) => e.kind === 'assigned');
  }

  /** The task stopped: events are acknowledged at once from now on (its shutdown stored the final progress). */
  close(): void {
    this.closed = true;
    for (const e of this.queue.splice(0)) e.done();
    this.wakeWaiters();
  }

  onAssigned(remote: TopicPartition[]): Promise<void> {
    return this.enqueue('assigned', this.toSource(remote), []);
  }

  onRevoked(remote: TopicPartition[], lost: boolean): Promise<void> {
    const partitions = this.toSource(remote);
    if (!lost) return this.enqueue('revoked', partitions, []);
    // Lost: another member may own them already. Stop now, in the callback, not at the next iteration.
    this.o.table.ownership.revoke(partitions);
    this.o.task.onLost?.(partitions);
    const states = this.takeStates(partitions);
    if (this.o.task.resumesLost?.() !== false) for (const s of states) this.lost.set(s.key, s);
    this.o.task.reassignNow();
    return this.enqueue('lost', partitions, states);
  }

  /**
   * Start of a task with a group: `subscribe()` joins (it returns the number of topics subscribed), then
   * the first assignment is applied (up to {@link FIRST_ASSIGNMENT_WAIT_MS}; later ones are applied by the
   * loop, and a start without one goes on with a warning). No topics: nothing to wait for. Stops waiting
   * when `failed()`. Throws what adoption throws (the handover is closed then).
   */
  async join(membership: Pick<GroupMembership, 'groupId'>, subscribe: () => number, failed: () => boolean): Promise<void> {
    try {
      if (subscribe() === 0) return;
      const deadline = Date.now() + FIRST_ASSIGNMENT_WAIT_MS;
      while (!this.assignedOnce && !failed()) {
        if (Date.now() >= deadline) {
          this.log.warn({ groupId: membership.groupId, waitedMs: FIRST_ASSIGNMENT_WAIT_MS }, `No assignment from group ${membership.groupId} yet; starting without partitions (they are taken when the group assigns them)`);
          return;
        }
        await this.waitForEvent(deadline - Date.now());
        await this.applyPending();
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  onFailure(error: MirrorError): void {
    this.o.task.failWith(error);
    this.wakeWaiters();
  }

  /** Resolves when an event is queued, the handover closes, or after `timeoutMs`. */
  async waitForEvent(timeoutMs: number): Promise<void> {
    if (this.queue.length > 0 || this.closed) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
  }

  /** Applies the queued events in order (the task's loop calls it between iterations). Throws what adoption throws; the event stays queued. */
  async applyPending(): Promise<void> {
    while (this.queue.length > 0) {
      const event = this.queue[0]!;
      const t0 = this.o.clock();
      if (event.kind === 'assigned') await this.adopt(event.partitions);
      else if (event.kind === 'revoked') await this.release(event.partitions);
      else this.forgetLost(event.partitions, event.states);
      this.queue.shift();
      event.done();
      this.logEvent(event, this.o.clock() - t0);
    }
  }

  private enqueue(kind: HandoverEvent['kind'], partitions: TopicPartition[], states: PartitionState[]): Promise<void> {
    if (this.closed) {
      if (kind === 'lost') this.o.hooks?.afterRelease?.(states, true);
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      this.queue.push({ kind, partitions, states, done });
      this.o.task.wake();
      this.wakeWaiters();
    });
  }

  private async adopt(partitions: TopicPartition[]): Promise<void> {
    this.o.table.ownership.grant(partitions);
    if (partitions.length > 0) {
      await this.o.task.reloadProgress(partitions);
      await this.o.hooks?.beforeAdopt?.(partitions);
      await this.o.task.adopt(partitions, this.lost);
      for (const tp of partitions) this.lost.delete(`${tp.topic}-${tp.partition}`);
    }
    this.assignments++;
  }

  private async release(partitions: TopicPartition[]): Promise<void> {
    const states = this.takeStates(partitions);
    this.o.task.reassignNow(); // no fetch for them from here on
    this.o.task.forgetWaiting(partitions);
    try {
      await this.o.task.drainInFlight();
      await this.o.hooks?.beforeRelease?.(states);
      await this.o.task.storeFinalProgress(states);
    } catch (err) {
      // The new owner resumes from the last progress that was stored: at-least-once, nothing lost.
      this.log.warn({ err, partitions }, 'final progress of released partitions may trail the target (their new owner re-mirrors the difference)');
    }
    this.o.hooks?.afterRelease?.(states, false);
    this.o.table.ownership.revoke(partitions);
  }

  private forgetLost(partitions: TopicPartition[], states: PartitionState[]): void {
    this.o.task.forgetWaiting(partitions);
    this.o.hooks?.afterRelease?.(states, true);
  }

  /** Takes the states of `partitions` out of the table (they are fetched and produced no more). */
  private takeStates(partitions: readonly TopicPartition[]): PartitionState[] {
    const states: PartitionState[] = [];
    for (const tp of partitions) {
      const state = this.o.table.remove(`${tp.topic}-${tp.partition}`);
      if (state) states.push(state);
    }
    return states;
  }

  private toSource(remote: readonly TopicPartition[]): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const tp of remote) {
      const topic = this.o.task.sourceTopic(tp.topic);
      if (topic === undefined) this.log.debug({ remoteTopic: tp.topic, partition: tp.partition }, 'group event for a topic this flow does not mirror; ignored');
      else out.push({ topic, partition: tp.partition });
    }
    return out.sort((x, y) => (x.topic === y.topic ? x.partition - y.partition : x.topic < y.topic ? -1 : 1)); // the group's order is arbitrary
  }

  private logEvent(event: HandoverEvent, durationMs: number): void {
    const partitions = event.partitions.map((tp) => `${tp.topic}-${tp.partition}`);
    const owned = this.o.table.ownership.granted().length;
    if (event.kind === 'assigned') {
      if (partitions.length > 0 || this.assignments === 1) {
        this.log.info({ event: 'partitions_assigned', partitions, owned, durationMs }, `Group assigned ${partitions.length} partitions (${owned} owned): ${partitions.join(', ') || 'none'}`);
      }
    } else if (event.kind === 'revoked') {
      if (partitions.length > 0) this.log.info({ event: 'partitions_revoked', partitions, owned, durationMs }, `Released ${partitions.length} partitions to the group after storing their final progress (${owned} owned): ${partitions.join(', ')}`);
    } else {
      this.log.warn(
        { event: 'partitions_lost', partitions, owned, durationMs },
        `Lost ${partitions.length} partitions: the group session expired (another instance owns them now); nothing more is written for them: ${partitions.join(', ')}`,
      );
    }
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
