import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { TruncationError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { EventJournal } from '../telemetry/event-journal.ts';
import { waitFor } from '../../testkit/wait-for.ts';
import { ConnectHerder } from './connect-herder.ts';
import { registerConnectRoutes } from './connect-rest.ts';
import type { SourceOffset } from './connector-offsets.ts';
import { FakePairEngine, MemoryConnectorStore, latestByKey } from './fakes/memory-connector-store.ts';

const CONFIG = {
  'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
  'source.cluster.alias': 'source',
  'target.cluster.alias': 'target',
  'source.cluster.bootstrap.servers': 'src:9092',
  'target.cluster.bootstrap.servers': 'tgt:9092',
  'source.cluster.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="secret";',
  'replication.policy.class': 'IdentityReplicationPolicy',
  topics: 'orders',
  'tasks.max': 1 as unknown as string, // JSON numbers are accepted (coerced), as Connect's Jackson does
};

interface World {
  app: FastifyInstance;
  herder: ConnectHerder;
  store: MemoryConnectorStore;
  engines: FakePairEngine[];
  altered: SourceOffset[][];
}

let worlds: World[] = [];

async function world(o: { store?: MemoryConnectorStore; holdStart?: boolean } = {}): Promise<World> {
  const store = o.store ?? new MemoryConnectorStore();
  const engines: FakePairEngine[] = [];
  const altered: SourceOffset[][] = [];
  const herder = new ConnectHerder({
    store, logger: silentLogger(), journal: new EventJournal(), workerId: () => '127.0.0.1:8083', refreshIntervalMs: 0,
    createEngine: (config) => {
      const e = new FakePairEngine(config, o.holdStart ?? false);
      engines.push(e);
      return e;
    },
  });
  const app = Fastify();
  registerConnectRoutes(app, {
    herder, logger: silentLogger(), version: '9.9.9', clusterId: async () => 'cluster-1',
    offsets: {
      read: async (flow) => [{ partition: { cluster: flow.sourceAlias, topic: 'orders', partition: 0 }, offset: { offset: 41 } }],
      alter: async (_flow, entries) => void altered.push([...entries]),
      reset: async () => 1,
    },
  });
  await app.ready();
  await herder.start();
  const w = { app, herder, store, engines, altered };
  worlds.push(w);
  return w;
}

afterEach(async () => {
  for (const w of worlds) {
    for (const e of w.engines) e.release();
    await w.herder.stop();
    await w.app.close();
  }
  worlds = [];
});

const post = (w: World, body: unknown) => w.app.inject({ method: 'POST', url: '/connectors', payload: body as object });

describe('Connect REST API (fastify inject, herder over an in-memory config topic, fake engines)', () => {
  it('GET / is ServerInfo; GET /connector-plugins lists the three MM2 connectors', async () => {
    const w = await world();
    expect((await w.app.inject('/')).json()).toEqual({ version: '9.9.9', commit: 'kafka-mirror-engine', kafka_cluster_id: 'cluster-1' });
    expect((await w.app.inject('/connector-plugins')).json()).toEqual([
      { class: 'org.apache.kafka.connect.mirror.MirrorSourceConnector', type: 'source', version: '9.9.9' },
      { class: 'org.apache.kafka.connect.mirror.MirrorCheckpointConnector', type: 'source', version: '9.9.9' },
      { class: 'org.apache.kafka.connect.mirror.MirrorHeartbeatConnector', type: 'source', version: '9.9.9' },
    ]);
  });

  it('POST creates (201, Location, ConnectorInfo with secrets redacted); the engine runs; status RUNNING; expand=status&expand=info', async () => {
    const w = await world();
    const res = await post(w, { name: 'mm2-source', config: CONFIG });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe('/connectors/mm2-source');
    const info = res.json();
    expect(info).toMatchObject({ name: 'mm2-source', tasks: [{ connector: 'mm2-source', task: 0 }], type: 'source' });
    expect(info.config['source.cluster.sasl.jaas.config']).toBe('[REDACTED]');
    expect(info.config['tasks.max']).toBe('1');
    await w.herder.settled();
    expect(w.engines).toHaveLength(1);
    expect(w.engines[0]!.started).toBe(true);
    expect(w.engines[0]!.config.config.flows[0]!.name).toBe('source->target');
    expect((await w.app.inject('/connectors/mm2-source/status')).json()).toEqual({
      name: 'mm2-source', connector: { state: 'RUNNING', worker_id: '127.0.0.1:8083' }, tasks: [{ id: 0, state: 'RUNNING', worker_id: '127.0.0.1:8083' }], type: 'source',
    });
    expect((await w.app.inject('/connectors')).json()).toEqual(['mm2-source']);
    const expanded = (await w.app.inject('/connectors?expand=status&expand=info')).json();
    expect(expanded['mm2-source'].status.connector.state).toBe('RUNNING');
    expect(expanded['mm2-source'].info.name).toBe('mm2-source');
    expect((await w.app.inject('/connectors/mm2-source/config')).json()['source.cluster.sasl.jaas.config']).toBe('[REDACTED]');
    expect((await w.app.inject('/connectors/mm2-source/topics')).json()).toEqual({ 'mm2-source': { topics: ['orders'] } });
    // Stored as Connect does: connector-<name> {"properties":…} (the secret as sent, the topic is the vault).
    const stored = w.store.configRecords.find((r) => r.key === 'connector-mm2-source');
    expect(JSON.parse(stored!.value!.toString()).properties['source.cluster.sasl.jaas.config']).toContain('secret');
    expect(latestByKey(w.store.statusRecords).get('status-connector-mm2-source')).toContain('"RUNNING"');
  });

  it('400 names the offending key; 400 for a body without config; 404 unknown connector; 409 duplicate', async () => {
    const w = await world();
    const bad = await post(w, { name: 'x', config: { ...CONFIG, 'emit.checkpoints.interval.seconds': 'soon' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error_code: 400, message: expect.stringMatching(/^Connector configuration is invalid and contains the following 1 error\(s\):\nInvalid config: 'emit.checkpoints.interval.seconds' = 'soon' \(expected/) });
    const conv = await post(w, { name: 'x', config: { ...CONFIG, 'value.converter': 'org.apache.kafka.connect.json.JsonConverter' } });
    expect(conv.statusCode).toBe(400);
    expect(conv.json().message).toContain("'value.converter'");
    const noConfig = await post(w, { name: 'x' });
    expect(noConfig.statusCode).toBe(400);
    expect(noConfig.json()).toEqual({ error_code: 400, message: "body must have required property 'config'" });
    expect((await w.app.inject('/connectors/nope/status')).json()).toEqual({ error_code: 404, message: 'Connector nope not found' });
    expect((await w.app.inject({ method: 'DELETE', url: '/connectors/nope' })).statusCode).toBe(404);
    expect((await post(w, { name: 'a', config: CONFIG })).statusCode).toBe(201);
    const dup = await post(w, { name: 'a', config: CONFIG });
    expect(dup.json()).toEqual({ error_code: 409, message: 'Connector a already exists' });
    const samePair = await post(w, { name: 'b', config: CONFIG });
    expect(samePair.statusCode).toBe(409);
    expect(samePair.json().message).toContain('Connector a already runs the source part of source->target');
    expect(w.store.configRecords.filter((r) => r.key === 'connector-x')).toEqual([]); // nothing stored for rejected configs
  });

  it('two concurrent POSTs of one name: one 201, one 409; nothing written twice', async () => {
    const w = await world();
    const answers = await Promise.all([post(w, { name: 'a', config: CONFIG }), post(w, { name: 'a', config: { ...CONFIG, topics: 'other' } })]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409]);
    expect(w.store.configRecords.filter((r) => r.key === 'connector-a')).toHaveLength(1);
  });

  it('409 while a change of that connector is still being applied', async () => {
    const w = await world({ holdStart: true });
    expect((await post(w, { name: 'a', config: CONFIG })).statusCode).toBe(201);
    await waitFor(() => w.engines.length === 1, { message: 'engine created' });
    const busy = await w.app.inject({ method: 'PUT', url: '/connectors/a/config', payload: { ...CONFIG, topics: 'other' } });
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toEqual({ error_code: 409, message: 'Cannot complete request momentarily: a change to connector a is still being applied; retry shortly' });
    expect((await w.app.inject('/connectors/a/status')).json().connector.state).toBe('UNASSIGNED');
    w.engines[0]!.release();
    await w.herder.settled();
    const ok = await w.app.inject({ method: 'PUT', url: '/connectors/a/config', payload: { ...CONFIG, topics: 'other', 'source.cluster.sasl.jaas.config': '[REDACTED]' } });
    expect(ok.statusCode).toBe(200);
    await waitFor(() => w.engines.length === 2, { message: 'engine restarted with the new config' });
    w.engines[1]!.release();
    await w.herder.settled();
    expect(w.engines[0]!.stopped).toBe(true);
    expect([...w.engines[1]!.config.config.flows[0]!.topicFilter.include]).toEqual(['other']);
    // The redacted secret sent back kept the stored one.
    expect(w.engines[1]!.config.config.flows[0]!.source.client['sasl.password']).toBe('secret');
  });

  it('pause (202) → PAUSED and the engine stopped; resume → RUNNING on a new engine; stop (204) → STOPPED without tasks; delete (204)', async () => {
    const w = await world();
    await post(w, { name: 'a', config: CONFIG });
    await w.herder.settled();
    expect((await w.app.inject({ method: 'PUT', url: '/connectors/a/pause' })).statusCode).toBe(202);
    await w.herder.settled();
    expect(w.engines[0]!.stopped).toBe(true);
    expect((await w.app.inject('/connectors/a/status')).json().connector.state).toBe('PAUSED');
    expect((await w.app.inject({ method: 'PUT', url: '/connectors/a/pause' })).statusCode).toBe(202); // idempotent
    expect((await w.app.inject({ method: 'PUT', url: '/connectors/a/resume' })).statusCode).toBe(202);
    await w.herder.settled();
    expect(w.engines).toHaveLength(2);
    expect((await w.app.inject('/connectors/a/status')).json().tasks[0].state).toBe('RUNNING');
    expect((await w.app.inject({ method: 'PUT', url: '/connectors/a/stop' })).statusCode).toBe(204);
    await w.herder.settled();
    expect((await w.app.inject('/connectors/a/status')).json()).toMatchObject({ connector: { state: 'STOPPED' }, tasks: [] });
    expect((await w.app.inject('/connectors/a')).json().tasks).toEqual([]);
    expect((await w.app.inject({ method: 'DELETE', url: '/connectors/a' })).statusCode).toBe(204);
    expect((await w.app.inject('/connectors')).json()).toEqual([]);
    expect(w.store.configRecords.at(-2)).toEqual({ key: 'connector-a', value: null });
  });

  it('a failed engine shows FAILED with the error as trace; restart?onlyFailed restarts it (202 RESTARTING); plain restart 204; task restart 204/404', async () => {
    const w = await world();
    await post(w, { name: 'a', config: CONFIG });
    await w.herder.settled();
    w.engines[0]!.fail(new TruncationError({ flow: 'source->target', topic: 'orders', partition: 0, expectedOffset: 5, logStartOffset: 9, gap: 4, detectedAt: 'now' }));
    const failed = await waitFor(async () => {
      const s = (await w.app.inject('/connectors/a/status')).json();
      return s.connector.state === 'FAILED' ? s : undefined;
    }, { message: 'FAILED status' });
    expect(failed.connector.trace).toMatch(/^TruncationError \(TRUNCATION_DETECTED\): Log truncation detected for orders-0/);
    expect(failed.connector.trace).toContain('"logStartOffset":9');
    expect(failed.tasks[0].trace).toBe(failed.connector.trace);
    const restart = await w.app.inject({ method: 'POST', url: '/connectors/a/restart?includeTasks=true&onlyFailed=true' });
    expect(restart.statusCode).toBe(202);
    expect(restart.json()).toMatchObject({ connector: { state: 'RESTARTING' }, tasks: [{ id: 0, state: 'RESTARTING' }] });
    await w.herder.settled();
    expect(w.engines).toHaveLength(2);
    expect((await w.app.inject('/connectors/a/status')).json().connector.state).toBe('RUNNING');
    const noop = await w.app.inject({ method: 'POST', url: '/connectors/a/restart?onlyFailed=true' });
    expect(noop.statusCode).toBe(202);
    expect(noop.json().connector.state).toBe('RUNNING');
    expect((await w.app.inject({ method: 'POST', url: '/connectors/a/restart' })).statusCode).toBe(204);
    await w.herder.settled();
    expect((await w.app.inject({ method: 'POST', url: '/connectors/a/tasks/0/restart' })).statusCode).toBe(204);
    await w.herder.settled();
    expect((await w.app.inject({ method: 'POST', url: '/connectors/a/tasks/3/restart' })).json()).toEqual({ error_code: 404, message: 'Task a-3 not found' });
    expect(w.engines).toHaveLength(4);
  });

  it('offsets: GET maps progress; PATCH/DELETE need STOPPED (400), then alter (200 with Connect\'s message)', async () => {
    const w = await world();
    await post(w, { name: 'a', config: CONFIG });
    await w.herder.settled();
    expect((await w.app.inject('/connectors/a/offsets')).json()).toEqual({ offsets: [{ partition: { cluster: 'source', topic: 'orders', partition: 0 }, offset: { offset: 41 } }] });
    const body = { offsets: [{ partition: { cluster: 'source', topic: 'orders', partition: 0 }, offset: { offset: 10 } }, { partition: { cluster: 'source', topic: 'orders', partition: 1 }, offset: null }] };
    const running = await w.app.inject({ method: 'PATCH', url: '/connectors/a/offsets', payload: body });
    expect(running.statusCode).toBe(400);
    expect(running.json().message).toMatch(/^Connectors must be in the STOPPED state before their offsets can be modified/);
    await w.app.inject({ method: 'PUT', url: '/connectors/a/stop' });
    await w.herder.settled();
    const wrongCluster = await w.app.inject({ method: 'PATCH', url: '/connectors/a/offsets', payload: { offsets: [{ partition: { cluster: 'target', topic: 'orders', partition: 0 }, offset: { offset: 1 } }] } });
    expect(wrongCluster.json()).toEqual({ error_code: 400, message: `offsets[0]: "partition.cluster" must be the source cluster alias 'source'` });
    const ok = await w.app.inject({ method: 'PATCH', url: '/connectors/a/offsets', payload: body });
    expect(ok.json()).toEqual({ message: 'The offsets for this connector have been altered successfully' });
    expect(w.altered).toEqual([body.offsets]);
    expect((await w.app.inject({ method: 'DELETE', url: '/connectors/a/offsets' })).json()).toEqual({ message: 'The offsets for this connector have been reset successfully' });
    expect((await w.app.inject({ method: 'PATCH', url: '/connectors/a/offsets', payload: { offsets: [] } })).json()).toEqual({ error_code: 400, message: 'Partitions / offsets need to be provided for an alter offsets request' });
  });

  it('validate: ConfigInfos with the error on the offending key (also a missing one), secrets redacted', async () => {
    const w = await world();
    const { ['target.cluster.bootstrap.servers']: _t, ...noTarget } = CONFIG;
    const res = await w.app.inject({ method: 'PUT', url: '/connector-plugins/MirrorSourceConnector/config/validate', payload: noTarget });
    const infos = res.json();
    expect(infos.name).toBe('org.apache.kafka.connect.mirror.MirrorSourceConnector');
    expect(infos.error_count).toBe(1);
    const target = infos.configs.find((c: { value: { name: string } }) => c.value.name === 'target.cluster.bootstrap.servers');
    expect(target.value.errors[0]).toMatch(/^Invalid config: 'target.cluster.bootstrap.servers' is required/);
    expect(infos.configs.find((c: { value: { name: string } }) => c.value.name === 'source.cluster.sasl.jaas.config').value.value).toBe('[REDACTED]');
    const good = (await w.app.inject({ method: 'PUT', url: '/connector-plugins/org.apache.kafka.connect.mirror.MirrorSourceConnector/config/validate', payload: CONFIG })).json();
    expect(good.error_count).toBe(0);
    const mismatch = await w.app.inject({ method: 'PUT', url: '/connector-plugins/MirrorHeartbeatConnector/config/validate', payload: CONFIG });
    expect(mismatch.statusCode).toBe(400);
  });

  it('a restarted worker resumes its connectors and target states from the config topic', async () => {
    const store = new MemoryConnectorStore();
    const first = await world({ store });
    await post(first, { name: 'a', config: CONFIG });
    await post(first, { name: 'hb', config: { ...CONFIG, 'connector.class': 'MirrorHeartbeatConnector', 'target.cluster.alias': 'dr' } });
    await first.app.inject({ method: 'PUT', url: '/connectors/hb/pause' });
    await first.herder.settled();
    await first.herder.stop();
    const second = await world({ store });
    await second.herder.settled();
    expect((await second.app.inject('/connectors')).json()).toEqual(['a', 'hb']);
    expect((await second.app.inject('/connectors/a/status')).json().connector.state).toBe('RUNNING');
    expect((await second.app.inject('/connectors/hb/status')).json().connector.state).toBe('PAUSED');
    expect(second.engines.map((e) => e.config.pair)).toEqual(['source->target']);
  });

  it('initial_state PAUSED / STOPPED creates without running', async () => {
    const w = await world();
    expect((await post(w, { name: 'p', config: CONFIG, initial_state: 'PAUSED' })).statusCode).toBe(201);
    await w.herder.settled();
    expect(w.engines).toEqual([]);
    expect((await w.app.inject('/connectors/p/status')).json().connector.state).toBe('PAUSED');
    expect((await post(w, { name: 'q', config: CONFIG, initial_state: 'SOMETIMES' })).statusCode).toBe(400);
  });
});
