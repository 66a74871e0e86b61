/**
 * SIGTERM to the process an operator started — `npm run mirror -- …`, `node bin/kafka-mirror.js …`, or
 * npm with a /bin/sh in between (what `npx kafka-mirror` does) — must stop the engine itself: the engine
 * process (pid from its own log lines) is gone afterwards, and it logged the clean stop ("Received SIGTERM;
 * flushing and stopping", then "kafka-mirror stopped", nothing at error level). The engine runs against the
 * local clusters and is waited for until its mirror task started, so the stop path is the running one.
 * Before issue 12 the npm scripts ran `tsx engine/cli/cli.ts` (npm → sh → tsx → node): npm exited on
 * SIGTERM and the engine kept running. The producer and consumer scripts are checked the same way (no
 * process naming the run's topic is left).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testProperties } from '../testkit/engine-harness.ts';
import { PRIMARY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'kme-signals-'));
const started: ChildProcess[] = [];
const topics: string[] = [];

type LogLine = { pid: number; level: string; msg: string };

/** The environment without npm's markers, so a bin started directly behaves as outside npm (whatever ran vitest). */
function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PWD: ROOT }; // .npmrc reads ${PWD}
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
  return env;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv = plainEnv()): { child: ChildProcess; output: () => string; exited: Promise<number> } {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number>((r) => child.once('exit', (code, signal) => r(code ?? (signal === 'SIGTERM' ? 143 : 128))));
  return { child, output: () => output, exited };
}

function logLines(file: string): LogLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as LogLine];
    } catch {
      return [];
    }
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of live processes whose command line contains `text` (read from /proc). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text) ? [Number(d)] : [];
    } catch {
      return [];
    }
  });
}

/** Writes a config mirroring only this test's (absent) topics and returns config and log paths. */
function engineFiles(name: string): { config: string; log: string } {
  const config = join(dir, `${name}.properties`);
  writeFileSync(config, testProperties(`${uniqueTopic('sig')}.*`));
  return { config, log: join(dir, `${name}.log`) };
}

/** Waits for the engine's mirror task to start; returns the engine's pid (pino writes it on every line). */
async function enginePid(log: string): Promise<number> {
  const line = await waitFor(() => logLines(log).find((l) => /^Mirror task .* started$/.test(l.msg)), { timeoutMs: 60_000, message: `mirror task started in ${log}` });
  return line.pid;
}

/** The engine `pid` is gone (within a deadline) and logged a clean stop after SIGTERM. */
async function expectCleanStop(pid: number, log: string): Promise<void> {
  await waitFor(() => !alive(pid), { timeoutMs: 30_000, message: `engine pid ${pid} to exit` });
  const lines = logLines(log).filter((l) => l.pid === pid);
  expect(lines.map((l) => l.msg)).toContain('Received SIGTERM; flushing and stopping');
  expect(lines.at(-1)?.msg).toBe('kafka-mirror stopped');
  expect(lines.filter((l) => ['error', 'fatal', 'critical'].includes(l.level))).toEqual([]);
}

afterEach(() => {
  // Never leave a process behind, even when an assertion failed: what this file spawned, and their orphans
  // (found by this file's unique temp folder and topic names in their command lines), each by pid.
  for (const child of started.splice(0)) if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
  for (const pid of [dir, ...topics].flatMap(processesMentioning)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const admin = kafkajsClient(PRIMARY).admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

describe('SIGTERM to the started process stops the engine', () => {
  it('npm run mirror -- --config …: npm passes it on, the engine stops cleanly, npm exits 0', async () => {
    const { config, log } = engineFiles('npm-run');
    const npm = start('npm', ['run', '--silent', 'mirror', '--', '--config', config, '--log-file', log]);
    const pid = await enginePid(log);
    expect(pid).not.toBe(npm.child.pid); // npm is a separate process: the signal must cross it
    npm.child.kill('SIGTERM');
    expect(await npm.exited).toBe(0);
    await expectCleanStop(pid, log);
  });

  it('node bin/kafka-mirror.js: one process, stops cleanly and exits 0', async () => {
    const { config, log } = engineFiles('bin');
    const bin = start(process.execPath, [join(ROOT, 'bin', 'kafka-mirror.js'), '--config', config, '--log-file', log]);
    const pid = await enginePid(log);
    expect(pid).toBe(bin.child.pid); // the bin runs the CLI in-process: no wrapper to forward through
    bin.child.kill('SIGTERM');
    expect(await bin.exited).toBe(0);
    await expectCleanStop(pid, log);
  });

  it('started by npm behind /bin/sh (as npx runs a bin): the shell dies on SIGTERM, the engine still stops cleanly', async () => {
    const { config, log } = engineFiles('npx-shape');
    // npm_command is what npm sets for every script and npx; sh -c is how it runs them (the shell does not exec).
    const sh = start('/bin/sh', ['-c', `"${process.execPath}" bin/kafka-mirror.js --config "${config}" --log-file "${log}"; true`], { ...plainEnv(), npm_command: 'exec' });
    const pid = await enginePid(log);
    expect(pid).not.toBe(sh.child.pid);
    sh.child.kill('SIGTERM');
    expect(await sh.exited).toBe(143); // the shell died of the signal without passing it on
    await expectCleanStop(pid, log);
  });
});

describe('SIGTERM to npm run produce / consume leaves no process behind', () => {
  it.each([
    ['produce', (topic: string) => ['--broker', PRIMARY, '--topic', topic, '--count', '1000000', '--rate', '100'], /producing 1000000 records/],
    ['consume', (topic: string) => ['--broker', PRIMARY, '--topic', topic, '--group', `${topic}-g`], /consuming /],
  ])('npm run %s', async (script, args, ready) => {
    const topic = uniqueTopic(`sig-${script}`);
    topics.push(topic);
    const admin = kafkajsClient(PRIMARY).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const npm = start('npm', ['run', '--silent', script, '--', ...args(topic)]);
    await waitFor(() => ready.test(npm.output()), { timeoutMs: 60_000, message: `${script} to start (output: ${npm.output()})` });
    expect(processesMentioning(topic).filter((p) => p !== npm.child.pid).length).toBeGreaterThan(0); // the CLI process itself
    npm.child.kill('SIGTERM');
    await npm.exited;
    await waitFor(() => processesMentioning(topic).length === 0, { timeoutMs: 30_000, message: `no process naming ${topic} (left: ${processesMentioning(topic).join(', ')})` });
  });
});
