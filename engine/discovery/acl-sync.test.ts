import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import type { Logger } from '../core/logger.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import type { AclBinding, AclResourceType } from '../kafka/acls.ts';
import { GroupFilter, TopicFilter } from '../config/topic-filter.ts';
import { createReplicationPolicy } from '../mm2/replication-policy.ts';
import { AclSync, type AclPort, type AclSyncSettings } from './acl-sync.ts';

const policy = createReplicationPolicy(undefined);
const settings = (over: Partial<AclSyncSettings> = {}): AclSyncSettings => ({
  name: 'primary->standby', sourceAlias: 'primary', targetAlias: 'standby',
  source: { alias: 'primary', bootstrapServers: 'p:1', client: {}, consumer: {}, producer: {}, admin: {} },
  target: { alias: 'standby', bootstrapServers: 's:1', client: {}, consumer: {}, producer: {}, admin: {} },
  replicationPolicy: policy,
  topicFilter: new TopicFilter({ replicationPolicy: policy, targetAlias: 'standby' }),
  groupFilter: new GroupFilter(),
  syncTopicAclsEnabled: true, syncTopicAclsIntervalMs: 600_000, syncGroupAclsEnabled: true,
  ...over,
});
const acl = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permission: 'ALLOW', ...over,
});

/** A cluster's ACLs in memory; `undefined` = no authorizer. */
class FakeAcls implements AclPort {
  closed = 0;
  describes = 0;
  refuse = new Set<string>();
  constructor(public bindings: AclBinding[] | undefined) {}
  async describeAcls(type: AclResourceType) {
    this.describes++;
    return this.bindings?.filter((b) => b.resourceType === type);
  }
  async createAcls(bindings: readonly AclBinding[]) {
    const failed = bindings.filter((b) => this.refuse.has(b.principal)).map((binding) => ({ binding, error: new MirrorError(ERROR_CODES.KAFKA_ERROR, 'INVALID_REQUEST') }));
    this.bindings!.push(...bindings.filter((b) => !this.refuse.has(b.principal)));
    return failed;
  }
  async close() {
    this.closed++;
  }
}

function capture(lines: Record<string, unknown>[]): Logger {
  const stream = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)), cb()) });
  return pino({ level: 'debug', customLevels: { critical: 55 } }, stream) as unknown as Logger;
}

describe('AclSync', () => {
  afterEach(() => void vi.useRealTimers());

  it('creates the mapped topic and group ACLs the target lacks, then nothing on the next pass', async () => {
    const source = new FakeAcls([acl({}), acl({ operation: 'WRITE' }), acl({ resourceType: 'GROUP', resourceName: 'billing' })]);
    const target = new FakeAcls([]);
    const lines: Record<string, unknown>[] = [];
    const sync = new AclSync({ settings: settings(), source, target, logger: capture(lines) });
    const first = await sync.syncOnce();
    expect(first.created).toEqual([acl({ resourceName: 'primary.orders' }), acl({ resourceType: 'GROUP', resourceName: 'billing' })]);
    expect(lines.find((l) => l.event === 'acls_synced')?.created).toEqual(['TOPIC:LITERAL:primary.orders ALLOW User:alice READ from *', 'GROUP:LITERAL:billing ALLOW User:alice READ from *']);
    const second = await sync.syncOnce();
    expect(second).toMatchObject({ created: [], present: 2 });
  });

  it('with sync.group.acls.enabled = false reads and writes topic ACLs only', async () => {
    const source = new FakeAcls([acl({}), acl({ resourceType: 'GROUP', resourceName: 'billing' })]);
    const target = new FakeAcls([]);
    const pass = await new AclSync({ settings: settings({ syncGroupAclsEnabled: false }), source, target, logger: capture([]) }).syncOnce();
    expect(pass.created.map((b) => b.resourceType)).toEqual(['TOPIC']);
  });

  it('a source or target without an authorizer is reported once (info) and nothing is written', async () => {
    const lines: Record<string, unknown>[] = [];
    const target = new FakeAcls([]);
    const sync = new AclSync({ settings: settings(), source: new FakeAcls(undefined), target, logger: capture(lines) });
    expect((await sync.syncOnce()).skipped).toBe('no-authorizer-on-source');
    await sync.syncOnce();
    expect(lines.filter((l) => l.event === 'acl_sync_no_authorizer')).toHaveLength(1);
    expect(target.describes).toBe(0);
    const noTarget = await new AclSync({ settings: settings(), source: new FakeAcls([acl({})]), target: new FakeAcls(undefined), logger: capture([]) }).syncOnce();
    expect(noTarget.skipped).toBe('no-authorizer-on-target');
  });

  it('reports bindings the target refuses, creates the others', async () => {
    const lines: Record<string, unknown>[] = [];
    const target = new FakeAcls([]);
    target.refuse.add('User:bad');
    const pass = await new AclSync({ settings: settings(), source: new FakeAcls([acl({}), acl({ principal: 'User:bad' })]), target, logger: capture(lines) }).syncOnce();
    expect(pass.failed.map((b) => b.principal)).toEqual(['User:bad']);
    expect(pass.created.map((b) => b.principal)).toEqual(['User:alice']);
    expect(lines.filter((l) => l.event === 'acl_sync_create_failed')).toHaveLength(1);
  });

  it('runs a pass at start and every interval, survives a failing pass (warn), and closes its clients after each', async () => {
    vi.useFakeTimers();
    const lines: Record<string, unknown>[] = [];
    const source = new FakeAcls([acl({})]);
    let fail = true;
    source.describeAcls = async (type) => {
      source.describes++;
      if (fail) throw new MirrorError(ERROR_CODES.AUTH_FAILED, 'describing TOPIC ACLs of primary failed: CLUSTER_AUTHORIZATION_FAILED');
      return source.bindings?.filter((b) => b.resourceType === type);
    };
    const target = new FakeAcls([]);
    const sync = new AclSync({ settings: settings({ syncTopicAclsIntervalMs: 1000 }), source, target, logger: capture(lines) });
    sync.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(lines.find((l) => l.event === 'acl_sync_failed')).toMatchObject({ code: 'AUTH_FAILED' });
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(target.bindings).toEqual([acl({ resourceName: 'primary.orders' })]);
    expect(source.closed).toBeGreaterThanOrEqual(2);
    await sync.stop();
    const describes = source.describes;
    await vi.advanceTimersByTimeAsync(5000);
    expect(source.describes).toBe(describes);
  });

  it('does nothing when sync.topic.acls.enabled = false', async () => {
    vi.useFakeTimers();
    const source = new FakeAcls([acl({})]);
    const sync = new AclSync({ settings: settings({ syncTopicAclsEnabled: false }), source, target: new FakeAcls([]), logger: capture([]) });
    sync.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.describes).toBe(0);
    await sync.stop();
  });
});
