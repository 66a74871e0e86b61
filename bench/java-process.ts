/**
 * Child processes of the benchmark (the Kafka tools, MirrorMaker 2, our engine), each started under
 * `setpriv --pdeathsig SIGTERM` so it stops when the benchmark dies, even on `kill -9` — no orphan
 * JVMs or engines. `setpriv` execs its command, so the child's pid is the measured process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { kafkaClasspath } from '../local-kafka/jars.ts';

/**
 * JVM flags of Kafka's `kafka-run-class.sh` (KAFKA_JVM_PERFORMANCE_OPTS), so the tools and MM2 run
 * the way the release scripts run them.
 */
export const KAFKA_JVM_PERFORMANCE_OPTS = [
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-Djava.awt.headless=true',
];

/** A started child: its process and a promise of its exit code (128 + n for signal n). */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<number>;
  /** stdout + stderr collected so far when `capture` was asked for. */
  output(): string;
}

/**
 * Starts `command args` under setpriv. Output goes to `logFile` (appended) or, with `capture`, is
 * collected in memory. Throws when the process cannot be started.
 */
export function startChild(command: string, args: readonly string[], options: { logFile?: string; capture?: boolean; env?: NodeJS.ProcessEnv } = {}): Child {
  const fd = options.logFile ? openSync(options.logFile, 'a') : undefined;
  const stdio = options.capture ? (['ignore', 'pipe', 'pipe'] as const) : (['ignore', fd ?? 'ignore', fd ?? 'ignore'] as const);
  const child = spawn('setpriv', ['--pdeathsig', 'SIGTERM', command, ...args], { stdio: [...stdio], env: options.env ?? process.env });
  if (fd !== undefined) closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString('utf8')));
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + signalNumber(signal) : 1)));
    child.once('error', () => resolve(127));
  });
  return { process: child, pid: child.pid, exited, output: () => text };
}

/** Starts a Java main class from the local-kafka jars with `heap` (-Xmx) and the Kafka JVM flags. */
export function startJava(mainClass: string, args: readonly string[], options: { heap: string; minHeap?: string; jvmArgs?: readonly string[]; logFile?: string; capture?: boolean }): Child {
  const jvm = [
    ...(options.minHeap ? [`-Xms${options.minHeap}`] : []),
    `-Xmx${options.heap}`,
    ...KAFKA_JVM_PERFORMANCE_OPTS,
    ...(options.jvmArgs ?? []),
    '-cp',
    kafkaClasspath(),
  ];
  return startChild('java', [...jvm, mainClass, ...args], options);
}

/** Runs a Java main class to completion and returns its exit code and output; rejects after `timeoutMs`. */
export async function runJava(mainClass: string, args: readonly string[], options: { heap: string; timeoutMs: number }): Promise<{ code: number; output: string }> {
  const child = startJava(mainClass, args, { heap: options.heap, capture: true });
  const code = await withTimeout(child.exited, options.timeoutMs, () => {
    child.process.kill('SIGKILL');
    return `${mainClass} did not finish within ${options.timeoutMs} ms; output:\n${child.output().slice(-2000)}`;
  });
  return { code, output: child.output() };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export async function stopChild(child: Child, graceMs: number): Promise<{ code: number; killed: boolean }> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return { code: await child.exited, killed: false };
  child.process.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
  const first = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  if (first !== 'timeout') return { code: first, killed: false };
  child.process.kill('SIGKILL');
  return { code: await child.exited, killed: true };
}

/** `promise`, or a rejection with `message()` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0;
}
