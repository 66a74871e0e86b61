/**
 * Which source partitions of a flow this mirror task owns, and whether it may act on them right now:
 * the bookkeeping behind "one owner per partition" (DESIGN.md invariant 8). Ownership comes from the
 * flow's Kafka group (engine/kafka/group-membership.ts); without a group (library use, unit tests) the
 * task owns the whole flow.
 *
 * The fence for at-least-once mode. Progress for a partition is written, and its records fetched, only
 * while (1) the group's assignment holds the partition and (2) the membership lease is fresh:
 * - (1) A revocation removes the partition after its final progress write; a LOST assignment (session
 *   expired) removes it before anything else happens, so nothing more is written for it.
 * - (2) The group coordinator expires a member that sent no heartbeat for `session.timeout.ms`. A process
 *   that did not run for a while (SIGSTOP, a long GC pause, CPU starvation) cannot know at once whether
 *   that happened, and its first callbacks after waking up could write progress for partitions the group
 *   already gave to another instance. So a liveness tick runs every {@link TICK_MS}; a gap above
 *   `stallLimitMs` (the heartbeat interval) fences every partition for `confirmMs` (heartbeat interval +
 *   1 s): long enough for librdkafka's own session check (rdkafka_cgrp.c, session timeout on a monotonic
 *   clock) and an overdue heartbeat to report a lost assignment first. Any check made during the gap
 *   itself (before the tick ran again) sees the gap too.
 * How strong: it closes the SIGSTOP/freeze window in practice, but it is a lease, not a proof — a write
 * already on its way when the session expires, or a coordinator that expires a member while its
 * heartbeats are delayed in the network, can still let one stale progress write through. Such a write
 * never loses data (it only claims records this instance did write to the target); the exactly-once mode
 * closes it completely with KIP-447 fencing on the target.
 *
 * Invariants (partition-ownership.test.ts):
 * - A: without a group, every partition is owned and nothing is ever fenced.
 * - B: with a group, a partition is owned iff granted and not revoked since.
 * - C: after a tick gap above `stallLimitMs`, {@link PartitionOwnership.fenced} holds until `confirmMs`
 *   after the first observation of the gap, and {@link PartitionOwnership.mayAct} is false meanwhile.
 */
import type { TopicPartition } from '../kafka/kafka-admin.ts';

/** ms between two liveness ticks of a grouped ownership. */
export const TICK_MS = 100;

/** The lease settings of a grouped ownership, ms. */
export interface OwnershipLease {
  /** A tick gap above this is a stall (`heartbeat.interval.ms`). */
  readonly stallLimitMs: number;
  /** How long a stall fences every partition (`heartbeat.interval.ms` + 1000). */
  readonly confirmMs: number;
}

/** The lease a flow's `heartbeat.interval.ms` (ms) implies. */
export function leaseFor(heartbeatIntervalMs: number): OwnershipLease {
  return { stallLimitMs: heartbeatIntervalMs, confirmMs: heartbeatIntervalMs + 1000 };
}

/** Options of a grouped {@link PartitionOwnership}. */
export interface GroupedOwnershipOptions {
  lease: OwnershipLease;
  /** Epoch ms. */
  clock: () => number;
  /** Told once per stall, with its length in ms. */
  onStall?: (stallMs: number) => void;
}

/** Ownership of source partitions; see the module doc. */
export class PartitionOwnership {
  /** Whether ownership comes from a group (false: the whole flow, invariant A). */
  readonly grouped: boolean;
  private readonly owned = new Set<string>();
  private readonly options: GroupedOwnershipOptions | undefined;
  private lastTickMs: number | undefined;
  private fencedUntilMs = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `options` undefined: the whole flow, no group; otherwise partitions are granted by the group. */
  constructor(options?: GroupedOwnershipOptions) {
    this.options = options;
    this.grouped = options !== undefined;
  }

  /** Whether `partition` of source `topic` is owned (invariants A, B). */
  owns(topic: string, partition: number): boolean {
    return !this.grouped || this.owned.has(key(topic, partition));
  }

  /** Owned partitions granted by the group (empty without a group). */
  granted(): TopicPartition[] {
    return [...this.owned].map(fromKey);
  }

  /** The group assigned `partitions` (source names). */
  grant(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.owned.add(key(tp.topic, tp.partition));
  }

  /** The group took `partitions` away (after their final progress write, or at once when lost). */
  revoke(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.owned.delete(key(tp.topic, tp.partition));
  }

  /** Starts the liveness tick (grouped only; unref'd). */
  start(): void {
    if (!this.options || this.timer) return;
    this.tick(this.options.clock());
    this.timer = setInterval(() => this.tick(this.options!.clock()), TICK_MS);
    this.timer.unref();
  }

  /** Stops the liveness tick. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One liveness tick at `nowMs`: a gap since the previous one above the stall limit fences (invariant C). */
  tick(nowMs: number): void {
    this.observe(nowMs);
    this.lastTickMs = nowMs;
  }

  /** Whether the lease is in doubt at `nowMs` (a stall is going on or was seen less than `confirmMs` ago). */
  fenced(nowMs: number): boolean {
    if (!this.options) return false;
    this.observe(nowMs);
    return nowMs < this.fencedUntilMs;
  }

  /** Whether this task may fetch for and write progress of `partition` of `topic` at `nowMs`. */
  mayAct(topic: string, partition: number, nowMs: number): boolean {
    return this.owns(topic, partition) && !this.fenced(nowMs);
  }

  private observe(nowMs: number): void {
    const o = this.options;
    if (!o || this.lastTickMs === undefined) return;
    const gapMs = nowMs - this.lastTickMs;
    if (gapMs <= o.lease.stallLimitMs) return;
    this.fencedUntilMs = nowMs + o.lease.confirmMs;
    this.lastTickMs = nowMs; // the gap is accounted for once: the fence runs out confirmMs after it was seen
    o.onStall?.(gapMs);
  }
}

function key(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

function fromKey(k: string): TopicPartition {
  const sep = k.indexOf('\u0000');
  return { topic: k.slice(sep + 1), partition: Number(k.slice(0, sep)) };
}
