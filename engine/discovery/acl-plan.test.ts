import { describe, expect, it } from 'vitest';
import type { AclBinding } from '../kafka/acls.ts';
import { GroupFilter, TopicFilter } from '../config/topic-filter.ts';
import { createReplicationPolicy } from '../mm2/replication-policy.ts';
import { planAclSync, targetAclBinding, type AclPlanSettings } from './acl-plan.ts';

const policy = createReplicationPolicy(undefined);
const settings = (over: Partial<AclPlanSettings> = {}): AclPlanSettings => ({
  sourceAlias: 'primary',
  replicationPolicy: policy,
  topicFilter: new TopicFilter({ replicationPolicy: policy, targetAlias: 'standby', include: 'orders.*, payments' }),
  groupFilter: new GroupFilter(),
  ...over,
});
const acl = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permission: 'ALLOW', ...over,
});

describe('targetAclBinding: MM2 4.1.1 rules for literal topic ACLs', () => {
  it('names the remote topic and keeps principal, host, permission and operation', () => {
    expect(targetAclBinding(acl({ host: '10.0.0.1', operation: 'DESCRIBE_CONFIGS' }), settings())).toEqual(acl({ resourceName: 'primary.orders', host: '10.0.0.1', operation: 'DESCRIBE_CONFIGS' }));
    expect(targetAclBinding(acl({ permission: 'DENY', operation: 'READ', principal: 'User:mallory' }), settings())).toMatchObject({ resourceName: 'primary.orders', permission: 'DENY' });
  });

  it('drops ALLOW WRITE (only the mirror writes remote topics) and turns ALLOW ALL into READ; DENY WRITE and DENY ALL stay', () => {
    expect(targetAclBinding(acl({ operation: 'WRITE' }), settings())).toBe('allow-write');
    expect(targetAclBinding(acl({ operation: 'ALL' }), settings())).toMatchObject({ operation: 'READ', permission: 'ALLOW' });
    expect(targetAclBinding(acl({ operation: 'WRITE', permission: 'DENY' }), settings())).toMatchObject({ operation: 'WRITE', permission: 'DENY' });
    expect(targetAclBinding(acl({ operation: 'ALL', permission: 'DENY' }), settings())).toMatchObject({ operation: 'ALL', permission: 'DENY' });
  });

  it('skips topics the flow does not mirror (topics filter, internal topics, cycles)', () => {
    expect(targetAclBinding(acl({ resourceName: 'audit' }), settings())).toBe('topic-not-mirrored');
    expect(targetAclBinding(acl({ resourceName: '__consumer_offsets' }), settings())).toBe('topic-not-mirrored');
    expect(targetAclBinding(acl({ resourceName: 'standby.orders' }), settings())).toBe('topic-not-mirrored');
  });
});

describe('targetAclBinding: beyond MM2', () => {
  it('maps a PREFIXED topic pattern onto the remote copies of what it matches', () => {
    expect(targetAclBinding(acl({ resourceName: 'orders-', patternType: 'PREFIXED' }), settings())).toMatchObject({ resourceName: 'primary.orders-', patternType: 'PREFIXED', operation: 'READ' });
  });

  it('maps the LITERAL wildcard to every remote topic of this source, and skips it without a prefix (Identity)', () => {
    expect(targetAclBinding(acl({ resourceName: '*' }), settings())).toMatchObject({ resourceName: 'primary.', patternType: 'PREFIXED' });
    const identity = createReplicationPolicy('Identity');
    expect(targetAclBinding(acl({ resourceName: '*' }), settings({ replicationPolicy: identity }))).toBe('wildcard-without-prefix');
    expect(targetAclBinding(acl({}), settings({ replicationPolicy: identity }))).toMatchObject({ resourceName: 'orders' });
  });

  it('copies group ACLs unchanged for groups the flow checkpoints; ALLOW DELETE dropped, ALLOW ALL → READ', () => {
    const group = (over: Partial<AclBinding>) => acl({ resourceType: 'GROUP', resourceName: 'billing', ...over });
    expect(targetAclBinding(group({}), settings())).toEqual(group({}));
    expect(targetAclBinding(group({ operation: 'ALL' }), settings())).toEqual(group({ operation: 'READ' }));
    expect(targetAclBinding(group({ operation: 'DELETE' }), settings())).toBe('allow-delete-group');
    expect(targetAclBinding(group({ resourceName: 'console-consumer-1' }), settings())).toBe('group-not-checkpointed');
    expect(targetAclBinding(group({ resourceName: 'connect-', patternType: 'PREFIXED' }), settings())).toBe('group-not-checkpointed');
    expect(targetAclBinding(group({ resourceName: 'app-', patternType: 'PREFIXED' }), settings())).toEqual(group({ resourceName: 'app-', patternType: 'PREFIXED' }));
  });
});

describe('planAclSync', () => {
  it('creates what the target lacks once, counts what it has, and reports what it skips', () => {
    const source = [acl({}), acl({ operation: 'ALL' }), acl({ operation: 'WRITE' }), acl({ resourceName: 'payments', principal: 'User:bob' }), acl({ resourceName: 'audit' })];
    const target = [acl({ resourceName: 'primary.payments', principal: 'User:bob' })];
    const plan = planAclSync(source, target, settings());
    expect(plan.create.map((p) => p.binding)).toEqual([acl({ resourceName: 'primary.orders' })]); // READ and ALL→READ are one binding
    expect(plan.present).toBe(1);
    expect(plan.skipped.map((s) => s.reason)).toEqual(['allow-write', 'topic-not-mirrored']);
    expect(planAclSync(source, [...target, ...plan.create.map((p) => p.binding)], settings()).create).toEqual([]);
  });
});
