/**
 * How many Kafka clients one flow opens (issue 11): the engine runs in-process against the local
 * clusters with offset syncs, checkpoints, group offset sync, heartbeats and topic-config sync on, and
 * every client the two client libraries create is counted (librdkafka admins, producers and consumers;
 * kafkajs admins) — created in total, and live once the flow is in its steady state (a group's offsets
 * were synced to the target).
 *
 * Measured with this test (internal topics already holding records, so their readers open consumers):
 * before ClusterConnections 10 admins created / 4 live, 4 producers, 5 consumers created / 1 live,
 * 1 kafkajs admin; with it 6 admins created / 4 live (2 of them still the mirror task's own), 3 producers
 * (mirror + one internal-record producer per cluster), the same consumers. Since the flow group (issue
 * 15) one more consumer stays open: the group membership on the target (engine/kafka/group-membership.ts).
 */
import Kafka from '@confluentinc/kafka-javascript';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine } from '../testkit/engine-harness.ts';
import { useMirrorFixture } from './mirror-fixture.ts';
import { PRIMARY, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

type Kind = 'admin' | 'producer' | 'consumer' | 'kafkajsAdmin';
const KINDS: readonly Kind[] = ['admin', 'producer', 'consumer', 'kafkajsAdmin'];

/** Counts client instances by kind: created, and closed (each instance counted once). */
class ClientCounter {
  readonly created: Record<Kind, number> = { admin: 0, producer: 0, consumer: 0, kafkajsAdmin: 0 };
  readonly closed: Record<Kind, number> = { admin: 0, producer: 0, consumer: 0, kafkajsAdmin: 0 };
  private readonly seenClosed = new WeakSet<object>();
  private readonly restore: (() => void)[] = [];

  install(): void {
    const rd = Kafka as unknown as {
      AdminClient: { create: (...args: unknown[]) => { disconnect: (...a: unknown[]) => unknown } };
      Producer: { prototype: Record<string, (...a: unknown[]) => unknown> };
      KafkaConsumer: { prototype: Record<string, (...a: unknown[]) => unknown> };
    };
    const create = rd.AdminClient.create;
    rd.AdminClient.create = (...args: unknown[]) => {
      const client = create.apply(rd.AdminClient, args);
      this.created.admin++;
      const disconnect = client.disconnect.bind(client);
      client.disconnect = (...a: unknown[]) => {
        this.close('admin', client);
        return disconnect(...a);
      };
      return client;
    };
    this.restore.push(() => (rd.AdminClient.create = create));
    this.wrap(rd.Producer.prototype, 'producer');
    this.wrap(rd.KafkaConsumer.prototype, 'consumer');
    const kjs = kafkajs.Kafka.prototype as unknown as { admin: (...a: unknown[]) => { disconnect: () => Promise<void> } };
    const admin = kjs.admin;
    const onCreate = (client: { disconnect: () => Promise<void> }) => {
      this.created.kafkajsAdmin++;
      const disconnect = client.disconnect.bind(client);
      client.disconnect = () => {
        this.close('kafkajsAdmin', client);
        return disconnect();
      };
      return client;
    };
    kjs.admin = function (this: unknown, ...a: unknown[]) {
      return onCreate(admin.apply(this, a));
    };
    this.restore.push(() => (kjs.admin = admin));
  }

  uninstall(): void {
    for (const r of this.restore.splice(0)) r();
  }

  live(): Record<Kind, number> {
    return Object.fromEntries(KINDS.map((k) => [k, this.created[k] - this.closed[k]])) as Record<Kind, number>;
  }

  private wrap(proto: Record<string, (...a: unknown[]) => unknown>, kind: Kind): void {
    const connect = proto.connect!;
    const disconnect = proto.disconnect!;
    const created = () => void this.created[kind]++;
    const closed = (client: object) => this.close(kind, client);
    proto.connect = function (this: object, ...a: unknown[]) {
      created();
      return connect.apply(this, a);
    };
    proto.disconnect = function (this: object, ...a: unknown[]) {
      closed(this);
      return disconnect.apply(this, a);
    };
    this.restore.push(() => {
      proto.connect = connect;
      proto.disconnect = disconnect;
    });
  }

  private close(kind: Kind, client: object): void {
    if (this.seenClosed.has(client)) return;
    this.seenClosed.add(client);
    this.closed[kind]++;
  }
}

const f = useMirrorFixture();
const counter = new ClientCounter();
beforeAll(() => counter.install());
afterAll(() => counter.uninstall());

/** Commits `offset` for `group` on partition 0 the way a simple consumer does (explicit offsets, never subscribed). */
async function commitGroupOffset(group: string, topic: string, offset: number): Promise<void> {
  const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': PRIMARY, 'group.id': group, 'enable.auto.commit': false } as never, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    consumer.commitSync([{ topic, partition: 0, offset }]);
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

describe('connections of one flow', () => {
  it('counts the clients a flow opens with every feature on', async () => {
    const topic = uniqueTopic('conn');
    f.topics.push(topic);
    await f.source.admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] }], waitForLeaders: true });
    await f.producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ partition: 0, value: `seq-${i}` })) });
    const group = uniqueTopic('conn-group');
    await commitGroupOffset(group, topic, 40); // before the counting starts (not the engine's client)
    const before = { created: { ...counter.created }, live: counter.live() };
    const h = await startEngine(`^${topic}$`, {
      'emit.checkpoints.interval.seconds': 1,
      'refresh.groups.interval.seconds': 1,
      'sync.group.offsets.enabled': 'true',
      'sync.group.offsets.interval.seconds': 1,
      'emit.heartbeats.interval.seconds': 1,
    });
    f.engines.push(h);
    await h.waitForLog((l) => l.event === 'group_offsets_synced' && l.group === group, 30_000);
    const diff = (a: Record<Kind, number>, b: Record<Kind, number>) => Object.fromEntries(KINDS.map((k) => [k, a[k] - b[k]])) as Record<Kind, number>;
    const steady = { created: diff(counter.created, before.created), live: diff(counter.live(), before.live) };
    const open = h.engine.connections.all().map((c) => [c.alias, c.openClients()]);
    await h.stop();
    const after = { created: diff(counter.created, before.created), live: diff(counter.live(), before.live) };
    console.info(`clients of one flow: ${JSON.stringify({ steady, afterStop: after })}`);
    // One shared set per cluster alias: an admin on both, an internal-record producer on both (offset syncs
    // on the source; progress, checkpoints and heartbeats on the target), no kafkajs admin kept open.
    expect(open).toEqual([
      ['primary', { admin: true, internalProducer: true, kafkajsAdmin: false }],
      ['standby', { admin: true, internalProducer: true, kafkajsAdmin: false }],
    ]);
    expect(steady.live.producer).toBe(3); // mirror producer + one internal-record producer per cluster (was 4)
    expect(steady.live.admin).toBeLessThanOrEqual(4); // the shared two + the mirror task's own two until it takes the shared ones
    expect(steady.created.admin).toBeLessThanOrEqual(6); // was 10: no per-step admins for progress, internal topics, consumer groups
    expect(steady.live.consumer).toBe(2); // the mirror consumer and the group membership; readers and the group-offset committer are closed
    expect(steady.live.kafkajsAdmin).toBe(0);
    await waitFor(() => KINDS.every((k) => diff(counter.live(), before.live)[k] === 0), { timeoutMs: 10_000, message: 'every client closed after stop' });
  });
});
