/**
 * The member id and generation of a librdkafka group member, for a transactional producer that sends
 * TxnOffsetCommit itself (KIP-447; engine/kafka/batch/batch-transactions.ts). The binding
 * (@confluentinc/kafka-javascript 1.10, librdkafka 2.15) exposes neither `rd_kafka_memberid` nor
 * `rd_kafka_consumer_group_metadata` (it only hands the latter to `sendOffsetsToTransaction` of its own producer,
 * src/producer.cc), so they are read from the consumer's `cgrp` debug log, which the binding delivers as
 * `event.log` events. The lines are librdkafka's (src/rdkafka_cgrp.c, 2.15):
 * - classic protocol, `rd_kafka_cgrp_handle_JoinGroup` (facility JOINGROUP), right where it stores
 *   `rkcg_generation_id` and the member id: `JoinGroup response: GenerationId <g>, Protocol <p>, LeaderId <l>[ (me)],
 *   my MemberId <m>, member metadata count <n>: (no error)`;
 * - KIP-848 protocol, `rd_kafka_cgrp_handle_ConsumerGroupHeartbeat` (facility HEARTBEAT), after it stored the
 *   member epoch: `ConsumerGroupHeartbeat response received for member id "<m>" with epoch <e>`;
 * - `rd_kafka_cgrp_set_member_id` (facility MEMBERID): `updating member id "<old>" -> "<new>"`: a change
 *   forgets the generation until the next join.
 *
 * Safety: a value read here can only be as new as librdkafka's own (the log line follows the assignment in the
 * same function). A stale generation makes the coordinator refuse the commit (ILLEGAL_GENERATION: a needless
 * abort, never a zombie's commit); librdkafka's silent resets to generation -1 are not mirrored here, and the
 * local lost flag (TransactionGroup.lost) covers the window where it matters.
 */
import type { GroupMemberMetadata } from './target-transactions.ts';

const JOIN = /JoinGroup response: GenerationId (-?\d+), .*my MemberId (\S*), member metadata count -?\d+: \(no error\)/;
const HEARTBEAT = /ConsumerGroupHeartbeat response received for member id "([^"]*)" with epoch (-?\d+)/;
const MEMBER_ID = /updating member id "[^"]*" -> "([^"]*)"/;

/** Follows a consumer's `cgrp` debug log (see the module doc). */
export class MemberMetadataTracker {
  private readonly groupId: string;
  private readonly groupInstanceId: string | null;
  private memberId = '';
  private generationId = -1;

  constructor(groupId: string, groupInstanceId: string | null) {
    this.groupId = groupId;
    this.groupInstanceId = groupInstanceId;
  }

  /** One librdkafka log message (`event.log`'s `message`); true when the member id or generation changed. */
  onLog(message: string): boolean {
    let m = JOIN.exec(message);
    if (m) return this.set(m[2]!, Number(m[1]));
    m = HEARTBEAT.exec(message);
    if (m) return this.set(m[1]!, Number(m[2]));
    m = MEMBER_ID.exec(message);
    if (m && m[1] !== this.memberId) return this.set(m[1] === '(not-set)' ? '' : m[1]!, -1);
    return false;
  }

  /** The member id and generation as last logged; undefined while either is unknown (no member id, generation < 0). */
  metadata(): GroupMemberMetadata | undefined {
    if (this.memberId === '' || this.generationId < 0) return undefined;
    return { groupId: this.groupId, memberId: this.memberId, generationId: this.generationId, groupInstanceId: this.groupInstanceId };
  }

  private set(memberId: string, generationId: number): boolean {
    const changed = memberId !== this.memberId || generationId !== this.generationId;
    this.memberId = memberId;
    this.generationId = generationId;
    return changed;
  }
}

/** `debug` of a consumer config with librdkafka's `cgrp` context added (kept when `all` or `cgrp` is there). */
export function withCgrpDebug(debug: unknown): string {
  const contexts = typeof debug === 'string' && debug.trim() !== '' ? debug.split(',').map((c) => c.trim()) : [];
  return contexts.includes('all') || contexts.includes('cgrp') ? contexts.join(',') : [...contexts, 'cgrp'].join(',');
}
