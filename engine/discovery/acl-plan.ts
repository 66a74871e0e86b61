/**
 * Which ACLs of the source one flow copies to the target, and how they are rewritten — pure.
 *
 * MM2 4.1.1 (`MirrorSourceConnector.syncTopicAcls`, `shouldReplicateAcl`, `targetAclBinding`): TOPIC
 * bindings with a LITERAL pattern whose topic the flow mirrors (`shouldReplicateTopic`), except ALLOW
 * WRITE (only the mirror writes remote topics); ALLOW ALL becomes ALLOW READ; the pattern names the
 * remote topic. Everything else of the entry (principal, host, DENY, other operations) is kept.
 *
 * Beyond MM2, each safe because it only maps a right the source grants onto the copies of what it
 * grants it on, with the same WRITE/ALL rules:
 * - PREFIXED topic patterns: prefix `P` becomes `formatRemoteTopic(source, P)` (`orders-` → `primary.orders-`),
 *   which matches exactly the remote copies of the topics `P` matches (MM2 skips them);
 * - the LITERAL wildcard `*` (every topic): becomes PREFIXED `primary.` — every remote topic of this
 *   source — where MM2 writes a LITERAL `primary.*` that matches nothing; with IdentityReplicationPolicy
 *   (no prefix: `*` would reach the target's own topics too) it is skipped;
 * - GROUP bindings (our `sync.group.acls.enabled`): consumer groups keep their IDs across clusters
 *   (checkpoints and `sync.group.offsets` use them), so a failed-over group needs the same rights on the
 *   target to join and commit. LITERAL names the flow checkpoints (`groups` / `groups.exclude`; `*`
 *   included as MM2's default `.*` includes it), PREFIXED ones whose prefix the group filter includes;
 *   ALLOW DELETE is dropped (a failed-over consumer never deletes its group), ALLOW ALL becomes READ.
 *
 * Bindings already on the target are not created again; nothing is ever deleted there (as MM2: an ACL
 * removed on the source stays on the target until an operator removes it).
 */
import type { AclBinding } from '../kafka/acls.ts';
import type { ReplicationPolicy } from '../mm2/replication-policy.ts';
import type { GroupFilter, TopicFilter } from '../config/topic-filter.ts';

/** What the plan needs from a flow (FlowConfig satisfies it). */
export interface AclPlanSettings {
  sourceAlias: string;
  replicationPolicy: ReplicationPolicy;
  topicFilter: TopicFilter;
  groupFilter: GroupFilter;
}

/** Why a source binding is not copied. */
export type AclSkipReason = 'allow-write' | 'allow-delete-group' | 'topic-not-mirrored' | 'group-not-checkpointed' | 'wildcard-without-prefix';

/** One target binding to create, with the source binding it comes from. */
export interface PlannedAcl {
  readonly binding: AclBinding;
  readonly from: AclBinding;
}

/** What a pass does: bindings to create, how many are already there, and what is skipped (with why). */
export interface AclPlan {
  readonly create: PlannedAcl[];
  readonly present: number;
  readonly skipped: { readonly binding: AclBinding; readonly reason: AclSkipReason }[];
}

/** Same binding (every field). */
const key = (b: AclBinding): string => [b.resourceType, b.patternType, b.resourceName, b.principal, b.host, b.operation, b.permission].join('\u0000');

/** The target binding of one source binding, or why there is none (module doc). */
export function targetAclBinding(b: AclBinding, s: AclPlanSettings): AclBinding | AclSkipReason {
  const operation = b.permission === 'ALLOW' && b.operation === 'ALL' ? 'READ' : b.operation;
  if (b.resourceType === 'GROUP') {
    if (b.permission === 'ALLOW' && b.operation === 'DELETE') return 'allow-delete-group';
    if (!s.groupFilter.shouldReplicateGroup(b.resourceName)) return 'group-not-checkpointed';
    return { ...b, operation };
  }
  if (b.permission === 'ALLOW' && b.operation === 'WRITE') return 'allow-write';
  const policy = s.replicationPolicy;
  if (b.patternType === 'PREFIXED') return { ...b, resourceName: policy.formatRemoteTopic(s.sourceAlias, b.resourceName), operation };
  if (b.resourceName === '*') {
    const prefix = policy.formatRemoteTopic(s.sourceAlias, '');
    return prefix === '' ? 'wildcard-without-prefix' : { ...b, resourceName: prefix, patternType: 'PREFIXED', operation };
  }
  if (!s.topicFilter.shouldReplicateTopic(b.resourceName)) return 'topic-not-mirrored';
  return { ...b, resourceName: policy.formatRemoteTopic(s.sourceAlias, b.resourceName), operation };
}

/**
 * Plans one pass: `source` bindings (TOPIC, and GROUP when group ACLs are synced) mapped by
 * {@link targetAclBinding}, minus those `target` already has, without duplicates.
 */
export function planAclSync(source: readonly AclBinding[], target: readonly AclBinding[], settings: AclPlanSettings): AclPlan {
  const existing = new Set(target.map(key));
  const planned = new Set<string>();
  const plan: AclPlan = { create: [], present: 0, skipped: [] };
  for (const from of source) {
    const binding = targetAclBinding(from, settings);
    if (typeof binding === 'string') {
      plan.skipped.push({ binding: from, reason: binding });
      continue;
    }
    const k = key(binding);
    if (planned.has(k)) continue;
    planned.add(k);
    if (existing.has(k)) (plan as { present: number }).present++;
    else plan.create.push({ binding, from });
  }
  return plan;
}
