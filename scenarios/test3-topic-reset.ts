/**
 * test3 — topic reset. The engine mirrors 1000 records of `commit-log`; the topic is deleted and
 * recreated (new topic ID) and 500 new records are produced. Two variants:
 * - `recreate`: delete, wait until gone, recreate, produce 500;
 * - `hard`: delete, recreate and refill PAST the old offset (1500 records) as fast as possible, so the
 *   whole reset can happen between two of the engine's periodic checks.
 * PASS when the remote topic holds the old 1000 followed by exactly the new records, in order, no
 * duplicates, none skipped; the three log lines (reset detected / handling / recovered) are present
 * with the old and new topic IDs read from the broker; and recovery takes under 5 s.
 */
import { randomUUID } from 'node:crypto';
import type { EngineProcess } from '../testkit/engine-process.ts';
import {
  REMOTE_TOPIC,
  SOURCE_TOPIC,
  admins,
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
import { events, sequenceProblems } from '../testkit/invariants.ts';

const OLD = 1000;
const NEW = { recreate: 500, hard: 1500 } as const;
const RECOVERY_TARGET_MS = 5000;

type Variant = keyof typeof NEW;

async function runVariant(ctx: ScenarioContext, engine: EngineProcess, variant: Variant, problems: string[]): Promise<Record<string, unknown>> {
  const say = (l: string) => ctx.say(`[${variant}] ${l}`);
  const fail = (p: string) => problems.push(`[${variant}] ${p}`);
  await resetScenarioTopics(ctx);
  const oldTopicId = await createSourceTopic(ctx, { 'retention.ms': '60000' });
  // The hard case makes the periodic checks rare, so only the topic-ID fence can tell the incarnations apart.
  engine.writeConfig(scenarioProperties(ctx, variant === 'hard' ? { 'topic.reset.check.interval.ms': 60_000, 'refresh.topics.interval.seconds': 600 } : {}));
  await engine.start();
  const oldRun = randomUUID();
  const first = await runProducer(ctx, ['--topic', SOURCE_TOPIC, '--count', String(OLD), '--run-id', oldRun]);
  if (first.exitCode !== 0) fail(`producer failed: ${first.output.trim()}`);
  await waitUntil(async () => (await recordCount(ctx.standby, REMOTE_TOPIC)) >= OLD, `${OLD} records mirrored`, 60_000);
  say(`${OLD} records mirrored; deleting and recreating ${SOURCE_TOPIC}`);

  const a = admins(ctx);
  let newTopicId: string;
  try {
    await a.primary.deleteTopic(SOURCE_TOPIC);
    await waitUntil(async () => !(await a.primary.listTopics()).includes(SOURCE_TOPIC), 'commit-log deleted', 30_000);
    newTopicId = await createSourceTopic(ctx, { 'retention.ms': '60000' });
  } finally {
    a.close();
  }
  const newRun = randomUUID();
  const count = NEW[variant];
  const second = await runProducer(ctx, ['--topic', SOURCE_TOPIC, '--count', String(count), '--run-id', newRun]);
  if (second.exitCode !== 0) fail(`producer failed: ${second.output.trim()}`);
  say(`recreated (topic ID ${oldTopicId} -> ${newTopicId}) and produced ${count}; waiting for the mirror`);
  await waitUntil(async () => (await recordCount(ctx.standby, REMOTE_TOPIC)) >= OLD + count, `${OLD + count} records on ${REMOTE_TOPIC}`, 60_000);

  const remote = await readTopic(ctx.standby, REMOTE_TOPIC);
  const ev = events(remote);
  const oldPart = ev.slice(0, OLD);
  const newPart = ev.slice(OLD);
  if (oldPart.some((e) => e.runId !== oldRun)) fail('the first 1000 remote records are not the old topic\'s records');
  if (newPart.some((e) => e.runId !== newRun)) fail('records after the first 1000 are not all from the recreated topic');
  for (const p of sequenceProblems(oldPart.map((e) => e.seq), 0, OLD)) fail(`old records: ${p}`);
  for (const p of sequenceProblems(newPart.map((e) => e.seq), 0, count)) fail(`new records: ${p}`);

  const lines = engine.lines();
  const key = `${SOURCE_TOPIC}-0`;
  const detected = lines.find((l) => l.event === 'topic_reset_detected');
  const handling = lines.find((l) => l.event === 'topic_reset_handling');
  const recovered = lines.find((l) => l.event === 'topic_reset_recovered');
  const expect = (ok: boolean, what: string) => ok || fail(what);
  expect(detected?.level === 'warn' && detected.msg === `Topic reset detected for ${key} (topic ID ${oldTopicId} -> ${newTopicId})`, `missing or wrong reset-detected line: ${detected?.msg ?? 'none'}`);
  expect(detected?.lastMirroredOffset === OLD - 1, `lastMirroredOffset ${String(detected?.lastMirroredOffset)} != ${OLD - 1}`);
  expect(handling?.level === 'info' && handling.msg === `Handling topic reset for ${key}. Seeking to beginning offset 0`, `missing or wrong handling line: ${handling?.msg ?? 'none'}`);
  expect(recovered?.level === 'info' && /^Successfully recovered from topic reset for commit-log-0 in \d+ ms$/.test(recovered.msg), `missing or wrong recovered line: ${recovered?.msg ?? 'none'}`);
  const recoveryMs = recovered?.recoveryMs as number | undefined;
  expect(recoveryMs !== undefined && recoveryMs < RECOVERY_TARGET_MS, `recovery took ${recoveryMs} ms (target < ${RECOVERY_TARGET_MS} ms)`);
  const sawMissing = lines.some((l) => l.event === 'topic_missing');
  const exitCode = await engine.stop();
  if (exitCode !== 0) fail(`engine exited ${exitCode} on SIGTERM`);
  say(`recovered in ${recoveryMs} ms; remote holds ${OLD} old + ${newPart.length} new records`);
  return { oldTopicId, newTopicId, recoveryMs, newRecords: newPart.length, engineSawTopicMissing: sawMissing };
}

export const test3: Scenario = {
  name: 'test3',
  title: 'Topic reset recovery',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const engines = { recreate: scenarioEngine(ctx, 'test3-recreate'), hard: scenarioEngine(ctx, 'test3-hard') };
    const { result, finish } = startResult(test3, [engines.recreate.logFile, engines.hard.logFile]);
    for (const variant of ['recreate', 'hard'] as const) {
      const engine = engines[variant];
      try {
        result.details[variant] = await runVariant(ctx, engine, variant, result.problems);
        result.records += OLD + NEW[variant];
      } catch (err) {
        result.problems.push(`[${variant}] ${(err as Error).message}`);
      } finally {
        if (engine.pid) await engine.stop().catch(() => engine.signal('SIGKILL'));
      }
    }
    return finish();
  },
};
