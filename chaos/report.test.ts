import { describe, expect, it } from 'vitest';
import { auditTopic } from '../testkit/delivery-audit.ts';
import { chaosProperties, type ChaosResult } from './chaos-run.ts';
import { EXACTLY_ONCE_KEY, engineAcceptsKey } from './engine-capabilities.ts';
import { fullReport, runProblems, summaryTable } from './report.ts';

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));

function result(over: Partial<ChaosResult> = {}, remote = [...ids(0, 100), ...ids(80, 100)]): ChaosResult {
  return {
    mode: 'at-least-once', topic: 't', instances: 1, membership: false, recordsPerSec: 100, durationMs: 1000,
    produced: { sent: 100, acked: 100, failed: 0, exitCode: 143, avgRecordsPerSec: 100 }, producedForMs: 1000,
    sourceLost: 0, audit: auditTopic(new Map([[0, ids(0, 100)]]), new Map([[0, remote]])), faults: [], catchUpMs: 10, engineProblems: [], failedStarts: [], logFiles: ['x.log'],
    ...over,
  };
}

describe('runProblems', () => {
  it('at-least-once: duplicates are allowed, within --max-recopy when given', () => {
    expect(runProblems(result())).toEqual([]);
    expect(runProblems(result(), 19)).toEqual(['partition 0: a restart re-copied 20 records (bound 19)']);
  });

  it('exactly-once: any duplicate fails, whatever the bound', () => {
    expect(runProblems(result({ mode: 'exactly-once' }), 1000)).toEqual(['partition 0: 20 duplicates under exactly-once']);
  });

  it('a producer that fell short, broker-side loss, lost records and engine problems all fail the run', () => {
    const r = result({ produced: { sent: 100, acked: 90, failed: 10, exitCode: 143, avgRecordsPerSec: 90, firstError: 'timeout' }, sourceLost: 2, engineProblems: ['instance 1 exited 3 on its own'] }, ids(0, 99));
    expect(runProblems(r)).toEqual([
      'VerifiableProducer exited 143 (143 expected: stopped by the harness) with 90 of 100 records acknowledged (10 failed: timeout)',
      '2 records acknowledged to the producer are missing from the source topic (broker-side loss)',
      'partition 0: 1 of 100 source records lost (e.g. 99)',
      'instance 1 exited 3 on its own',
    ]);
  });
});

describe('tables', () => {
  it('one summary row per mode run and per skipped mode; the report carries the per-partition table and the problems', () => {
    const table = summaryTable([result()], [{ mode: 'exactly-once', reason: 'not accepted' }]);
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toMatch(/\| at-least-once +\| 1 +\| 0 +\| 100 +\| 100 +\| 120 +\| 0 +\| 20 +\| 20\.00 /);
    expect(table).toContain('skipped: not accepted');
    const report = fullReport({ title: 'Chaos run', settings: { seed: 15 }, results: [result({}, ids(0, 99))], skipped: [] });
    expect(report).toContain('- seed: 15');
    expect(report).toContain('## at-least-once: per partition');
    expect(report).toContain('- partition 0: 1 of 100 source records lost (e.g. 99)');
    // A start that ended early (the engine's bounded start-up wait) is reported, and is no problem by itself.
    const restarted = result({ failedStarts: ['instance 1 (run 2) did not start: cluster primary has not answered'] });
    expect(runProblems(restarted)).toEqual([]);
    expect(fullReport({ title: 't', settings: {}, results: [restarted], skipped: [] })).toContain('- instance 1 (run 2) did not start: cluster primary has not answered');
  });
});

describe('chaosProperties and the capability probe', () => {
  it('adds the membership key (a group per run) and the exactly-once key only when asked, and what the engine parses', () => {
    const base = { primary: 'p:1', standby: 's:2', topic: 'chaos-alo', engineProps: ['progress.flush.max.records = 10'], membershipKey: 'group.id' };
    const plain = chaosProperties({ ...base, mode: 'at-least-once', membership: false }, 'g1');
    expect(plain).toContain('primary->standby.topics = chaos-alo');
    expect(plain).toContain('progress.flush.max.records = 10');
    expect(plain).not.toContain('group.id');
    expect(plain).not.toContain(EXACTLY_ONCE_KEY);
    const both = chaosProperties({ ...base, mode: 'exactly-once', membership: true }, 'g1');
    expect(both).toContain('group.id = g1');
    expect(both).toContain(`${EXACTLY_ONCE_KEY} = enabled`);
  });

  it('engineAcceptsKey: a known key with a valid value yes; a bad value or an unknown key no', () => {
    expect(engineAcceptsKey('progress.flush.max.records', '1000')).toBe(true);
    expect(engineAcceptsKey('progress.flush.max.records', '-1')).toBe(false);
    expect(engineAcceptsKey('no.such.key', 'x')).toBe(false);
  });
});
