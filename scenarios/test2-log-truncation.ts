/**
 * test2 — log truncation. `commit-log` with fast retention (retention.ms=1000, segment.ms=100) so
 * the broker deletes records within seconds. The engine mirrors the first 100 records, then misses
 * the next 500 while retention deletes them, in two variants:
 * - `stopped`: the engine is stopped (SIGTERM) while the records are produced and deleted, then started;
 * - `frozen`:  the running engine is frozen (SIGSTOP) meanwhile, then continued (SIGCONT).
 * PASS when the engine logs the CRITICAL truncation line with gap == (log start − expected offset)
 * as read independently from the broker (kafkajs), exits with the truncation exit code (3), mirrored
 * nothing past the gap, and `grep -ri "CRITICAL.*truncation" logs/` finds the line.
 */
import { spawnSync } from 'node:child_process';
import { EXIT_CODES } from '../engine/core/errors.ts';
import type { EngineProcess } from '../testkit/engine-process.ts';
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
import { partitionOffsets, recordCount } from '../testkit/cluster-reader.ts';

const MIRRORED_FIRST = 100;
const MISSED = 500;

type Variant = 'stopped' | 'frozen';

/** Runs one variant; pushes problems into `problems`, returns its figures. */
async function runVariant(ctx: ScenarioContext, engine: EngineProcess, variant: Variant, problems: string[]): Promise<Record<string, unknown>> {
  const say = (l: string) => ctx.say(`[${variant}] ${l}`);
  await resetScenarioTopics(ctx);
  await createSourceTopic(ctx, { 'retention.ms': '1000', 'segment.ms': '100' });
  engine.writeConfig(scenarioProperties(ctx));
  await engine.start();
  const first = await runProducer(ctx, ['--topic', SOURCE_TOPIC, '--count', String(MIRRORED_FIRST), '--key-prefix', `${variant}-`]);
  if (first.exitCode !== 0) problems.push(`[${variant}] producer failed: ${first.output.trim()}`);
  await waitUntil(async () => (await recordCount(ctx.standby, REMOTE_TOPIC)) >= MIRRORED_FIRST, `${MIRRORED_FIRST} records mirrored`, 30_000);
  say(`${MIRRORED_FIRST} records mirrored; ${variant === 'stopped' ? 'stopping' : 'freezing (SIGSTOP)'} the engine`);
  if (variant === 'stopped') {
    const code = await engine.stop();
    if (code !== 0) problems.push(`[${variant}] engine exited ${code} on SIGTERM`);
  } else {
    engine.signal('SIGSTOP');
  }

  // In the frozen variant a fetch sent just before SIGSTOP may still be held by the broker (long poll):
  // the first record answers it, so the engine can receive at most that one record before the gap.
  const fence = await runProducer(ctx, ['--topic', SOURCE_TOPIC, '--count', '1', '--start-seq', String(MIRRORED_FIRST), '--key-prefix', `${variant}-`]);
  const more = await runProducer(ctx, ['--topic', SOURCE_TOPIC, '--count', String(MISSED - 1), '--start-seq', String(MIRRORED_FIRST + 1), '--rate', '1000', '--key-prefix', `${variant}-`]);
  for (const p of [fence, more]) if (p.exitCode !== 0) problems.push(`[${variant}] producer failed: ${p.output.trim()}`);
  const end = MIRRORED_FIRST + MISSED;
  say(`produced ${MISSED} more; waiting for retention to delete them`);
  await waitUntil(async () => {
    const [p] = await partitionOffsets(ctx.primary, SOURCE_TOPIC);
    return p && p.logStartOffset === end && p.logEndOffset === end;
  }, `retention to delete commit-log up to offset ${end}`, 60_000);

  const resumedAt = Date.now();
  if (variant === 'stopped') await engine.start({ allowEarlyExit: true }); // it may find the truncation and exit 3 right away
  else engine.signal('SIGCONT');
  say(`engine ${variant === 'stopped' ? 'started' : 'continued (SIGCONT)'}; waiting for detection`);
  const critical = await engine.waitForLine((l) => l.event === 'log_truncation_detected' && Date.parse(l.time) >= resumedAt - 1000, 'the truncation line', 30_000);
  const detectionMs = Date.parse(critical.time) - resumedAt;
  const exitCode = await engine.waitForExit(30_000);
  const [broker] = await partitionOffsets(ctx.primary, SOURCE_TOPIC);
  const remoteEnd = (await partitionOffsets(ctx.standby, REMOTE_TOPIC))[0]?.logEndOffset;

  // Expected offset: 100 (the frozen engine may also have received the fence record, then 101).
  const expectedOffset = critical.expectedOffset as number;
  const allowed = variant === 'stopped' ? [MIRRORED_FIRST] : [MIRRORED_FIRST, MIRRORED_FIRST + 1];
  if (!allowed.includes(expectedOffset)) problems.push(`[${variant}] expectedOffset ${expectedOffset} not in ${allowed.join(' or ')}`);
  const expectedGap = broker!.logStartOffset - expectedOffset;
  const msg = `CRITICAL: Log truncation detected for ${SOURCE_TOPIC}-0. Expected offset ${expectedOffset}, but got ${broker!.logStartOffset}. Gap of ${expectedGap} messages detected`;
  if (critical.level !== 'critical') problems.push(`[${variant}] truncation line has level ${critical.level}, expected critical`);
  if (critical.msg !== msg) problems.push(`[${variant}] truncation message was '${critical.msg}', expected '${msg}'`);
  if (critical.gap !== expectedGap) problems.push(`[${variant}] reported gap ${String(critical.gap)} != broker log start ${broker!.logStartOffset} - expected ${expectedOffset} = ${expectedGap}`);
  for (const field of ['flow', 'topic', 'partition', 'logStartOffset', 'detectedAt']) {
    if (critical[field] === undefined) problems.push(`[${variant}] truncation line lacks field ${field}`);
  }
  if (exitCode !== EXIT_CODES.TRUNCATION_DETECTED) problems.push(`[${variant}] engine exit code ${exitCode}, expected ${EXIT_CODES.TRUNCATION_DETECTED} (truncation)`);
  if (remoteEnd !== expectedOffset) problems.push(`[${variant}] remote log end ${remoteEnd} != expected offset ${expectedOffset}: records past the gap were mirrored, or records before it were lost`);
  say(`detected gap ${String(critical.gap)} in ${detectionMs} ms; engine exit code ${exitCode}`);
  return { gap: critical.gap, expectedOffset: critical.expectedOffset, logStartOffset: critical.logStartOffset, detectionMs, exitCode };
}

export const test2: Scenario = {
  name: 'test2',
  title: 'Log truncation detection',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const engines = { stopped: scenarioEngine(ctx, 'test2-stopped'), frozen: scenarioEngine(ctx, 'test2-frozen') };
    const { result, finish } = startResult(test2, [engines.stopped.logFile, engines.frozen.logFile]);
    for (const variant of ['stopped', 'frozen'] as const) {
      const engine = engines[variant];
      try {
        result.details[variant] = await runVariant(ctx, engine, variant, result.problems);
      } catch (err) {
        result.problems.push(`[${variant}] ${(err as Error).message}`);
      } finally {
        if (engine.pid) {
          engine.signal('SIGCONT');
          await engine.stop().catch(() => engine.signal('SIGKILL'));
        }
      }
    }
    const grep = spawnSync('grep', ['-ril', 'CRITICAL.*truncation', ctx.logsDir], { encoding: 'utf8' });
    const found = grep.stdout.split('\n').filter(Boolean);
    for (const e of Object.values(engines)) if (!found.includes(e.logFile)) result.problems.push(`grep -ri "CRITICAL.*truncation" logs/ does not find ${e.logFile}`);
    result.records = MIRRORED_FIRST;
    return finish();
  },
};
