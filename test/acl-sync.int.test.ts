/**
 * ACL sync (`sync.topic.acls.enabled`, our `sync.group.acls.enabled`) on its OWN pair of local clusters
 * with KRaft's StandardAuthorizer (`super.users = User:ANONYMOUS;User:admin`: PLAINTEXT tools and the
 * engine are super users) and a SASL/PLAIN listener on the target, so the synced ACLs are also enforced
 * on a real principal (`User:mirror`). Ports: `ACL_PRIMARY_PORT` / `ACL_STANDBY_PORT`, default
 * PRIMARY_PORT + 2 / STANDBY_PORT + 2 (SASL on the standby: + 3).
 *
 * Asserts MM2 4.1.1's rules (literal TOPIC ACLs on mirrored topics, mapped to the remote topic, ALLOW
 * WRITE dropped, ALLOW ALL → READ, DENY kept, unmirrored topics skipped) and ours (PREFIXED patterns, the
 * `*` wildcard as PREFIXED `primary.`, GROUP ACLs without ALLOW DELETE), the exact target listing before
 * and after, a binding added later synced at the next interval, and that `User:mirror` may commit a
 * failed-over group's offset on the target only thanks to the synced group ACL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs, { type Admin } from 'kafkajs';
import RdKafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer } from '@confluentinc/kafka-javascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SASL_USERS, LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';
import { MirrorEngine } from '../engine/index.ts';
import { capturingLogger } from '../testkit/engine-harness.ts';
import type { EngineLogLine } from '../testkit/engine-log.ts';
import { kafkajsClient } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { parseTestConfig } from '../testkit/data-path.ts';

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

const PRIMARY_PORT = Number(process.env.ACL_PRIMARY_PORT ?? Number(process.env.PRIMARY_PORT ?? 9092) + 2);
const STANDBY_PORT = Number(process.env.ACL_STANDBY_PORT ?? Number(process.env.STANDBY_PORT ?? 9093) + 2);
const dir = mkdtempSync(join(tmpdir(), 'kme-acl-'));
const superUsers = ['User:ANONYMOUS', 'User:admin'];
const source = new LocalKafkaCluster({ alias: 'acl-primary', port: PRIMARY_PORT, dataRoot: dir, superUsers });
const target = new LocalKafkaCluster({ alias: 'acl-standby', port: STANDBY_PORT, saslPort: STANDBY_PORT + 3, dataRoot: dir, superUsers });
let sourceAdmin: Admin;
let targetAdmin: Admin;

beforeAll(async () => {
  await Promise.all([source.start('process'), target.start('process')]);
  sourceAdmin = kafkajsClient(source.bootstrapServers).admin();
  targetAdmin = kafkajsClient(target.bootstrapServers).admin();
  await Promise.all([sourceAdmin.connect(), targetAdmin.connect()]);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([sourceAdmin?.disconnect(), targetAdmin?.disconnect()]);
  await Promise.all([source.stop(), target.stop()]);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

type Acl = { type: 'TOPIC' | 'GROUP'; pattern: 'LITERAL' | 'PREFIXED'; name: string; principal: string; operation: keyof typeof AclOperationTypes; permission: 'ALLOW' | 'DENY' };

async function createAcls(admin: Admin, acls: Acl[]): Promise<void> {
  await admin.createAcls({
    acl: acls.map((a) => ({
      resourceType: AclResourceTypes[a.type], resourceName: a.name, resourcePatternType: ResourcePatternTypes[a.pattern],
      principal: a.principal, host: '*', operation: AclOperationTypes[a.operation], permissionType: AclPermissionTypes[a.permission],
    })),
  });
}

/** Every TOPIC and GROUP binding of a cluster, formatted and sorted (kafkajs, not the engine's adapter). */
async function listing(admin: Admin): Promise<string[]> {
  const name = (table: object, v: number) => Object.entries(table).find(([, n]) => n === v)?.[0];
  const out: string[] = [];
  for (const type of ['TOPIC', 'GROUP'] as const) {
    const r = await admin.describeAcls({ resourceType: AclResourceTypes[type], resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
    for (const res of r.resources) for (const acl of res.acls) out.push(`${type}:${name(ResourcePatternTypes, res.resourcePatternType)}:${res.resourceName} ${name(AclPermissionTypes, acl.permissionType)} ${acl.principal} ${name(AclOperationTypes, acl.operation)}`);
  }
  return out.sort();
}

async function startEngine(): Promise<{ engine: MirrorEngine; logs: EngineLogLine[] }> {
  const { config } = parseTestConfig([
    'clusters = primary, standby',
    `primary.bootstrap.servers = ${source.bootstrapServers}`,
    `standby.bootstrap.servers = ${target.bootstrapServers}`,
    'primary->standby.enabled = true',
    'topics = orders, pay-.*',
    'groups = billing.*',
    'sync.topic.acls.interval.seconds = 1',
    'replication.factor = 1',
    'progress.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1',
    'checkpoints.topic.replication.factor = 1',
    'heartbeats.topic.replication.factor = 1',
    'emit.heartbeats.enabled = false',
  ].join('\n'));
  const logs: EngineLogLine[] = [];
  const engine = new MirrorEngine({ config, logger: capturingLogger(logs), summaryIntervalMs: 0 });
  await engine.start();
  return { engine, logs };
}

/**
 * Commits offset 0 of `topic` for `group` on the target as `User:mirror` over SASL/PLAIN, the way a
 * failed-over simple consumer does (explicit offsets, no subscription); resolves 'OK' or the broker's error.
 */
async function commitAsMirror(group: string, topic: string): Promise<string> {
  const consumer: KafkaConsumer = new RdKafka.KafkaConsumer({
    'bootstrap.servers': `127.0.0.1:${target.saslPort}`, 'group.id': group, 'enable.auto.commit': false,
    'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'mirror', 'sasl.password': LOCAL_SASL_USERS.mirror!,
  } as never, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    return await waitFor(() => {
      try {
        consumer.commitSync([{ topic, partition: 0, offset: 0 }]);
        return 'OK';
      } catch (err) {
        return /coordinator/i.test((err as Error).message) ? undefined : (err as Error).message; // not found yet: again
      }
    }, { timeoutMs: 30_000, intervalMs: 200, message: `a commit of ${group} as User:mirror` });
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

/**
 * What the target answers `User:mirror` looking up the coordinator of `group` (FindCoordinator, which
 * needs DESCRIBE on the group — implied by READ): the error type kafkajs logged, or 'OK'.
 */
async function findCoordinatorAsMirror(group: string): Promise<string> {
  const seen: string[] = [];
  const kafka = new Kafka({
    clientId: 'acl-check', brokers: [`127.0.0.1:${target.saslPort}`], logLevel: logLevel.DEBUG, retry: { retries: 3, initialRetryTime: 200 },
    sasl: { mechanism: 'plain', username: 'mirror', password: LOCAL_SASL_USERS.mirror! },
    logCreator: () => ({ log }) => {
      const type = (log as { error?: { type?: string } }).error?.type ?? (typeof log.error === 'string' ? log.error : undefined);
      if (log.message === 'Tried to find group coordinator' && type) seen.push(type);
    },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.describeGroups([group]);
    return 'OK';
  } catch (err) {
    if (seen.length === 0) throw err;
    return seen[0]!;
  } finally {
    await admin.disconnect();
  }
}

describe('ACL sync (StandardAuthorizer on both clusters)', () => {
  it('copies topic ACLs as MM2 does, plus prefixed, wildcard and group ACLs; later additions follow; the failed-over group may commit', async () => {
    await sourceAdmin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const sourceAcls: Acl[] = [
      { type: 'TOPIC', pattern: 'LITERAL', name: 'orders', principal: 'User:alice', operation: 'READ', permission: 'ALLOW' },
      { type: 'TOPIC', pattern: 'LITERAL', name: 'orders', principal: 'User:alice', operation: 'WRITE', permission: 'ALLOW' }, // dropped
      { type: 'TOPIC', pattern: 'LITERAL', name: 'orders', principal: 'User:bob', operation: 'ALL', permission: 'ALLOW' }, // → READ
      { type: 'TOPIC', pattern: 'LITERAL', name: 'orders', principal: 'User:mallory', operation: 'READ', permission: 'DENY' },
      { type: 'TOPIC', pattern: 'LITERAL', name: 'orders', principal: 'User:mirror', operation: 'READ', permission: 'ALLOW' },
      { type: 'TOPIC', pattern: 'LITERAL', name: 'secret', principal: 'User:alice', operation: 'READ', permission: 'ALLOW' }, // not mirrored
      { type: 'TOPIC', pattern: 'PREFIXED', name: 'pay-', principal: 'User:alice', operation: 'DESCRIBE', permission: 'ALLOW' },
      { type: 'TOPIC', pattern: 'LITERAL', name: '*', principal: 'User:ops', operation: 'DESCRIBE', permission: 'ALLOW' },
      { type: 'GROUP', pattern: 'LITERAL', name: 'billing', principal: 'User:mirror', operation: 'READ', permission: 'ALLOW' },
      { type: 'GROUP', pattern: 'LITERAL', name: 'billing', principal: 'User:alice', operation: 'DELETE', permission: 'ALLOW' }, // dropped
      { type: 'GROUP', pattern: 'LITERAL', name: 'reports', principal: 'User:mirror', operation: 'READ', permission: 'ALLOW' }, // not checkpointed
    ];
    await createAcls(sourceAdmin, sourceAcls);
    const before = await listing(targetAdmin);
    expect(before).toEqual([]);

    const { engine, logs } = await startEngine();
    try {
      const expected = [
        'GROUP:LITERAL:billing ALLOW User:mirror READ',
        'TOPIC:LITERAL:primary.orders ALLOW User:alice READ',
        'TOPIC:LITERAL:primary.orders ALLOW User:bob READ',
        'TOPIC:LITERAL:primary.orders ALLOW User:mirror READ',
        'TOPIC:LITERAL:primary.orders DENY User:mallory READ',
        'TOPIC:PREFIXED:primary. ALLOW User:ops DESCRIBE',
        'TOPIC:PREFIXED:primary.pay- ALLOW User:alice DESCRIBE',
      ];
      const synced = await waitFor(() => logs.find((l) => l.event === 'acls_synced'), { timeoutMs: 30_000, message: 'the acls_synced line' });
      expect(synced.created).toHaveLength(expected.length);
      const after = await listing(targetAdmin);
      expect(after).toEqual(expected);
      console.info(`ACL sync\nsource:\n  ${(await listing(sourceAdmin)).join('\n  ')}\ntarget before:\n  ${before.join('\n  ') || '(none)'}\ntarget after:\n  ${after.join('\n  ')}`);

      // Later additions follow at the next interval (1 s here); nothing is re-created.
      await createAcls(sourceAdmin, [{ type: 'TOPIC', pattern: 'LITERAL', name: 'orders', principal: 'User:carol', operation: 'DESCRIBE', permission: 'ALLOW' }]);
      await waitFor(async () => (await listing(targetAdmin)).includes('TOPIC:LITERAL:primary.orders ALLOW User:carol DESCRIBE') || undefined, { timeoutMs: 30_000, message: 'the later ACL on the target' });
      expect(await listing(targetAdmin)).toHaveLength(expected.length + 1);

      // Enforcement on the target: the synced group ACL lets User:mirror commit the failed-over group; a group without one is refused.
      await waitFor(async () => (await targetAdmin.listTopics()).includes('primary.orders') || undefined, { timeoutMs: 30_000, message: 'primary.orders created' });
      expect(await commitAsMirror('billing', 'primary.orders')).toBe('OK');
      expect(await findCoordinatorAsMirror('billing')).toBe('OK');
      expect(await findCoordinatorAsMirror('reports')).toBe('GROUP_AUTHORIZATION_FAILED'); // its ACL was not synced (not in groups)
    } finally {
      await engine.stop();
    }
  });
});
