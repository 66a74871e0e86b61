import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { ERROR_CODES } from '../core/errors.ts';
import { ClusterConnections } from './cluster-connections.ts';
import type { AdminClientFactory } from './admin-connection.ts';
import type { ClusterClientSettings } from './kafka-clients.ts';
import type { RecordSink } from './record-sink.ts';

const primary: ClusterClientSettings = {
  alias: 'primary',
  bootstrapServers: 'p:9093',
  client: { 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'mirror', 'sasl.password': 'pw' },
  consumer: {},
  producer: {},
  admin: {},
};
const standby: ClusterClientSettings = { alias: 'standby', bootstrapServers: 's:9092', client: {}, consumer: {}, producer: {}, admin: {} };

/** Fakes of the three client kinds, counting what is created and closed. */
function fakes() {
  const admins: { config: Record<string, unknown>; disconnects: number; requests: { method: string; args: unknown[] }[] }[] = [];
  const sinks: { clientId: string; alias: string; closedWith: number[] }[] = [];
  const kafkajsAdmins: { config: Record<string, unknown>; connects: number; disconnects: number; describeClusterCalls: number }[] = [];
  let failSinks = 0;
  let failDescribeCluster = false;
  const createAdminClient: AdminClientFactory = (config) => {
    const admin = { config, disconnects: 0, requests: [] as { method: string; args: unknown[] }[] };
    admins.push(admin);
    return {
      disconnect: () => void admin.disconnects++,
      listTopics: (options: unknown, cb: (err: unknown, v: unknown) => void) => (admin.requests.push({ method: 'listTopics', args: [options] }), cb(null, ['t'])),
      listGroups: (options: unknown, cb: (err: unknown, v: unknown) => void) => (admin.requests.push({ method: 'listGroups', args: [options] }), cb(null, { groups: [] })),
    } as never;
  };
  const connectSink = async (cluster: ClusterClientSettings, clientId: string) => {
    if (failSinks > 0) {
      failSinks--;
      throw new Error('connect failed');
    }
    const sink = { clientId, alias: cluster.alias, closedWith: [] as number[] };
    sinks.push(sink);
    return { close: async (ms: number) => void sink.closedWith.push(ms) } as unknown as RecordSink;
  };
  const createKafkajsAdmin = (config: unknown) => {
    const admin = { config: config as Record<string, unknown>, connects: 0, disconnects: 0, describeClusterCalls: 0 };
    kafkajsAdmins.push(admin);
    return {
      connect: async () => void admin.connects++,
      disconnect: async () => void admin.disconnects++,
      describeCluster: async () => {
        if (admin.describeClusterCalls++ === 0 && failDescribeCluster) throw new Error('request timed out');
        return { clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', controller: 1, brokers: [] };
      },
    } as never;
  };
  const connections = new ClusterConnections({ logger: silentLogger(), createAdminClient, connectSink, createKafkajsAdmin });
  return { connections, admins, sinks, kafkajsAdmins, failNextSinks: (n: number) => (failSinks = n), failFirstDescribeCluster: () => (failDescribeCluster = true) };
}

describe('ClusterConnections', () => {
  it('hands out one set of clients per cluster alias and settings', () => {
    const { connections } = fakes();
    const a = connections.of(primary, { adminTimeoutMs: 60_000 });
    expect(connections.of({ ...primary, client: { ...primary.client } }, { adminTimeoutMs: 60_000 })).toBe(a); // equal settings, other object
    expect(connections.of(standby, { adminTimeoutMs: 60_000 })).not.toBe(a);
    expect(connections.of(primary, { adminTimeoutMs: 5000 })).not.toBe(a); // another admin.timeout.ms
    expect(connections.of({ ...primary, admin: { 'sasl.username': 'other' } }, { adminTimeoutMs: 60_000 })).not.toBe(a); // a flow-level override
    expect(connections.all()).toHaveLength(4);
  });

  it('opens nothing until asked', async () => {
    const { connections, admins, sinks, kafkajsAdmins } = fakes();
    const clients = connections.of(primary);
    expect(clients.openClients()).toEqual({ admin: false, internalProducer: false, kafkajsAdmin: false });
    clients.kafkajsConfig(); // computing options connects nothing
    await connections.close();
    expect([admins.length, sinks.length, kafkajsAdmins.length]).toEqual([0, 0, 0]);
  });

  it('KafkaAdmin and ConsumerGroups share ONE admin client, created with the cluster settings and admin.timeout.ms', async () => {
    const { connections, admins } = fakes();
    const clients = connections.of(primary, { adminTimeoutMs: 4500 });
    await clients.admin.listTopics();
    await clients.groups.listGroups();
    expect(clients.admin).toBe(clients.admin);
    expect(admins).toHaveLength(1);
    expect(admins[0]!.config).toMatchObject({ ...primary.client, 'bootstrap.servers': 'p:9093', 'client.id': 'kafka-mirror-primary-admin' });
    expect(clients.admin.timeoutMs).toBe(4500);
    for (const r of admins[0]!.requests) expect((r.args[0] as { timeout: number }).timeout).toBeGreaterThan(4400); // the budget, less the ms since the call began
    clients.admin.close(); // a view: does not close the shared client
    clients.groups.close();
    expect(admins[0]!.disconnects).toBe(0);
  });

  it('connects one internal-record producer per cluster for concurrent callers, and retries a failed connect', async () => {
    const { connections, sinks, failNextSinks } = fakes();
    const clients = connections.of(standby);
    failNextSinks(1);
    await expect(clients.internalSink()).rejects.toThrow('connect failed');
    const [a, b] = await Promise.all([clients.internalSink(), clients.internalSink()]);
    expect(a).toBe(b);
    expect(sinks).toEqual([{ clientId: 'kafka-mirror-standby-internal', alias: 'standby', closedWith: [] }]);
  });

  it('opens the kafkajs admin only when asked, once, with the translated settings and admin.timeout.ms as request timeout', async () => {
    const { connections, kafkajsAdmins } = fakes();
    const clients = connections.of(primary, { adminTimeoutMs: 30_000 });
    const [a, b] = await Promise.all([clients.kafkajsAdmin(), clients.kafkajsAdmin()]);
    expect(a).toBe(b);
    expect(kafkajsAdmins).toHaveLength(1);
    expect(kafkajsAdmins[0]).toMatchObject({ connects: 1, config: { clientId: 'kafka-mirror-primary-configs', brokers: ['p:9093'], requestTimeout: 30_000, sasl: { mechanism: 'plain', username: 'mirror', password: 'pw' } } });
  });

  it('reads the cluster ID once through the kafkajs admin, and again after a failed read', async () => {
    const { connections, kafkajsAdmins, failFirstDescribeCluster } = fakes();
    failFirstDescribeCluster();
    const clients = connections.of(primary);
    await expect(clients.clusterId()).rejects.toThrow('request timed out');
    expect(await Promise.all([clients.clusterId(), clients.clusterId()])).toEqual(['MkU3OEVBNTcwNTJENDM2Qk', 'MkU3OEVBNTcwNTJENDM2Qk']);
    expect(kafkajsAdmins).toHaveLength(1);
    expect(kafkajsAdmins[0]!.describeClusterCalls).toBe(2);
  });

  it('closes every client once, and refuses new ones afterwards', async () => {
    const { connections, admins, sinks, kafkajsAdmins } = fakes();
    for (const cluster of [primary, standby]) {
      const clients = connections.of(cluster);
      await clients.admin.listTopics();
      await clients.internalSink();
    }
    await connections.of(primary).kafkajsAdmin();
    await Promise.all([connections.close(1500), connections.close(1500)]);
    await connections.close();
    expect(admins.map((a) => a.disconnects)).toEqual([1, 1]);
    expect(sinks.map((s) => s.closedWith)).toEqual([[1500], [1500]]);
    expect(kafkajsAdmins.map((a) => a.disconnects)).toEqual([1]);
    expect(() => connections.of(primary)).toThrow(expect.objectContaining({ code: ERROR_CODES.KAFKA_ERROR }));
    expect(() => connections.all()[0]!.internalSink()).toThrow('closed');
  });
});
