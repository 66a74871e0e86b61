import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectTruncation, isDueForCheck } from './truncation-detector.ts';

describe('detectTruncation', () => {
  it('reports the exact gap when the expected offset is below the log start offset', () => {
    expect(detectTruncation(100, { logStartOffset: 250, logEndOffset: 400 })).toEqual({ expectedOffset: 100, logStartOffset: 250, gap: 150 });
    expect(detectTruncation(0, { logStartOffset: 1, logEndOffset: 1 })).toEqual({ expectedOffset: 0, logStartOffset: 1, gap: 1 });
  });

  it('never reports when the expected offset is at or above the log start offset', () => {
    expect(detectTruncation(250, { logStartOffset: 250, logEndOffset: 400 })).toBeUndefined();
    expect(detectTruncation(400, { logStartOffset: 250, logEndOffset: 400 })).toBeUndefined();
    expect(detectTruncation(0, { logStartOffset: 0, logEndOffset: 0 })).toBeUndefined();
  });

  it('flags iff expected < log start, with gap = log start - expected (property, seed 42)', () => {
    fc.assert(
      fc.property(fc.nat(1e12), fc.nat(1e12), fc.nat(1e6), (expected, logStart, extra) => {
        const finding = detectTruncation(expected, { logStartOffset: logStart, logEndOffset: Math.max(expected, logStart) + extra });
        if (expected < logStart) expect(finding).toEqual({ expectedOffset: expected, logStartOffset: logStart, gap: logStart - expected });
        else expect(finding).toBeUndefined();
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('never treats an offset gap above the expected offset as truncation, however large (property, seed 42)', () => {
    fc.assert(
      fc.property(fc.nat(1e9), fc.nat(1e9), fc.nat(1e9), (logStart, aboveStart, gapAbove) => {
        const expected = logStart + aboveStart;
        expect(detectTruncation(expected, { logStartOffset: logStart, logEndOffset: expected + gapAbove })).toBeUndefined();
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  /**
   * Model of one source partition and the engine's position in it. The log has a log start offset,
   * a log end offset and the set of offsets that still hold a fetchable record: compaction removes
   * records without moving the log start, transaction markers and aborted batches occupy offsets that
   * never hold a fetchable record, retention / DeleteRecords move the log start. The engine fetches
   * present records at or above its expected offset (expected = last fetched + 1), asks the detector
   * before every fetch and, as under `truncation.policy=continue`, records the reported gap and resumes
   * at the log start.
   */
  type Op =
    | { kind: 'produce'; count: number }
    | { kind: 'marker' }
    | { kind: 'aborted'; count: number }
    | { kind: 'compact'; picks: number[] }
    | { kind: 'retention'; by: number }
    | { kind: 'deleteRecords'; fraction: number }
    | { kind: 'fetch'; max: number };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 1, max: 20 }).map((count): Op => ({ kind: 'produce', count })) },
    { weight: 1, arbitrary: fc.constant<Op>({ kind: 'marker' }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }).map((count): Op => ({ kind: 'aborted', count })) },
    { weight: 2, arbitrary: fc.array(fc.nat(1000), { minLength: 1, maxLength: 10 }).map((picks): Op => ({ kind: 'compact', picks })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 15 }).map((by): Op => ({ kind: 'retention', by })) },
    { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((fraction): Op => ({ kind: 'deleteRecords', fraction })) },
    { weight: 5, arbitrary: fc.integer({ min: 1, max: 25 }).map((max): Op => ({ kind: 'fetch', max })) },
  );

  it('over arbitrary fetches, offset gaps, compactions and log-start moves: flags iff expected < log start, and nothing is lost silently (property, seed 42)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        let logStart = 0;
        let logEnd = 0;
        const present = new Set<number>(); // offsets holding a fetchable record
        const everWritten = new Set<number>(); // offsets that ever held a data record
        const compacted = new Set<number>(); // data records removed by compaction (legitimately absent)
        const mirrored = new Set<number>();
        const reported: [number, number][] = []; // [from, to) ranges reported as truncation
        let expected = 0;

        const check = () => {
          const finding = detectTruncation(expected, { logStartOffset: logStart, logEndOffset: logEnd });
          // Oracle: an offset the engine has not passed yet is gone from the log.
          const unmirroredDeleted = expected < logStart;
          if (unmirroredDeleted) {
            expect(finding).toEqual({ expectedOffset: expected, logStartOffset: logStart, gap: logStart - expected });
            reported.push([expected, logStart]);
            expected = logStart; // truncation.policy=continue
          } else {
            expect(finding).toBeUndefined();
          }
        };

        for (const op of ops) {
          switch (op.kind) {
            case 'produce':
              for (let i = 0; i < op.count; i++) {
                present.add(logEnd);
                everWritten.add(logEnd);
                logEnd++;
              }
              break;
            case 'marker':
              logEnd++;
              break;
            case 'aborted':
              logEnd += op.count + 1; // aborted records and their abort marker: never fetched under read_committed
              break;
            case 'compact': {
              // The cleaner never touches the active segment: keep the last record.
              const candidates = [...present].filter((o) => o < logEnd - 1).sort((a, b) => a - b);
              for (const p of op.picks) {
                if (candidates.length === 0) break;
                const o = candidates[p % candidates.length]!;
                present.delete(o);
                compacted.add(o);
              }
              break;
            }
            case 'retention':
            case 'deleteRecords': {
              const target = op.kind === 'retention' ? logStart + op.by : logStart + Math.floor(op.fraction * (logEnd - logStart));
              logStart = Math.min(logEnd, Math.max(logStart, target));
              for (const o of present) if (o < logStart) present.delete(o);
              break;
            }
            case 'fetch': {
              check();
              const batch = [...present].filter((o) => o >= expected).sort((a, b) => a - b).slice(0, op.max);
              for (const o of batch) {
                mirrored.add(o);
                expected = o + 1;
              }
              break;
            }
          }
          // The detector's verdict holds between fetches too (the stall check runs at any time).
          const finding = detectTruncation(expected, { logStartOffset: logStart, logEndOffset: logEnd });
          expect(finding !== undefined).toBe(expected < logStart);
        }
        check();

        // No silent loss: every record ever written is mirrored, compacted away, inside a reported
        // range, or not reached yet; and nothing reported was mirrored.
        const inReported = (o: number) => reported.some(([from, to]) => o >= from && o < to);
        for (const o of everWritten) {
          expect(mirrored.has(o) || compacted.has(o) || inReported(o) || o >= expected).toBe(true);
          expect(mirrored.has(o) && inReported(o)).toBe(false);
        }
        // Reported ranges are disjoint and ascending.
        for (let i = 1; i < reported.length; i++) expect(reported[i]![0]).toBeGreaterThanOrEqual(reported[i - 1]![1]);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('isDueForCheck', () => {
  it('is due only after a full interval without progress and without a check', () => {
    expect(isDueForCheck(1000, 0, 0, 500)).toBe(true);
    expect(isDueForCheck(1000, 600, 0, 500)).toBe(false); // progress within the interval
    expect(isDueForCheck(1000, 0, 700, 500)).toBe(false); // checked within the interval
    expect(isDueForCheck(1000, 500, 500, 500)).toBe(true); // boundary: exactly one interval
  });

  it('costs an idle partition at most one check per interval (property, seed 42)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.array(fc.integer({ min: 1, max: 2_000 }), { maxLength: 100 }), (intervalMs, steps) => {
        let now = 0;
        let lastCheck = 0;
        const checks: number[] = [];
        for (const step of steps) {
          now += step;
          if (isDueForCheck(now, 0, lastCheck, intervalMs)) {
            checks.push(now);
            lastCheck = now;
          }
        }
        for (let i = 1; i < checks.length; i++) expect(checks[i]! - checks[i - 1]!).toBeGreaterThanOrEqual(intervalMs);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
