/**
 * What every scenario shares: the clusters it runs against, where its files go, its result shape,
 * and the steps most scenarios take (fresh topics, an engine child process, the producer CLI).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../engine/index.ts';
import { KafkaAdmin, ProgressStore } from '../engine/testing.ts';
import { EngineProcess } from '../testkit/engine-process.ts';
import { PROGRESS_TOPIC } from '../testkit/progress-records.ts';
import { waitFor } from '../testkit/wait-for.ts';

/** Repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where scenario logs, configs and summaries go (gitignored). */
export const LOGS_DIR = join(ROOT, 'logs');

/** The source topic of the scenarios (as in the seeds) and its remote name on the standby. */
export const SOURCE_TOPIC = 'commit-log';
export const REMOTE_TOPIC = 'primary.commit-log';
/** The engine's progress topic on the standby for flows from `primary` (testkit/progress-records.ts). */
export { PROGRESS_TOPIC };

/** Where a scenario runs. Bootstrap servers are `host:port[,host:port]`. */
export interface ScenarioContext {
  primary: string;
  standby: string;
  logsDir: string;
  /** Prints one progress line for the operator. */
  say: (line: string) => void;
}

/** The outcome of one scenario run, as printed in the summary table and written to logs/challenge-summary.json. */
export interface ScenarioResult {
  scenario: string;
  title: string;
  status: 'PASS' | 'FAIL';
  records: number;
  latencyP50Ms?: number | undefined;
  latencyP99Ms?: number | undefined;
  recordsPerSec?: number | undefined;
  durationMs: number;
  /** Scenario-specific figures (gap, detection time, recovery time, exit codes …). */
  details: Record<string, unknown>;
  /** Why it failed (empty on PASS). */
  problems: string[];
  /** The engine log file(s) to look at. */
  logFiles: string[];
}

/** A scenario: name (`test1`), title, and its body. */
export interface Scenario {
  name: string;
  title: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

/** Admin clients of both clusters, closed by `close()`. */
export function admins(ctx: ScenarioContext): { primary: KafkaAdmin; standby: KafkaAdmin; close(): void } {
  const primary = new KafkaAdmin({ 'bootstrap.servers': ctx.primary });
  const standby = new KafkaAdmin({ 'bootstrap.servers': ctx.standby });
  return { primary, standby, close: () => (primary.close(), standby.close()) };
}

/**
 * Gives the scenario a clean slate: deletes `topic` (default `commit-log`) on the primary and
 * `primary.<topic>` on the standby, tombstones the engine's stored progress for it (other topics'
 * progress on the cluster is left alone), and waits until the brokers no longer list the topics.
 */
export async function resetScenarioTopics(ctx: ScenarioContext, topic = SOURCE_TOPIC): Promise<void> {
  const remote = topic === SOURCE_TOPIC ? REMOTE_TOPIC : `primary.${topic}`;
  const a = admins(ctx);
  try {
    await forgetScenarioProgress(ctx.standby, topic);
    await a.primary.deleteTopic(topic);
    await a.standby.deleteTopic(remote);
    await waitUntil(async () => !(await a.primary.listTopics()).includes(topic), `${topic} deleted`, 30_000);
    await waitUntil(async () => !(await a.standby.listTopics()).includes(remote), `${remote} deleted`, 30_000);
  } finally {
    a.close();
  }
}

/**
 * Tombstones the engine's stored progress for `topic` (default `commit-log`; flows from `primary`) on the
 * standby at `standbyBootstrap`, so the next engine starts it from scratch. Returns the records removed.
 */
export async function forgetScenarioProgress(standbyBootstrap: string, topic = SOURCE_TOPIC): Promise<number> {
  const store = new ProgressStore({
    topic: PROGRESS_TOPIC,
    sourceCluster: 'primary',
    target: { alias: 'standby', bootstrapServers: standbyBootstrap, client: {}, consumer: {}, producer: {}, admin: {} },
    replicationFactor: -1,
    logger: silentLogger(),
  });
  try {
    await store.load();
    return await store.forget(topic);
  } finally {
    await store.close();
  }
}

/** Creates `commit-log` on the primary with 1 partition and the given topic configs; waits until it can be described. */
export async function createSourceTopic(ctx: ScenarioContext, configs: Record<string, string>, partitions = 1): Promise<string> {
  const a = admins(ctx);
  try {
    await waitUntil(() => a.primary.createTopic(SOURCE_TOPIC, partitions, -1, configs), 'commit-log created', 30_000);
    const d = await waitUntil(async () => (await a.primary.describeTopics([SOURCE_TOPIC])).get(SOURCE_TOPIC), 'commit-log described', 30_000);
    return d.topicId;
  } finally {
    a.close();
  }
}

/** mm2.properties for a scenario: primary->standby mirroring `commit-log`, plus `extra` keys. */
export function scenarioProperties(ctx: ScenarioContext, extra: Record<string, string | number> = {}): string {
  const props: Record<string, string | number> = {
    clusters: 'primary, standby',
    'primary.bootstrap.servers': ctx.primary,
    'standby.bootstrap.servers': ctx.standby,
    'primary->standby.enabled': 'true',
    'primary->standby.topics': SOURCE_TOPIC,
    'replication.factor': 1,
    'progress.topic.replication.factor': 1,
    'offset-syncs.topic.replication.factor': 1,
    'checkpoints.topic.replication.factor': 1,
    'heartbeats.topic.replication.factor': 1,
    'refresh.topics.interval.seconds': 5,
    ...extra,
  };
  return `# written by run_challenge.ts\n${Object.entries(props).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
}

/**
 * An engine child process for scenario `name`: config `logs/<name>/mm2.properties`, log `logs/<name>-engine.log`.
 * Each start prints the engine's dashboard URL (its listener binds a free port, testkit/engine-process.ts).
 */
export function scenarioEngine(ctx: ScenarioContext, name: string): EngineProcess {
  mkdirSync(join(ctx.logsDir, name), { recursive: true });
  const logFile = join(ctx.logsDir, `${name}-engine.log`);
  rmSync(logFile, { force: true }); // each run starts a fresh log: assertions read only this run's lines
  return new ScenarioEngineProcess({ configPath: join(ctx.logsDir, name, 'mm2.properties'), logFile }, ctx.say);
}

/** An {@link EngineProcess} that says where its dashboard is once it started. */
class ScenarioEngineProcess extends EngineProcess {
  private readonly say: (line: string) => void;

  constructor(options: { configPath: string; logFile: string }, say: (line: string) => void) {
    super(options);
    this.say = say;
  }

  override async start(options: { waitForStartedMs?: number; extraArgs?: string[] } = {}): Promise<void> {
    await super.start(options);
    const url = this.listenerUrl();
    if (url !== undefined) this.say(`engine dashboard: ${url}/ (metrics ${url}/metrics, status ${url}/status)`);
  }
}

/** The producer CLI's parsed summary line (`summary: records=… failed=… …`). */
export interface ProducerSummary {
  exitCode: number;
  records: number;
  failed: number;
  recordsPerSec: number;
  runId: string;
  output: string;
}

/** Runs `commit-log-producer` as a child process (as an operator would) and parses its summary. */
export async function runProducer(ctx: ScenarioContext, args: string[]): Promise<ProducerSummary> {
  const bin = join(ROOT, 'bin', 'commit-log-producer.js');
  const child = spawn(process.execPath, [bin, '--broker', ctx.primary, '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exitCode = await new Promise<number>((r) => child.on('close', (code) => r(code ?? 1)));
  const field = (name: string) => new RegExp(`\\b${name}=(\\S+)`).exec(output)?.[1] ?? '';
  return { exitCode, records: Number(field('records')), failed: Number(field('failed')), recordsPerSec: Number(field('records_per_sec')), runId: field('run_id'), output };
}

/** What `commit-log-consumer --print-records` reported: the records in delivery order and its summary fields. */
export interface ConsumerRun {
  exitCode: number;
  records: { partition: number; offset: number; seq: number }[];
  /** `summary:` fields, e.g. `committed_at`, `first_seq`, `duplicates`. */
  summary: Record<string, string>;
  output: string;
}

/** Runs `commit-log-consumer --broker <bootstrap> --print-records …` as a child process and parses its output. */
export async function runConsumer(bootstrap: string, args: string[]): Promise<ConsumerRun> {
  const bin = join(ROOT, 'bin', 'commit-log-consumer.js');
  const child = spawn(process.execPath, [bin, '--broker', bootstrap, '--print-records', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exitCode = await new Promise<number>((r) => child.on('close', (code) => r(code ?? 1)));
  const records = [...output.matchAll(/^record partition=(\d+) offset=(\d+) seq=(\d+)$/gm)].map((m) => ({ partition: Number(m[1]), offset: Number(m[2]), seq: Number(m[3]) }));
  const line = /^summary: (.*)$/m.exec(output)?.[1] ?? '';
  const summary = Object.fromEntries(line.split(' ').filter(Boolean).map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
  return { exitCode, records, summary, output };
}

/** Polls `condition` every 100 ms until it returns a truthy value; rejects after `timeoutMs` naming `what` ({@link waitFor}). */
export function waitUntil<T>(condition: () => Promise<T> | T, what: string, timeoutMs: number): Promise<NonNullable<T>> {
  return waitFor(condition, { timeoutMs, message: what });
}

/** Starts a result; `finish` stamps duration and status from the problems found. */
export function startResult(scenario: Scenario, logFiles: string[]): { result: ScenarioResult; finish(): ScenarioResult } {
  const t0 = Date.now();
  const result: ScenarioResult = { scenario: scenario.name, title: scenario.title, status: 'FAIL', records: 0, durationMs: 0, details: {}, problems: [], logFiles };
  return {
    result,
    finish() {
      result.durationMs = Date.now() - t0;
      result.status = result.problems.length === 0 ? 'PASS' : 'FAIL';
      return result;
    },
  };
}
