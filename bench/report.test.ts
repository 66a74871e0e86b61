import { describe, expect, it } from 'vitest';
import { fakeResults, fakeRun } from './bench-fixtures.ts';
import { fmt, summarise, toMarkdown } from './report.ts';

const confirmed = (asked: 'records' | 'batches') => ({ dataPath: { asked, check: { confirmed: true, reason: '' } } });

describe('toMarkdown', () => {
  it('prints one table per source codec with the share of the corrected limit and the targets beside MM2', () => {
    const md = toMarkdown(fakeResults([fakeRun(), fakeRun({ mirror: 'ours', ...confirmed('records') }), fakeRun({ mirror: 'batches', recordsPerSec: 200_000, ...confirmed('batches') })]));
    expect(md).toContain('## Source topic compression: none');
    expect(md).toContain('| measure | MM2 | ours, records | ours, batches | ours, records ÷ MM2 | ours, batches ÷ MM2 |');
    expect(md).toContain('| throughput, records/s (copy phase) | 100,000 | 100,000 | 200,000 | 1.00 | 2.00 |');
    expect(md).toContain('| **share of the corrected limit** | 50 % | 50 % | 100 % |  |  |');
    expect(md).toContain('**Corrected limit** (none): **200,000 records/s** = 2 cores');
    expect(md).toContain('| throughput ÷ MM2 | ≥ 1.5 | 1.00 | not met | 2.00 | met |');
    expect(md).toContain('Source topic `bench-source-none` as pre-filled (ProducerPerformance): 1,000 batches, 1,000 records');
    expect(md).not.toContain('Old "limit"');
  });

  it('marks the batch column "n/a" and says why when the batch path is not available', () => {
    const unconfirmed = fakeRun({ mirror: 'batches', dataPath: { asked: 'batches', check: { confirmed: false, reason: 'the engine ignored the key' } } });
    const md = toMarkdown(fakeResults([fakeRun(), fakeRun({ mirror: 'ours', ...confirmed('records') }), unconfirmed], { available: false, reason: 'the engine ignored the key' }));
    expect(md).toContain('Batch path (`data.path = batches`): **not available** — the engine ignored the key.');
    expect(md).toContain('| throughput, records/s (copy phase) | 100,000 | 100,000 | n/a | 1.00 | n/a |');
    expect(md).toContain('| throughput ÷ MM2 | ≥ 1.5 | 1.00 | not met | n/a | n/a |');
    expect(md).toContain('NOT COUNTED: the engine ignored the key');
  });

  it('keeps the old tool limit only as labelled information', () => {
    const results = fakeResults([fakeRun()]);
    results.limits.push({ round: 1, producer: { records: 1, recordsPerSec: 150_000, mbPerSec: 1, avgLatencyMs: 1, maxLatencyMs: 1 }, consumer: { records: 1, mb: 1, fetchRecordsPerSec: 600_000, fetchMbPerSec: 1, fetchTimeMs: 1 }, recordsPerSec: 150_000, mbPerSec: 153.6 });
    expect(toMarkdown(results)).toContain('Old "limit", information only');
  });
});

describe('summarise and fmt', () => {
  it('summarises every codec that was pre-filled or ran', () => {
    expect(summarise(fakeResults([fakeRun({ sourceCompression: 'lz4' })])).map((s) => s.codec)).toEqual(['none', 'lz4']);
  });

  it('formats with grouped thousands and a dash for missing values', () => {
    expect(fmt(1234.5, 1)).toBe('1,234.5');
    expect(fmt(undefined, 0)).toBe('–');
    expect(fmt(Number.NaN, 0)).toBe('–');
  });
});
