/**
 * test1 — normal replication. `commit-log` (1 partition, retention.ms=60000 as in the seeds) on the
 * primary; the engine mirrors it to `primary.commit-log` on the standby while the producer CLI writes
 * 1000 records. PASS when an independent client (kafkajs) reads exactly those 1000 records on the
 * standby, in order, byte-for-byte equal (key, value, headers, timestamp, partition), seq 0..999 once
 * each, and the engine stops cleanly (exit 0). Reports replication latency p50/p99 and records/s.
 */
import {
  REMOTE_TOPIC,
  SOURCE_TOPIC,
  createSourceTopic,
  resetScenarioTopics,
  runProducer,
  scenarioEngine,
  scenarioProperties,
  startResult,
  waitUntil,
  type Scenario,
  type ScenarioContext,
  type ScenarioResult,
} from './scenario.ts';
import { readTopic, recordCount } from '../testkit/cluster-reader.ts';
import { events, recordDifferences, sequenceProblems } from '../testkit/invariants.ts';

const RECORDS = 1000;

export const test1: Scenario = {
  name: 'test1',
  title: 'Normal replication',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const engine = scenarioEngine(ctx, 'test1');
    const { result, finish } = startResult(test1, [engine.logFile]);
    try {
      ctx.say('resetting commit-log, primary.commit-log and the progress topic');
      await resetScenarioTopics(ctx);
      await createSourceTopic(ctx, { 'retention.ms': '60000' });
      engine.writeConfig(scenarioProperties(ctx));
      await engine.start();
      ctx.say(`engine running (pid ${engine.pid}); producing ${RECORDS} records`);
      const t0 = Date.now();
      const produced = await runProducer(ctx, ['--topic', SOURCE_TOPIC, '--count', String(RECORDS)]);
      if (produced.exitCode !== 0 || produced.records !== RECORDS) result.problems.push(`producer: exit ${produced.exitCode}, ${produced.output.trim()}`);
      await waitUntil(async () => (await recordCount(ctx.standby, REMOTE_TOPIC)) >= RECORDS, `${RECORDS} records on ${REMOTE_TOPIC}`, 60_000);
      const endToEndMs = Date.now() - t0;
      ctx.say(`standby has ${RECORDS} records after ${endToEndMs} ms; verifying with kafkajs`);
      const [source, remote] = await Promise.all([readTopic(ctx.primary, SOURCE_TOPIC), readTopic(ctx.standby, REMOTE_TOPIC)]);
      if (remote.length !== source.length) result.problems.push(`source has ${source.length} records, remote ${remote.length}`);
      source.forEach((s, i) => {
        const r = remote[i];
        const diffs = r ? recordDifferences(s, r) : ['missing on remote'];
        if (diffs.length && result.problems.length < 10) result.problems.push(`record ${i}: ${diffs.join('; ')}`);
      });
      const remoteEvents = events(remote);
      result.problems.push(...sequenceProblems(remoteEvents.map((e) => e.seq), 0, RECORDS));
      if (remoteEvents.some((e) => e.runId !== produced.runId)) result.problems.push('remote holds records of another producer run');
      const exitCode = await engine.stop();
      if (exitCode !== 0) result.problems.push(`engine exited ${exitCode} on SIGTERM (expected 0)`);
      const summary = engine.lines().findLast((l) => l.event === 'replication_summary' && l.kind === 'final');
      result.records = remote.length;
      result.latencyP50Ms = summary?.latencyP50Ms as number | undefined;
      result.latencyP99Ms = summary?.latencyP99Ms as number | undefined;
      result.recordsPerSec = summary?.activeRecordsPerSec as number | undefined;
      result.details = { producerRecordsPerSec: produced.recordsPerSec, endToEndMs, engineExitCode: exitCode, verifiedByteForByte: source.length };
    } catch (err) {
      result.problems.push((err as Error).message);
    } finally {
      if (engine.pid) await engine.stop().catch(() => engine.signal('SIGKILL'));
    }
    return finish();
  },
};
