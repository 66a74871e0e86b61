/**
 * test6 — MM2 on a Connect worker, replayed from seed 004 in its shape: a worker
 * (`kafka-mirror --worker worker.properties`) starts with no connectors; the three connector JSONs of
 * `scenarios/connect/` (MirrorSource / MirrorCheckpoint / MirrorHeartbeat, IdentityReplicationPolicy,
 * `source` → `target`) are POSTed as `setup-mm2-connectors.sh` would; records produced to `orders` on the
 * source appear as `orders` on the target with the topic's configs, a consumer group's committed offsets
 * appear on the target (sync.group.offsets.enabled), heartbeats flow; PUT pause → status PAUSED and nothing
 * mirrored (checked while 3 heartbeats go by), PUT resume → RUNNING and everything mirrored; the three are
 * DELETEd. PASS when every step answered as Connect does and the target's `orders` equals the source's,
 * partition by partition. The requests and responses are written to `logs/test6-curl-transcript.txt`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withClusterReader } from '../testkit/cluster-reader.ts';
import { ConnectClient, WorkerProcess, connectorJson, workerProperties } from '../testkit/connect-worker.ts';
import { commitGroupOffset, committedOffsets } from '../testkit/group-offsets.ts';
import { admins, runProducer, startResult, waitUntil, type Scenario, type ScenarioContext, type ScenarioResult } from './scenario.ts';

const TOPIC = 'orders';
const PARTITIONS = 3;
const FIRST = 1000;
const WHILE_PAUSED = 200;
const CONNECTORS = ['mm2-source', 'mm2-checkpoint', 'mm2-heartbeat'] as const;

/** Values per partition of `orders` on `bootstrap`. */
function contents(bootstrap: string): Promise<Record<number, string[]>> {
  return withClusterReader(bootstrap, async (r) => Object.fromEntries([...(await r.readAll(TOPIC))].map(([p, recs]) => [p, recs.map((x) => x.value?.toString('hex') ?? '')])));
}
const count = (bootstrap: string, topic = TOPIC) => withClusterReader(bootstrap, (r) => r.recordCount(topic)).catch(() => 0);

export const test6: Scenario = {
  name: 'test6',
  title: 'MM2 connectors on a Connect-style worker (REST)',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const dir = join(ctx.logsDir, 'test6');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const logFile = join(ctx.logsDir, 'test6-worker.log');
    rmSync(logFile, { force: true });
    const worker = new WorkerProcess(workerProperties(ctx.standby, 'test6'), { dir, logFile });
    const { result, finish } = startResult(test6, [worker.logFile]);
    const group = `orders-app-${randomBytes(3).toString('hex')}`;
    const vars = { SOURCE_BOOTSTRAP: ctx.primary, TARGET_BOOTSTRAP: ctx.standby, TOPICS: TOPIC, GROUP_PATTERN: 'orders-app-.*' };
    let api: ConnectClient | undefined;
    const expect = (what: string, ok: boolean) => void (ok || result.problems.push(what));
    try {
      ctx.say('clean slate: orders on both clusters, the worker\'s config and status topics');
      const a = admins(ctx);
      try {
        await a.primary.deleteTopic(TOPIC);
        for (const t of [TOPIC, 'mirror-configs-test6', 'mirror-status-test6']) await a.standby.deleteTopic(t);
        await waitUntil(async () => !(await a.primary.listTopics()).includes(TOPIC) && !(await a.standby.listTopics()).some((t) => [TOPIC, 'mirror-configs-test6'].includes(t)), 'topics deleted', 30_000);
        await waitUntil(() => a.primary.createTopic(TOPIC, PARTITIONS, -1, { 'retention.ms': '604800000', 'max.message.bytes': '2097152' }), 'orders created', 30_000);
      } finally {
        a.close();
      }

      api = new ConnectClient(await worker.start());
      ctx.say(`worker listening on ${api.url}; registering the three connectors`);
      const empty = await api.call('GET', '/connectors');
      expect(`GET /connectors before setup: ${JSON.stringify(empty)}`, empty.status === 200 && JSON.stringify(empty.body) === '[]');
      for (const kind of ['source', 'checkpoint', 'heartbeat'] as const) {
        const res = await api.call('POST', '/connectors', connectorJson(kind, vars));
        expect(`POST mm2-${kind}: HTTP ${res.status} ${JSON.stringify(res.body)}`, res.status === 201 && res.body?.name === `mm2-${kind}`);
      }
      for (const name of CONNECTORS) await api.waitForState(name, 'RUNNING');

      ctx.say(`producing ${FIRST} records to ${TOPIC}`);
      const first = await runProducer(ctx, ['--topic', TOPIC, '--count', String(FIRST)]);
      expect(`producer: exit ${first.exitCode}, ${first.output.trim()}`, first.exitCode === 0 && first.records === FIRST);
      await waitUntil(async () => (await count(ctx.standby)) >= FIRST, `${FIRST} records on the target's ${TOPIC}`, 60_000);
      const configs = await withClusterReader(ctx.standby, (r) => r.topicConfigs(TOPIC));
      expect(`target ${TOPIC} retention.ms = ${configs.get('retention.ms')?.value}`, configs.get('retention.ms')?.value === '604800000');
      expect(`target ${TOPIC} max.message.bytes = ${configs.get('max.message.bytes')?.value}`, configs.get('max.message.bytes')?.value === '2097152');
      const partitions = await withClusterReader(ctx.standby, (r) => r.partitionCount(TOPIC));
      expect(`target ${TOPIC} has ${partitions} partitions`, partitions === PARTITIONS);

      ctx.say(`group ${group} commits on the source; its offsets must appear on the target`);
      const committed = new Map<number, number>();
      const sourceEnds = await withClusterReader(ctx.primary, (r) => r.highWatermarks(TOPIC));
      for (let p = 0; p < PARTITIONS; p++) {
        const offset = Math.floor((sourceEnds.get(p) ?? 0) / 2);
        committed.set(p, offset);
        await commitGroupOffset(ctx.primary, group, TOPIC, p, offset);
      }
      const onTarget = await waitUntil(async () => {
        const o = await committedOffsets(ctx.standby, group, TOPIC);
        return [...committed].every(([p, off]) => o.get(p) === off) ? o : undefined;
      }, `group ${group} offsets on the target`, 60_000);

      ctx.say('pause mm2-source: status PAUSED, nothing mirrored while paused');
      const pause = await api.call('PUT', '/connectors/mm2-source/pause');
      expect(`PUT pause: HTTP ${pause.status}`, pause.status === 202);
      await api.waitForState('mm2-source', 'PAUSED');
      await api.call('GET', '/connectors/mm2-source/status');
      const beforePause = await count(ctx.standby);
      const paused = await runProducer(ctx, ['--topic', TOPIC, '--count', String(WHILE_PAUSED)]);
      expect(`producer while paused: exit ${paused.exitCode}`, paused.exitCode === 0 && paused.records === WHILE_PAUSED);
      const heartbeats = await count(ctx.standby, 'heartbeats');
      await waitUntil(async () => (await count(ctx.standby, 'heartbeats')) >= heartbeats + 3, '3 heartbeats on the target while paused', 30_000);
      const whilePaused = await count(ctx.standby);
      expect(`records mirrored while PAUSED: ${whilePaused - beforePause}`, whilePaused === beforePause);

      ctx.say('resume mm2-source: status RUNNING, the paused records arrive');
      const resume = await api.call('PUT', '/connectors/mm2-source/resume');
      expect(`PUT resume: HTTP ${resume.status}`, resume.status === 202);
      await api.waitForState('mm2-source', 'RUNNING');
      const status = await api.call('GET', '/connectors/mm2-source/status');
      expect(`status after resume: ${JSON.stringify(status.body)}`, status.body?.connector?.state === 'RUNNING');
      await waitUntil(async () => (await count(ctx.standby)) >= FIRST + WHILE_PAUSED, `${FIRST + WHILE_PAUSED} records on the target`, 60_000);
      const [source, target] = await Promise.all([contents(ctx.primary), contents(ctx.standby)]);
      for (let p = 0; p < PARTITIONS; p++) {
        const s = source[p] ?? [];
        const t = target[p] ?? [];
        expect(`partition ${p}: source ${s.length} records, target ${t.length}, equal=${JSON.stringify(s) === JSON.stringify(t)}`, JSON.stringify(s) === JSON.stringify(t));
      }
      await api.call('GET', '/connectors?expand=status');
      await api.call('GET', `/connectors/mm2-source/topics`);
      await api.call('GET', '/connectors/mm2-source/offsets');

      ctx.say('deleting the three connectors');
      for (const name of CONNECTORS) {
        const del = await api.call('DELETE', `/connectors/${name}`);
        expect(`DELETE ${name}: HTTP ${del.status}`, del.status === 204);
      }
      const after = await api.call('GET', '/connectors');
      expect(`GET /connectors after delete: ${JSON.stringify(after.body)}`, JSON.stringify(after.body) === '[]');
      const gone = await api.call('GET', '/connectors/mm2-source/status');
      expect(`status of a deleted connector: HTTP ${gone.status}`, gone.status === 404);
      const exit = await worker.stop();
      expect(`worker exited ${exit} on SIGTERM`, exit === 0);
      const records = Object.values(target).reduce((n, v) => n + v.length, 0);
      result.records = records;
      result.details = { group, groupOffsetsOnTarget: Object.fromEntries(onTarget), heartbeatsWhilePaused: (await count(ctx.standby, 'heartbeats')) - heartbeats, mirroredWhilePaused: whilePaused - beforePause, transcript: join(ctx.logsDir, 'test6-curl-transcript.txt') };
    } catch (err) {
      result.problems.push((err as Error).message);
    } finally {
      if (api) writeFileSync(join(ctx.logsDir, 'test6-curl-transcript.txt'), `${api.curlTranscript()}\n`);
      await worker.stop().catch(() => undefined);
    }
    return finish();
  },
};
