import { describe, expect, it } from 'vitest';
import { chooseLimit, correctedLimitRecordsPerSec } from './corrected-limit.ts';

describe('correctedLimitRecordsPerSec', () => {
  it('is cores ÷ the brokers\' CPU seconds per record', () => {
    // Issue 16's measurement: 1 GB (≈ 976 562 records of 1 KiB), brokers 10.6 + 1.5 CPU-s, 2 cores.
    const records = 976_562;
    expect(correctedLimitRecordsPerSec(2, records, 12.1)).toBeCloseTo(2 / (12.1 / records), 6);
    expect(Math.round(correctedLimitRecordsPerSec(2, records, 12.1)!)).toBe(161_415);
  });

  it('is undefined without broker CPU, records or cores', () => {
    expect(correctedLimitRecordsPerSec(2, 1000, 0)).toBeUndefined();
    expect(correctedLimitRecordsPerSec(2, 1000, Number.NaN)).toBeUndefined();
    expect(correctedLimitRecordsPerSec(2, 0, 1)).toBeUndefined();
    expect(correctedLimitRecordsPerSec(0, 1000, 1)).toBeUndefined();
  });
});

describe('chooseLimit', () => {
  it('takes the best estimate as the limit and reports the median', () => {
    expect(chooseLimit([100, undefined, 300, 200, Number.NaN])).toEqual({ best: 300, median: 200, runs: 3 });
    expect(chooseLimit([100, 200])).toEqual({ best: 200, median: 150, runs: 2 });
  });

  it('is undefined with no estimate', () => {
    expect(chooseLimit([undefined, 0])).toBeUndefined();
  });
});
