import { describe, expect, it } from 'vitest';
import { capturingLogger, testProperties } from './engine-harness.ts';
import type { EngineLogLine } from './engine-log.ts';
import { lineTimeMs, parseLogLines } from './engine-log.ts';

describe('capturingLogger (the in-process harness logger)', () => {
  it("is the engine's createLogger: level labels, the critical level, ISO time, and secrets redacted before they reach the captured lines", () => {
    const lines: EngineLogLine[] = [];
    const log = capturingLogger(lines);
    const before = Date.now();
    log.child({ component: 'test' }).info(
      { clusters: { primary: { 'sasl.password': 'hunter2', 'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required password="hunter2";' } } },
      'starting',
    );
    log.critical({ event: 'log_truncation_detected', gap: 5 }, 'CRITICAL: Log truncation detected');
    log.trace('below the debug level: dropped');

    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'starting'],
      ['critical', 'CRITICAL: Log truncation detected'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
    expect(lines[0]).toMatchObject({ component: 'test', clusters: { primary: { 'sasl.password': '[REDACTED]', 'sasl.jaas.config': '[REDACTED]' } } });
    expect(lines[1]).toMatchObject({ event: 'log_truncation_detected', gap: 5 });
    expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(lineTimeMs(lines[0]!)).toBeGreaterThanOrEqual(before - 1);
  });
});

describe('engine log lines', () => {
  it('parses JSON lines, skipping blank and partial ones', () => {
    const text = '{"level":"info","time":"2026-11-30T00:00:00.000Z","msg":"a"}\n\n{"level":"warn","time":"2026-11-30T00:00:01.000Z","msg":"b","pid":7}\n{"level":"inf';
    expect(parseLogLines(text).map((l) => [l.level, l.msg, l.pid])).toEqual([
      ['info', 'a', undefined],
      ['warn', 'b', 7],
    ]);
    expect(lineTimeMs({ time: '2026-11-30T00:00:01.000Z' })).toBe(Date.parse('2026-11-30T00:00:01.000Z'));
    expect(lineTimeMs({ time: 1_700_000_000_000 })).toBe(1_700_000_000_000);
  });

  it('testProperties: a primary->standby flow limited to the regex, with extra keys last', () => {
    const props = testProperties('^t-.*', { 'tasks.max': 2 });
    expect(props).toContain('primary->standby.topics = ^t-.*');
    expect(props.split('\n').at(-1)).toBe('tasks.max = 2');
  });
});
