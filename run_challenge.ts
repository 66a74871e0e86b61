/**
 * `npm run challenge [test1|test2|test3|test4|test5|all|status|logs] [-- --primary HOST:PORT --standby HOST:PORT --keep]`
 *
 * Brings up the two local Kafka clusters (or uses external ones), runs the scenarios with the engine
 * as a child process, prints a summary table and writes it to logs/challenge-summary.json.
 * Exit code 0 when every scenario passed, 1 when one failed, 2 on bad arguments.
 */
import { Command, CommanderError } from 'commander';
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultClusters, type LocalKafkaCluster } from './local-kafka/local-kafka-cluster.ts';
import { KafkaAdmin } from './engine/testing.ts';
import { LOGS_DIR, type Scenario, type ScenarioContext, type ScenarioResult } from './scenarios/scenario.ts';
import { SCENARIOS } from './scenarios/index.ts';

interface Options {
  primary?: string;
  standby?: string;
  keep?: boolean;
}

const say = (line: string) => console.log(`[challenge] ${line}`);

/** Starts the local clusters unless external ones are given; returns the context and a teardown. */
async function clusters(opts: Options): Promise<{ ctx: ScenarioContext; teardown: () => Promise<void> }> {
  mkdirSync(LOGS_DIR, { recursive: true });
  if (opts.primary || opts.standby) {
    if (!opts.primary || !opts.standby) throw new CommanderError(2, 'challenge.args', '--primary and --standby go together');
    return { ctx: { primary: opts.primary, standby: opts.standby, logsDir: LOGS_DIR, say }, teardown: async () => undefined };
  }
  const { primary, standby } = defaultClusters();
  const started: LocalKafkaCluster[] = [];
  for (const c of [primary, standby]) {
    const { started: didStart, durationMs } = await c.start(opts.keep ? 'detached' : 'process');
    say(`${c.alias} cluster ${didStart ? `started in ${durationMs} ms` : 'already up'} on ${c.bootstrapServers}`);
    if (didStart) started.push(c);
  }
  const teardown = async () => {
    if (opts.keep) return say('--keep: clusters left running (npm run kafka:down or npm run cleanup to stop them)');
    for (const c of started) await c.stop();
    if (started.length) say(`stopped the clusters this run started (${started.map((c) => c.alias).join(', ')})`);
  };
  return { ctx: { primary: primary.bootstrapServers, standby: standby.bootstrapServers, logsDir: LOGS_DIR, say }, teardown };
}

function fmt(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '-' : String(Math.round(v * 10) / 10);
}

function printSummary(results: ScenarioResult[]): void {
  const rows = [
    ['scenario', 'title', 'result', 'records', 'p50 ms', 'p99 ms', 'records/s', 'duration s'],
    ...results.map((r) => [r.scenario, r.title, r.status, String(r.records), fmt(r.latencyP50Ms), fmt(r.latencyP99Ms), fmt(r.recordsPerSec), fmt(r.durationMs / 1000)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log('');
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
  for (const r of results) {
    const details = Object.entries(r.details).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`);
    if (details.length) console.log(`  ${r.scenario}: ${details.join(' ')}`);
    if (r.status === 'FAIL') {
      console.log(`  ${r.scenario} FAILED:`);
      for (const p of r.problems) console.log(`    - ${p}`);
      console.log(`    look at: ${r.logFiles.join(', ')}  (grep -i 'error\\|critical\\|warn' ${r.logFiles[0]})`);
    }
  }
  console.log('');
}

async function runScenarios(list: Scenario[], opts: Options): Promise<number> {
  const { ctx, teardown } = await clusters(opts);
  const results: ScenarioResult[] = [];
  try {
    for (const s of list) {
      say(`=== ${s.name}: ${s.title} ===`);
      const r = await s.run({ ...ctx, say: (l) => say(`${s.name}: ${l}`) });
      say(`${s.name}: ${r.status} in ${fmt(r.durationMs / 1000)} s`);
      results.push(r);
    }
    if (opts.keep) await keepDashboardEngine(ctx);
  } finally {
    await teardown();
  }
  printSummary(results);
  const file = join(LOGS_DIR, 'challenge-summary.json');
  writeFileSync(file, JSON.stringify({ finishedAt: new Date().toISOString(), primary: ctx.primary, standby: ctx.standby, results }, null, 2));
  say(`summary written to ${file}`);
  const failed = results.filter((r) => r.status === 'FAIL').length;
  say(failed === 0 ? `ALL ${results.length} SCENARIO(S) PASSED` : `${failed} of ${results.length} scenario(s) FAILED`);
  return failed === 0 ? 0 : 1;
}

/**
 * `--keep`: after the scenarios, one engine keeps mirroring `commit-log` with its dashboard on
 * http://127.0.0.1:8083 (or a free port when 8083 is taken), detached from this process; its pid goes to
 * logs/keep-engine.pid, which `npm run cleanup` stops. Waits (60 s deadline) for its `http_listening` line.
 */
async function keepDashboardEngine(ctx: ScenarioContext): Promise<void> {
  const config = join(LOGS_DIR, 'keep-mm2.properties');
  const logFile = join(LOGS_DIR, 'keep-engine.log');
  writeFileSync(config, [
    'clusters = primary, standby', `primary.bootstrap.servers = ${ctx.primary}`, `standby.bootstrap.servers = ${ctx.standby}`,
    'primary->standby.enabled = true', 'primary->standby.topics = commit-log', 'replication.factor = 1',
    'progress.topic.replication.factor = 1', 'offset-syncs.topic.replication.factor = 1', 'checkpoints.topic.replication.factor = 1',
    'heartbeats.topic.replication.factor = 1', '',
  ].join('\n'));
  const start = (listeners: string): number | undefined => {
    writeFileSync(logFile, '');
    const out = openSync(logFile, 'a');
    const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'kafka-mirror.js'), '--config', config, '--listeners', listeners],
      { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    return child.pid;
  };
  const listening = async (pid: number | undefined): Promise<string | undefined> => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      for (const raw of readFileSync(logFile, 'utf8').split('\n')) {
        if (raw.includes('"http_listening"')) return (JSON.parse(raw) as { url: string }).url;
        if (raw.includes('"kafka-mirror could not start')) return undefined;
      }
      if (pid === undefined || !existsSync(`/proc/${pid}`)) return undefined;
      await new Promise((r) => setTimeout(r, 200));
    }
    return undefined;
  };
  let pid = start('http://127.0.0.1:8083');
  let url = await listening(pid);
  if (url === undefined && readFileSync(logFile, 'utf8').includes('listeners')) {
    pid = start('http://127.0.0.1:0'); // 8083 in use: any free port
    url = await listening(pid);
  }
  if (url === undefined || pid === undefined) return say(`--keep: the dashboard engine did not start; see ${logFile}`);
  writeFileSync(join(LOGS_DIR, 'keep-engine.pid'), String(pid));
  say(`--keep: engine pid ${pid} keeps mirroring commit-log; dashboard ${url}/ (metrics ${url}/metrics); npm run cleanup stops it`);
}

async function status(opts: Options): Promise<number> {
  const targets = opts.primary
    ? [
        { alias: 'primary', bootstrap: opts.primary, local: undefined },
        { alias: 'standby', bootstrap: opts.standby ?? '', local: undefined },
      ]
    : Object.values(defaultClusters()).map((c) => ({ alias: c.alias, bootstrap: c.bootstrapServers, local: c }));
  for (const t of targets) {
    const up = t.local ? await t.local.isUp() : true;
    console.log(`${t.alias}: ${up ? 'UP' : 'DOWN'} ${t.bootstrap}${t.local ? ` pid=${t.local.runningPid() ?? '-'}` : ''}`);
    if (!up) continue;
    const admin = new KafkaAdmin({ 'bootstrap.servers': t.bootstrap }, { timeoutMs: 5000 });
    try {
      const topics = (await admin.listTopics()).filter((n) => !n.startsWith('__')).sort();
      const described = await admin.describeTopics(topics);
      const offsets = await admin.partitionOffsets([...described.values()].flatMap((d) => (d ? Array.from({ length: d.partitionCount }, (_, p) => ({ topic: d.name, partition: p })) : [])));
      for (const name of topics) {
        const d = described.get(name);
        const records = [...offsets.entries()].filter(([k]) => k.startsWith(`${name}-`) && /^\d+$/.test(k.slice(name.length + 1))).reduce((n, [, o]) => n + o.logEndOffset - o.logStartOffset, 0);
        console.log(`  ${name.padEnd(40)} partitions=${d?.partitionCount ?? '?'} records=${records} topicId=${d?.topicId ?? '?'}`);
      }
    } catch (err) {
      console.log(`  (cannot list topics: ${(err as Error).message})`);
    } finally {
      admin.close();
    }
  }
  const engines = engineProcesses();
  console.log(engines.length ? `engine: RUNNING (pids ${engines.join(', ')})` : 'engine: not running');
  return 0;
}

/** Pids of running kafka-mirror engines started from this checkout. */
function engineProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(join(process.cwd(), 'bin', 'kafka-mirror.js'))) pids.push(Number(entry));
    } catch {
      /* process ended */
    }
  }
  return pids;
}

function logs(): number {
  if (!existsSync(LOGS_DIR)) return (console.log('no logs yet (run npm run challenge first)'), 0);
  const files = readdirSync(LOGS_DIR)
    .filter((f) => f.endsWith('-engine.log'))
    .map((f) => join(LOGS_DIR, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!files[0]) return (console.log('no engine logs yet (run npm run challenge first)'), 0);
  console.log(`==> ${files[0]} (last 40 lines; all engine logs: ${files.join(', ')})`);
  for (const raw of readFileSync(files[0], 'utf8').trim().split('\n').slice(-40)) {
    try {
      const l = JSON.parse(raw) as { time: string; level: string; msg: string };
      console.log(`${l.time} ${l.level.toUpperCase().padEnd(8)} ${l.msg}`);
    } catch {
      console.log(raw);
    }
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('challenge')
    .description('Run the kafka-mirror-engine scenarios against two Kafka clusters')
    .argument('[command]', `${Object.keys(SCENARIOS).join('|')}|all|status|logs`, 'all')
    .option('--primary <host:port>', 'external primary cluster (default: local cluster on 127.0.0.1:9092)')
    .option('--standby <host:port>', 'external standby cluster (default: local cluster on 127.0.0.1:9093)')
    .option('--keep', 'leave the local clusters running afterwards, and one engine mirroring commit-log with its dashboard on http://127.0.0.1:8083')
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  const command = program.args[0] ?? 'all';
  const opts = program.opts<Options>();
  if (command === 'status') return status(opts);
  if (command === 'logs') return logs();
  if (command === 'all') return runScenarios(Object.values(SCENARIOS), opts);
  const scenario = SCENARIOS[command];
  if (!scenario) {
    console.error(`challenge: unknown command '${command}' (expected ${Object.keys(SCENARIOS).join(', ')}, all, status or logs)`);
    return 2;
  }
  return runScenarios([scenario], opts);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`challenge: ${(err as Error).message}`);
    process.exit(err instanceof CommanderError ? 2 : 1);
  },
);
