import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../core/logger.ts';
import { EventJournal, MAX_EVENTS } from './event-journal.ts';

describe('EventJournal', () => {
  it('journals the engine\'s event log lines through the logger hook, with their evidence, and passes every line through', () => {
    const journal = new EventJournal();
    const written: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (written.push(chunk.toString()), cb()) });
    const log = createLogger({ destination: sink, level: 'info', streamWrite: journal.tap }).child({ component: 'mirror-task', flow: 'primary->standby' });
    log.critical(
      { event: 'log_truncation_detected', topic: 'commit-log', partition: 0, expectedOffset: 100, logStartOffset: 600, gap: 500, policy: 'fail' },
      'CRITICAL: Log truncation detected for commit-log-0. Expected offset 100, but got 600. Gap of 500 messages detected',
    );
    log.warn({ event: 'topic_reset_detected', topic: 'commit-log', partition: 0, oldTopicId: 'A', newTopicId: 'B', lastMirroredOffset: 9 }, 'Topic reset detected');
    log.info({ event: 'replication_summary', records: 5 }, 'Replication summary (periodic)');
    log.info('no event here');
    expect(written).toHaveLength(4);
    const { events, totals } = journal.snapshot();
    expect(events.map((e) => [e.event, e.kind, e.severity, e.flow, e.topic, e.partition])).toEqual([
      ['log_truncation_detected', 'truncation', 'critical', 'primary->standby', 'commit-log', 0],
      ['topic_reset_detected', 'reset', 'warn', 'primary->standby', 'commit-log', 0],
    ]);
    expect(events[0]!.evidence).toEqual({ expectedOffset: 100, logStartOffset: 600, gap: 500, policy: 'fail' });
    expect(events[0]!.message).toContain('Gap of 500 messages');
    expect(totals).toEqual([{ flow: 'primary->standby', topic: 'commit-log', partition: 0, truncations: 1, lostRecords: 500, topicResets: 1, divergences: 0 }]);
  });

  it('keeps the last MAX_EVENTS events but totals over all of them', () => {
    const journal = new EventJournal();
    for (let i = 0; i < MAX_EVENTS + 5; i++) journal.add({ event: 'log_truncation_detected', time: new Date(i).toISOString(), topic: 't', partition: 1, gap: 2, msg: `#${i}` });
    const { events, totals } = journal.snapshot();
    expect(events).toHaveLength(MAX_EVENTS);
    expect(events[0]!.message).toBe('#5');
    expect(totals[0]).toMatchObject({ truncations: MAX_EVENTS + 5, lostRecords: 2 * (MAX_EVENTS + 5) });
  });
});
