/**
 * The mirror engine in-process against the test clusters ({@link PRIMARY} → {@link STANDBY}), for
 * integration tests and measurement scripts, with its JSON log lines captured for assertions. Each
 * harness mirrors only the topics matching its own regex, so tests never see each other's topics.
 * The logger is the engine's own `createLogger` writing into memory: same levels, `critical`, ISO
 * `time` and secret redaction as in production.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { MirrorEngine, createLogger, parseMirrorConfig, type Logger } from '../engine/index.ts';
import type { EngineLogLine } from './engine-log.ts';
import { parseLogLines } from './engine-log.ts';
import { PRIMARY, STANDBY } from './test-clusters.ts';
import { waitFor } from './wait-for.ts';
import { dataPathProperties } from './data-path.ts';

/** An in-process engine and its captured log. */
export interface EngineHarness {
  engine: MirrorEngine;
  /** Every log line so far, in emission order (appended while the engine runs). */
  logs: EngineLogLine[];
  /** Waits until a log line satisfies `predicate` (default deadline 30 000 ms); resolves with it. */
  waitForLog(predicate: (line: EngineLogLine) => boolean, timeoutMs?: number): Promise<EngineLogLine>;
  /** Stops the engine (idempotent). */
  stop(): Promise<void>;
}

/**
 * mm2.properties text for a `primary->standby` flow limited to `topicsRegex` (replication factors 1, topics
 * refreshed every second), plus `extra` keys. The flow's group id prefix derives from `topicsRegex`: engines
 * of one test (same regex) form one group, engines of different tests never share a group.
 */
export function testProperties(topicsRegex: string, extra: Record<string, string | number> = {}): string {
  const props: Record<string, string | number> = {
    'group.id': `kme-test-${createHash('sha256').update(topicsRegex).digest('hex').slice(0, 12)}`,
    clusters: 'primary, standby',
    'primary.bootstrap.servers': PRIMARY,
    'standby.bootstrap.servers': STANDBY,
    'primary->standby.enabled': 'true',
    'primary->standby.topics': topicsRegex,
    'replication.factor': 1,
    'progress.topic.replication.factor': 1,
    'offset-syncs.topic.replication.factor': 1,
    'checkpoints.topic.replication.factor': 1,
    'heartbeats.topic.replication.factor': 1,
    'refresh.topics.interval.seconds': 1,
    ...dataPathProperties(),
    ...extra,
  };
  return Object.entries(props)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
}

/**
 * A logger built with the engine's `createLogger` (level `debug` unless given) whose lines are parsed
 * into `lines` as they are written. Redaction applies: secrets never reach `lines`.
 */
export function capturingLogger(lines: EngineLogLine[], level = 'debug'): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...parseLogLines(chunk.toString('utf8')));
      done();
    },
  });
  return createLogger({ destination: stream, level });
}

/** Starts an engine mirroring `topicsRegex` (source `primary` → target `standby`) with {@link testProperties}; resolves once it started. */
export async function startEngine(topicsRegex: string, extra: Record<string, string | number> = {}): Promise<EngineHarness> {
  const { config } = parseMirrorConfig(testProperties(topicsRegex, extra));
  const logs: EngineLogLine[] = [];
  const engine = new MirrorEngine({ config, logger: capturingLogger(logs), summaryIntervalMs: 0 });
  await engine.start();
  let stopped: Promise<void> | undefined;
  return {
    engine,
    logs,
    waitForLog: (predicate, timeoutMs = 30_000) => waitFor(() => logs.find(predicate), { timeoutMs, message: 'a matching engine log line' }),
    stop: () => (stopped ??= engine.stop()),
  };
}
