/**
 * `npm run cleanup [containers|topics|all]` — undoes what the challenge and `npm run kafka:up` left.
 *
 * - `topics`: deletes the scenario topics (`commit-log` on the primary, `primary.commit-log` on the
 *   standby) and tombstones the engine's stored progress for `commit-log`, on clusters that are up.
 * - `containers` (the seeds' name for the running parts): stops engines and local Kafka clusters this
 *   project started — by the pids it recorded, never by process name — and removes their data and logs.
 * - `all` (default): topics, then containers.
 *
 * Asks for confirmation on a terminal unless FORCE_CLEANUP=true. Idempotent: a second run finds
 * nothing and exits 0. Exits 1 naming what could not be removed.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { DATA_ROOT, defaultClusters } from './local-kafka/local-kafka-cluster.ts';
import { KafkaAdmin } from './engine/testing.ts';
import { LOGS_DIR, PROGRESS_TOPIC, REMOTE_TOPIC, SOURCE_TOPIC, forgetScenarioProgress } from './scenarios/scenario.ts';

const say = (line: string) => console.log(`[cleanup] ${line}`);

async function confirm(what: string): Promise<boolean> {
  if (process.env.FORCE_CLEANUP === 'true' || !process.stdin.isTTY) return true;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`This will ${what}. Continue? [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** Deletes the scenario topics on clusters that answer; returns problems. */
async function cleanTopics(): Promise<string[]> {
  const problems: string[] = [];
  const { primary, standby } = defaultClusters();
  const up = { primary: await primary.isUp(), standby: await standby.isUp() };
  if (up.primary) {
    const admin = new KafkaAdmin({ 'bootstrap.servers': primary.bootstrapServers }, { timeoutMs: 10_000 });
    try {
      say((await admin.deleteTopic(SOURCE_TOPIC)) ? `deleted ${SOURCE_TOPIC} on primary` : `${SOURCE_TOPIC}: not on primary`);
    } catch (err) {
      problems.push(`could not delete ${SOURCE_TOPIC} on primary: ${(err as Error).message}`);
    } finally {
      admin.close();
    }
  } else say(`primary not running on ${primary.bootstrapServers}: no topics to delete there`);
  if (up.standby) {
    const admin = new KafkaAdmin({ 'bootstrap.servers': standby.bootstrapServers }, { timeoutMs: 10_000 });
    try {
      say((await admin.deleteTopic(REMOTE_TOPIC)) ? `deleted ${REMOTE_TOPIC} on standby` : `${REMOTE_TOPIC}: not on standby`);
      if ((await admin.listTopics()).includes(PROGRESS_TOPIC)) {
        const n = await forgetScenarioProgress(standby.bootstrapServers);
        if (n > 0) say(`removed ${n} stored progress record(s) for ${SOURCE_TOPIC}`);
      }
    } catch (err) {
      problems.push(`could not clean the standby: ${(err as Error).message}`);
    } finally {
      admin.close();
    }
  } else say(`standby not running on ${standby.bootstrapServers}: no topics to delete there`);
  return problems;
}

/** Stops recorded engines and local clusters, removes their data and logs; returns problems. */
async function cleanProcesses(): Promise<string[]> {
  const problems: string[] = [];
  for (const pidFile of existsSync(LOGS_DIR) ? readdirSync(LOGS_DIR).filter((f) => f.endsWith('.pid')) : []) {
    const path = join(LOGS_DIR, pidFile);
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (isOurEngine(pid)) {
      process.kill(pid, 'SIGKILL');
      say(`stopped engine pid ${pid} (${pidFile})`);
    }
    rmSync(path, { force: true });
  }
  for (const cluster of Object.values(defaultClusters())) {
    if (await cluster.stop()) say(`stopped local Kafka '${cluster.alias}'`);
  }
  for (const dir of [DATA_ROOT, LOGS_DIR]) {
    if (!existsSync(dir)) continue;
    try {
      rmSync(dir, { recursive: true, force: true });
      say(`removed ${dir}`);
    } catch (err) {
      problems.push(`could not remove ${dir}: ${(err as Error).message}`);
    }
  }
  return problems;
}

function isOurEngine(pid: number): boolean {
  try {
    return Number.isInteger(pid) && pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka-mirror.js');
  } catch {
    return false;
  }
}

async function main(mode: string): Promise<number> {
  if (!['containers', 'topics', 'all'].includes(mode)) {
    console.error(`cleanup: unknown mode '${mode}' (expected containers, topics or all)`);
    return 2;
  }
  const what = { containers: 'stop the local Kafka clusters and engines and delete their data and logs', topics: 'delete the scenario topics', all: 'delete the scenario topics, stop the local Kafka clusters and engines and delete their data and logs' }[mode]!;
  if (!(await confirm(what))) return (say('cancelled'), 0);
  const problems = [...(mode !== 'containers' ? await cleanTopics() : []), ...(mode !== 'topics' ? await cleanProcesses() : [])];
  for (const p of problems) console.error(`[cleanup] ERROR: ${p}`);
  say(problems.length ? 'finished with errors' : 'done');
  return problems.length ? 1 : 0;
}

main(process.argv[2] ?? 'all').then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`cleanup: ${(err as Error).message}`);
    process.exit(1);
  },
);
