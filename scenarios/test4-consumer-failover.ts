/**
 * test4 — consumer failover. The disaster-recovery story: a consumer group reads `commit-log` on the
 * primary, the primary cluster dies, the group moves to the standby and resumes on `primary.commit-log`
 * at its translated offsets. The engine runs at default checkpoint settings
 * (`emit.checkpoints.interval.seconds` = 5, `refresh.groups.interval.seconds` = 5).
 *
 * Steps: 1000 records produced and mirrored; `commit-log-consumer --count 600` reads seq 0..599 on the
 * primary and commits offset 600; the checkpoint for that commit appears on the standby (checkpoint
 * staleness = its record timestamp − the commit's acknowledgement); the primary cluster is stopped;
 * `commit-log-consumer --failover --source-alias primary --until-end` on the standby. PASS when it
 * receives exactly seq 600..999: no duplicates, no skips.
 *
 * Clusters: the scenario stops a primary cluster, so it runs on its OWN pair of local clusters
 * (127.0.0.1:19192 and :19193, data in a temporary folder, removed afterwards) — never the shared
 * 9092/9093 ones other scenarios, tests and engineers use, and independently of `--primary/--standby`
 * (an external cluster cannot be stopped from here). Ports: TEST4_PRIMARY_PORT, TEST4_STANDBY_PORT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';
import { translateOffsets } from '../engine/index.ts';
import {
  REMOTE_TOPIC,
  SOURCE_TOPIC,
  createSourceTopic,
  runConsumer,
  runProducer,
  scenarioEngine,
  scenarioProperties,
  startResult,
  waitUntil,
  type Scenario,
  type ScenarioContext,
  type ScenarioResult,
} from './scenario.ts';
import { recordCount } from '../testkit/cluster-reader.ts';
import { sequenceProblems } from '../testkit/invariants.ts';

const RECORDS = 1000;
const CONSUMED_ON_PRIMARY = 600;
const GROUP = 'test4-billing';
const PRIMARY_PORT = Number(process.env.TEST4_PRIMARY_PORT ?? 19192);
const STANDBY_PORT = Number(process.env.TEST4_STANDBY_PORT ?? 19193);

export const test4: Scenario = {
  name: 'test4',
  title: 'Consumer failover',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const engine = scenarioEngine(ctx, 'test4');
    const { result, finish } = startResult(test4, [engine.logFile]);
    const dataRoot = mkdtempSync(join(tmpdir(), 'kme-test4-'));
    const primary = new LocalKafkaCluster({ alias: 'primary', port: PRIMARY_PORT, dataRoot });
    const standby = new LocalKafkaCluster({ alias: 'standby', port: STANDBY_PORT, dataRoot });
    try {
      ctx.say(`starting this scenario's own clusters (it stops its primary): ${primary.bootstrapServers}, ${standby.bootstrapServers}`);
      for (const c of [primary, standby]) {
        const { started, durationMs } = await c.start('process');
        if (!started) throw new Error(`something already answers on ${c.bootstrapServers}; test4 needs its own clusters there (set TEST4_PRIMARY_PORT / TEST4_STANDBY_PORT)`);
        ctx.say(`${c.alias} up in ${durationMs} ms`);
      }
      const own: ScenarioContext = { ...ctx, primary: primary.bootstrapServers, standby: standby.bootstrapServers };
      await createSourceTopic(own, {});
      engine.writeConfig(scenarioProperties(own)); // checkpoint settings at their defaults
      await engine.start();
      ctx.say(`engine running (pid ${engine.pid}); producing ${RECORDS} records`);
      const produced = await runProducer(own, ['--topic', SOURCE_TOPIC, '--count', String(RECORDS)]);
      if (produced.exitCode !== 0 || produced.records !== RECORDS) result.problems.push(`producer: exit ${produced.exitCode}, ${produced.output.trim()}`);
      await waitUntil(async () => (await recordCount(own.standby, REMOTE_TOPIC)) >= RECORDS, `${RECORDS} records on ${REMOTE_TOPIC}`, 60_000);

      ctx.say(`group ${GROUP} consumes ${CONSUMED_ON_PRIMARY} records on the primary and commits`);
      const before = await runConsumer(own.primary, ['--topic', SOURCE_TOPIC, '--group', GROUP, '--count', String(CONSUMED_ON_PRIMARY)]);
      if (before.exitCode !== 0) result.problems.push(`consumer on the primary: exit ${before.exitCode}, ${before.output.trim().split('\n').slice(-3).join(' | ')}`);
      result.problems.push(...sequenceProblems(before.records.map((r) => r.seq), 0, CONSUMED_ON_PRIMARY).map((p) => `on the primary: ${p}`));
      const committedAtMs = Number(before.summary.committed_at);

      const checkpoint = await waitUntil(
        async () => (await translateOffsets({ targetBootstrap: own.standby, sourceAlias: 'primary', groupId: GROUP })).find((c) => c.topic === REMOTE_TOPIC && c.upstreamOffset === CONSUMED_ON_PRIMARY),
        `a checkpoint of ${GROUP} at upstream offset ${CONSUMED_ON_PRIMARY} on the standby`,
        60_000,
      );
      const stalenessMs = checkpoint.checkpointedAtMs - committedAtMs;
      ctx.say(`checkpoint on the standby ${stalenessMs} ms after the commit: upstream ${checkpoint.upstreamOffset} -> downstream ${checkpoint.offset}`);

      ctx.say('stopping the primary cluster');
      const t0 = Date.now();
      await primary.stop();
      const primaryStopMs = Date.now() - t0;

      ctx.say(`group ${GROUP} fails over to the standby`);
      const after = await runConsumer(own.standby, ['--topic', SOURCE_TOPIC, '--group', GROUP, '--failover', '--source-alias', 'primary', '--until-end']);
      if (after.exitCode !== 0) result.problems.push(`consumer on the standby: exit ${after.exitCode}, ${after.output.trim().split('\n').slice(-3).join(' | ')}`);
      const seqs = after.records.map((r) => r.seq);
      result.problems.push(...sequenceProblems(seqs, CONSUMED_ON_PRIMARY, RECORDS - CONSUMED_ON_PRIMARY).map((p) => `after failover: ${p}`));
      const unique = new Set(seqs);
      const expected = Array.from({ length: RECORDS - CONSUMED_ON_PRIMARY }, (_, i) => CONSUMED_ON_PRIMARY + i);
      result.records = after.records.length;

      // With the source down a stop waits out the source-side closes (librdkafka clients, admin requests capped at
      // 10 s each): 40–65 s measured on a loaded 2-core machine; 180 s before it counts as hung.
      const exitCode = await engine.stop(180_000).catch(() => {
        engine.signal('SIGKILL');
        return -1;
      });
      if (exitCode !== 0) result.problems.push(`engine exited ${exitCode} on SIGTERM with the primary down (expected 0)`);
      const summary = engine.lines().findLast((l) => l.event === 'replication_summary' && l.kind === 'final');
      result.latencyP50Ms = summary?.latencyP50Ms as number | undefined;
      result.latencyP99Ms = summary?.latencyP99Ms as number | undefined;
      result.recordsPerSec = summary?.activeRecordsPerSec as number | undefined;
      result.details = {
        checkpointStalenessMs: stalenessMs,
        checkpointIntervalMs: 5000,
        translated: `${checkpoint.upstreamOffset}->${checkpoint.offset}`,
        consumedOnPrimary: before.records.length,
        receivedAfterFailover: after.records.length,
        duplicates: seqs.length - unique.size,
        skipped: expected.filter((s) => !unique.has(s)).length,
        firstSeqAfterFailover: seqs[0],
        lastSeqAfterFailover: seqs.at(-1),
        primaryStopMs,
        engineExitCode: exitCode,
        clusters: `${primary.bootstrapServers},${standby.bootstrapServers}`,
      };
    } catch (err) {
      result.problems.push((err as Error).message);
    } finally {
      if (engine.pid) await engine.stop(30_000).catch(() => engine.signal('SIGKILL'));
      await primary.destroy();
      await standby.destroy();
      rmSync(dataRoot, { recursive: true, force: true });
    }
    return finish();
  },
};
