/**
 * `kafka-mirror --worker` against the two local clusters: the Connect REST API registers MM2's three
 * connectors (IdentityReplicationPolicy, primary → standby), records, topic configs and the group's
 * offsets reach the target, pause stops mirroring until resume, the error bodies (400/404/409) are
 * Connect's, a restarted worker resumes its connectors from the config topic without re-copying, KIP-875
 * offsets map onto the stored progress, and DELETE removes everything.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaAdmin, runWorker } from '../engine/testing.ts';
import { withClusterReader } from '../testkit/cluster-reader.ts';
import { parseLogLines } from '../testkit/engine-log.ts';
import { ConnectClient, WorkerProcess, connectorJson, workerProperties } from '../testkit/connect-worker.ts';
import { commitGroupOffset, committedOffsets } from '../testkit/group-offsets.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

const id = randomBytes(4).toString('hex');
const topic = uniqueTopic('cw');
const group = `cw-group-${id}`;
const vars = { SOURCE_BOOTSTRAP: PRIMARY, TARGET_BOOTSTRAP: STANDBY, TOPICS: topic, GROUP_PATTERN: group };
const worker = new WorkerProcess(workerProperties(STANDBY, id));
const truncated = uniqueTopic('cwt');
const inProcessDir = mkdtempSync(join(tmpdir(), 'kme-worker-'));

async function produce(values: readonly string[]): Promise<void> {
  const producer = kafkajsClient(PRIMARY).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((v, i) => ({ key: `k${i % 2}`, value: v, partition: i % 2 })) });
  } finally {
    await producer.disconnect();
  }
}

/** Values per partition on `bootstrap` (offset order). */
function contents(bootstrap: string): Promise<Record<number, string[]>> {
  return withClusterReader(bootstrap, async (r) => {
    const all = await r.readAll(topic);
    return Object.fromEntries([...all].map(([p, records]) => [p, records.map((rec) => rec.value?.toString('utf8') ?? '')]));
  });
}

const count = (bootstrap: string) => withClusterReader(bootstrap, (r) => r.recordCount(topic)).catch(() => 0);
const vals = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

afterAll(async () => {
  await worker.dispose();
  rmSync(inProcessDir, { recursive: true, force: true });
  await withClusterReader(PRIMARY, (r) => r.deleteTopicsIfPresent([topic, truncated]));
  await withClusterReader(STANDBY, (r) => r.deleteTopicsIfPresent([topic, truncated, 'mm2-progress.trunc.internal', `mirror-configs-${id}`, `mirror-status-${id}`, `mirror-configs-${id}-t`, `mirror-status-${id}-t`, 'mm2-progress.source.internal', 'mm2-progress.other.internal']));
});

describe('Connect-style worker', () => {
  it('registers the three MM2 connectors over REST and mirrors, pauses, resumes, survives a worker restart, maps offsets, deletes', async () => {
    await withClusterReader(PRIMARY, async (r) => {
      await r.admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] }] });
    });
    await produce(vals('a', 20));
    const api = new ConnectClient(await worker.start());

    const root = await api.call('GET', '/');
    expect(root.body).toEqual({ version: expect.any(String), commit: 'kafka-mirror-engine', kafka_cluster_id: expect.stringMatching(/^[\w-]{22}$/) });
    expect((await api.call('GET', '/connectors')).body).toEqual([]);

    for (const kind of ['source', 'checkpoint', 'heartbeat'] as const) {
      const res = await api.call('POST', '/connectors', connectorJson(kind, vars));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: `mm2-${kind}`, tasks: [{ connector: `mm2-${kind}`, task: 0 }], type: 'source' });
    }
    for (const name of ['mm2-source', 'mm2-checkpoint', 'mm2-heartbeat']) await api.waitForState(name, 'RUNNING');

    // Records, topic config and (with sync.group.offsets.enabled) the group's offsets on the target, same topic name.
    await waitFor(async () => (await count(STANDBY)) === 20, { timeoutMs: 60_000, message: '20 records on the target' });
    expect(await contents(STANDBY)).toEqual(await contents(PRIMARY));
    const retention = await withClusterReader(STANDBY, async (r) => (await r.topicConfigs(topic)).get('retention.ms')?.value);
    expect(retention).toBe('86400000');
    await commitGroupOffset(PRIMARY, group, topic, 0, 7);
    await commitGroupOffset(PRIMARY, group, topic, 1, 10);
    const translated = await waitFor(async () => {
      const o = await committedOffsets(STANDBY, group, topic);
      return o.get(0) === 7 && o.get(1) === 10 ? o : undefined;
    }, { timeoutMs: 60_000, message: 'group offsets on the target' });
    expect([...translated].sort()).toEqual([[0, 7], [1, 10]]);
    // Besides the topic only heartbeats topics: MM2 mirrors every heartbeats topic of the source (`heartbeats` →
    // `source.heartbeats`, renamed even under Identity; other tests' `x.heartbeats` on the shared cluster too).
    const active = (await api.call('GET', '/connectors/mm2-source/topics')).body as { 'mm2-source': { topics: string[] } };
    expect(active['mm2-source'].topics).toContain(topic);
    expect(active['mm2-source'].topics.filter((t) => t !== topic && !/^source\.(.+\.)?heartbeats$/.test(t))).toEqual([]);

    // Error bodies.
    const bad = await api.call('POST', '/connectors', { name: 'bad', config: { ...connectorJson('source', vars).config, 'emit.checkpoints.interval.seconds': 'soon' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe(400);
    expect(bad.body.message).toMatch(/^Connector configuration is invalid and contains the following 1 error\(s\):\nInvalid config: 'emit.checkpoints.interval.seconds' = 'soon'/);
    expect(await api.call('GET', '/connectors/nope/status')).toEqual({ status: 404, body: { error_code: 404, message: 'Connector nope not found' } });
    expect((await api.call('POST', '/connectors', connectorJson('source', vars))).body).toEqual({ error_code: 409, message: 'Connector mm2-source already exists' });
    // A second pair, then a change to it while it is still starting: 409.
    const other = connectorJson('source', { ...vars, TOPICS: `${topic}-never` });
    other.name = 'other-source';
    other.config['source.cluster.alias'] = 'other';
    expect((await api.call('POST', '/connectors', other)).status).toBe(201);
    const busy = await api.call('PUT', '/connectors/other-source/config', other.config);
    expect(busy).toEqual({ status: 409, body: { error_code: 409, message: 'Cannot complete request momentarily: a change to connector other-source is still being applied; retry shortly' } });
    await api.waitForState('other-source', 'RUNNING');
    expect((await api.call('DELETE', '/connectors/other-source')).status).toBe(204);

    // Pause: no record mirrored while PAUSED (checked once several heartbeats went by), all of them after resume.
    expect((await api.call('PUT', '/connectors/mm2-source/pause')).status).toBe(202);
    await api.waitForState('mm2-source', 'PAUSED');
    await produce(vals('b', 10));
    const heartbeats = await withClusterReader(STANDBY, (r) => r.recordCount('heartbeats'));
    await waitFor(async () => (await withClusterReader(STANDBY, (r) => r.recordCount('heartbeats'))) >= heartbeats + 3, { timeoutMs: 30_000, message: '3 heartbeats while paused' });
    expect(await count(STANDBY)).toBe(20);
    expect((await api.call('PUT', '/connectors/mm2-source/resume')).status).toBe(202);
    await api.waitForState('mm2-source', 'RUNNING');
    await waitFor(async () => (await count(STANDBY)) === 30, { timeoutMs: 60_000, message: '30 records after resume' });
    expect(await contents(STANDBY)).toEqual(await contents(PRIMARY));

    // Worker restart: the connectors come back from the config topic and resume from the stored progress.
    expect(await worker.stop()).toBe(0);
    await produce(vals('c', 6));
    const api2 = new ConnectClient(await worker.start());
    expect((await api2.call('GET', '/connectors')).body).toEqual(['mm2-checkpoint', 'mm2-heartbeat', 'mm2-source']);
    await api2.waitForState('mm2-source', 'RUNNING');
    await waitFor(async () => (await count(STANDBY)) >= 36, { timeoutMs: 60_000, message: '36 records after the worker restart' });
    const after = await contents(STANDBY);
    expect(after).toEqual(await contents(PRIMARY)); // nothing copied twice
    const withStatus = (await api2.call('GET', '/connectors?expand=status&expand=info')).body;
    expect(withStatus['mm2-checkpoint'].status.connector.state).toBe('RUNNING');
    expect(withStatus['mm2-source'].info.config['replication.policy.class']).toBe('org.apache.kafka.connect.mirror.IdentityReplicationPolicy');

    // KIP-875 offsets over the progress records: the last mirrored offset per partition; PATCH needs STOPPED.
    const offsets = await waitFor(async () => {
      const o = (await api2.call('GET', '/connectors/mm2-source/offsets')).body as { offsets: { partition: { topic: string; partition: number }; offset: { offset: number } }[] };
      const ours = o.offsets.filter((x) => x.partition.topic === topic); // the source's `heartbeats` is mirrored too when it exists
      return ours.length === 2 && ours.every((x) => x.offset.offset === after[x.partition.partition]!.length - 1) ? ours : undefined;
    }, { timeoutMs: 30_000, message: 'offsets at the log end' });
    expect(offsets.map((o) => o.partition)).toEqual([{ cluster: 'source', topic, partition: 0 }, { cluster: 'source', topic, partition: 1 }]);
    const patch = { offsets: [{ partition: { cluster: 'source', topic, partition: 0 }, offset: { offset: 4 } }] };
    expect((await api2.call('PATCH', '/connectors/mm2-source/offsets', patch)).status).toBe(400);
    expect((await api2.call('PUT', '/connectors/mm2-source/stop')).status).toBe(204);
    await api2.waitForState('mm2-source', 'STOPPED');
    await waitFor(async () => (await api2.call('PATCH', '/connectors/mm2-source/offsets', patch)).status === 200, { timeoutMs: 30_000, message: 'offsets altered once stopped' });
    const altered = (await api2.call('GET', '/connectors/mm2-source/offsets')).body.offsets;
    expect(altered.find((o: { partition: { topic: string; partition: number } }) => o.partition.topic === topic && o.partition.partition === 0).offset).toEqual({ offset: 4 });

    // Delete: 204, gone from the list and from the config topic.
    for (const name of ['mm2-source', 'mm2-checkpoint', 'mm2-heartbeat']) expect((await api2.call('DELETE', `/connectors/${name}`)).status).toBe(204);
    expect((await api2.call('GET', '/connectors')).body).toEqual([]);
    expect(await worker.stop()).toBe(0);
    const api3 = new ConnectClient(await worker.start());
    expect((await api3.call('GET', '/connectors')).body).toEqual([]);
    expect(await worker.stop()).toBe(0);
  });

  it('a truncation under truncation.policy=fail is FAILED with its evidence as trace; offsets moved past the gap while STOPPED let it run again', async () => {
    await withClusterReader(PRIMARY, (r) => r.admin.createTopics({ topics: [{ topic: truncated, numPartitions: 1, replicationFactor: 1 }] }));
    const producer = kafkajsClient(PRIMARY).producer();
    await producer.connect();
    await producer.send({ topic: truncated, messages: vals('t', 10).map((v) => ({ value: v, partition: 0 })) });
    await producer.disconnect();
    // This worker runs in-process (runWorker with its own signal emitter), so its code counts for coverage.
    writeFileSync(join(inProcessDir, 'worker.properties'), workerProperties(STANDBY, `${id}-t`));
    const logFile = join(inProcessDir, 'worker.log');
    const signals = new EventEmitter();
    const exited = runWorker({ worker: join(inProcessDir, 'worker.properties'), logFile, logLevel: 'info', listeners: 'http://127.0.0.1:0' }, signals);
    const started = await waitFor(() => (existsSync(logFile) ? parseLogLines(readFileSync(logFile, 'utf8')).find((l) => l.event === 'worker_started') : undefined),
      { timeoutMs: 60_000, message: 'in-process worker started' });
    const api = new ConnectClient(String(started.url));
    const connector = connectorJson('source', { ...vars, TOPICS: truncated });
    connector.name = 'trunc-source';
    connector.config['source.cluster.alias'] = 'trunc';
    // Created STOPPED; its position set to "offset 2 mirrored" (next: 3) before any run.
    expect((await api.call('POST', '/connectors', { ...connector, initial_state: 'STOPPED' })).status).toBe(201);
    expect((await api.call('GET', '/connectors/trunc-source/status')).body).toMatchObject({ connector: { state: 'STOPPED' }, tasks: [] });
    const patch = (offset: number) => ({ offsets: [{ partition: { cluster: 'trunc', topic: truncated, partition: 0 }, offset: { offset } }] });
    await waitFor(async () => (await api.call('PATCH', '/connectors/trunc-source/offsets', patch(2))).status === 200, { message: 'offsets set while STOPPED' });
    expect((await api.call('GET', '/connectors/trunc-source/offsets')).body).toEqual({ offsets: [{ partition: { cluster: 'trunc', topic: truncated, partition: 0 }, offset: { offset: 2 } }] });
    // Retention-like loss before the engine ever ran: records 0..7 deleted on the source.
    const admin = new KafkaAdmin({ 'bootstrap.servers': PRIMARY });
    try {
      await admin.deleteRecordsBefore({ topic: truncated, partition: 0 }, 8);
    } finally {
      admin.close();
    }
    expect((await api.call('PUT', '/connectors/trunc-source/resume')).status).toBe(202);
    const failed = await api.waitForState('trunc-source', 'FAILED');
    expect(failed.connector.trace).toMatch(new RegExp(`^TruncationError \\(TRUNCATION_DETECTED\\): Log truncation detected for ${truncated}-0: expected offset 3, log start offset 8, 5 records lost`));
    expect(failed.connector.trace).toContain('"gap":5');
    expect(failed.tasks[0].trace).toBe(failed.connector.trace);
    // The operator accepts the gap the Connect way: stop, move the offset past it, resume.
    expect((await api.call('PUT', '/connectors/trunc-source/stop')).status).toBe(204);
    await api.waitForState('trunc-source', 'STOPPED');
    await waitFor(async () => (await api.call('PATCH', '/connectors/trunc-source/offsets', patch(7))).status === 200, { message: 'offsets moved past the gap' });
    expect((await api.call('PUT', '/connectors/trunc-source/resume')).status).toBe(202);
    await api.waitForState('trunc-source', 'RUNNING');
    const remote = await waitFor(async () => {
      const r = await withClusterReader(STANDBY, (c) => c.readAll(truncated)).catch(() => undefined);
      const values = r?.get(0)?.map((x) => x.value?.toString('utf8'));
      return values?.length === 2 ? values : undefined;
    }, { timeoutMs: 60_000, message: 'records 8 and 9 on the target' });
    expect(remote).toEqual(['t-8', 't-9']);
    expect((await api.call('DELETE', '/connectors/trunc-source')).status).toBe(204);
    signals.emit('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('two workers of one group share a connector\'s partitions through the Kafka group: every record once on the target', async () => {
    const shared = uniqueTopic('cwg');
    await withClusterReader(PRIMARY, (r) => r.admin.createTopics({ topics: [{ topic: shared, numPartitions: 4, replicationFactor: 1 }] }));
    const props = workerProperties(STANDBY, `${id}-g`);
    const [w1, w2] = [new WorkerProcess(props), new WorkerProcess(props)];
    try {
      const api1 = new ConnectClient(await w1.start());
      const api2 = new ConnectClient(await w2.start());
      const connector = connectorJson('source', { ...vars, TOPICS: shared });
      connector.name = 'shared-source';
      connector.config['source.cluster.alias'] = 'grp';
      expect((await api1.call('POST', '/connectors', connector)).status).toBe(201);
      // The second worker learns it from the config topic and runs it too; the group splits the 4 partitions.
      await api1.waitForState('shared-source', 'RUNNING');
      await api2.waitForState('shared-source', 'RUNNING');
      /** Partitions of the topic a worker owns now: its partitions_assigned minus partitions_revoked (cooperative, incremental). */
      const owned = (w: WorkerProcess): Set<string> => {
        const mine = new Set<string>();
        for (const l of w.lines()) {
          const ps = Array.isArray(l.partitions) ? (l.partitions as string[]).filter((p) => p.startsWith(`${shared}-`)) : [];
          if (l.event === 'partitions_assigned') ps.forEach((p) => mine.add(p));
          if (l.event === 'partitions_revoked' || l.event === 'partitions_lost') ps.forEach((p) => mine.delete(p));
        }
        return mine;
      };
      const [o1, o2] = await waitFor(() => {
        const [x, y] = [owned(w1), owned(w2)];
        return x.size > 0 && y.size > 0 && x.size + y.size === 4 && new Set([...x, ...y]).size === 4 ? [x, y] : undefined;
      }, { timeoutMs: 60_000, message: 'the two workers own disjoint shares of the 4 partitions' });
      expect(o1.size + o2.size).toBe(4);
      const producer = kafkajsClient(PRIMARY).producer();
      await producer.connect();
      await producer.send({ topic: shared, messages: vals('g', 40).map((v, i) => ({ value: v, partition: i % 4 })) });
      await producer.disconnect();
      await waitFor(async () => (await withClusterReader(STANDBY, (r) => r.recordCount(shared)).catch(() => 0)) >= 40, { timeoutMs: 60_000, message: '40 records on the target' });
      const [src, dst] = await Promise.all([PRIMARY, STANDBY].map((b) => withClusterReader(b, async (r) => Object.fromEntries([...(await r.readAll(shared))].map(([p, recs]) => [p, recs.map((x) => x.value?.toString('utf8'))])))));
      expect(dst).toEqual(src);
      expect((await api2.call('DELETE', '/connectors/shared-source')).status).toBe(204);
      await waitFor(async () => (await api1.call('GET', '/connectors')).body.length === 0, { message: 'the delete reached worker 1' });
    } finally {
      await w1.dispose();
      await w2.dispose();
      await withClusterReader(PRIMARY, (r) => r.deleteTopicsIfPresent([shared]));
      await withClusterReader(STANDBY, (r) => r.deleteTopicsIfPresent([shared, `mirror-configs-${id}-g`, `mirror-status-${id}-g`, 'mm2-progress.grp.internal']));
    }
  });
});
