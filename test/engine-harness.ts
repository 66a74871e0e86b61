/**
 * Runs the mirror engine in-process against the local clusters for integration tests, with its
 * JSON log lines captured for assertions. Each harness mirrors only the topics matching its own
 * regex, so tests never see each other's topics.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseMirrorConfig } from '../engine/config/config.ts';
import { MirrorEngine } from '../engine/runtime/mirror-engine.ts';
import type { Logger } from '../engine/core/logger.ts';
import { PRIMARY, STANDBY, waitFor } from './helpers.ts';

/** One captured log line (pino JSON). */
export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** An in-process engine and its captured log. */
export interface EngineHarness {
  engine: MirrorEngine;
  logs: LogLine[];
  /** Waits until a log line satisfies `predicate`; returns it. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Stops the engine (idempotent). */
  stop(): Promise<void>;
}

/** mm2.properties text for a primary->standby flow limited to `topicsRegex`, plus `extra` lines. */
export function testProperties(topicsRegex: string, extra: Record<string, string | number> = {}): string {
  const props: Record<string, string | number> = {
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
    ...extra,
  };
  return Object.entries(props)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
}

/** Creates a logger whose JSON lines land in `lines`. */
export function capturingLogger(lines: LogLine[]): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      cb();
    },
  });
  return pino(
    { level: 'debug', customLevels: { critical: 55 }, formatters: { level: (label) => ({ level: label }) } },
    stream,
  ) as unknown as Logger;
}

/** Starts an engine mirroring `topicsRegex` (source `primary` → target `standby`). */
export async function startEngine(topicsRegex: string, extra: Record<string, string | number> = {}): Promise<EngineHarness> {
  const { config } = parseMirrorConfig(testProperties(topicsRegex, extra));
  const logs: LogLine[] = [];
  const engine = new MirrorEngine({ config, logger: capturingLogger(logs), summaryIntervalMs: 0 });
  await engine.start();
  let stopped: Promise<void> | undefined;
  return {
    engine,
    logs,
    waitForLog: (predicate, timeoutMs = 30_000) =>
      waitFor(() => logs.find(predicate), { timeoutMs, message: 'a matching engine log line' }),
    stop: () => (stopped ??= engine.stop()),
  };
}
