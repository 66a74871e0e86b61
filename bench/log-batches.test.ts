import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBatch, type BatchRecord } from '../engine/testing.ts';
import { batchStatsOfBuffer, topicBatchStats } from './log-batches.ts';

const records = (n: number): BatchRecord[] => Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.alloc(100, i), headers: [], timestamp: 1_700_000_000_000 + i }));

/** A batch with attributes set (codec bits / control bit), as a broker would store it. */
function withAttributes(batch: Buffer, attributes: number): Buffer {
  const copy = Buffer.from(batch);
  copy.writeInt16BE(attributes, 21);
  return copy;
}

describe('batchStatsOfBuffer', () => {
  it('counts batches, records and bytes from the v2 headers', () => {
    const a = encodeBatch(records(3));
    const b = encodeBatch(records(5));
    expect(batchStatsOfBuffer(Buffer.concat([a, b]))).toEqual({ batches: 2, records: 8, bytes: a.length + b.length, controlBatches: 0, codecs: ['none'] });
  });

  it('names codecs and keeps control batches out of the record count', () => {
    const lz4 = withAttributes(encodeBatch(records(4)), 3);
    const marker = withAttributes(encodeBatch(records(1)), 0x20);
    const s = batchStatsOfBuffer(Buffer.concat([lz4, marker]));
    expect(s).toMatchObject({ batches: 2, records: 4, controlBatches: 1, codecs: ['lz4', 'none'] });
  });

  it('stops at a truncated tail and at a batch that is not v2', () => {
    const a = encodeBatch(records(2));
    const b = encodeBatch(records(2));
    expect(batchStatsOfBuffer(Buffer.concat([a, b.subarray(0, b.length - 1)])).batches).toBe(1);
    const v1 = Buffer.from(b);
    v1.writeInt8(1, 16);
    expect(batchStatsOfBuffer(Buffer.concat([a, v1])).batches).toBe(1);
    expect(batchStatsOfBuffer(Buffer.alloc(0)).batches).toBe(0);
  });
});

describe('topicBatchStats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'log-batches-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds every segment of every partition folder of the topic, and only that topic', () => {
    const one = encodeBatch(records(2));
    for (const [folder, segments] of [
      ['primary.t-0', [[one, one], [one]]],
      ['primary.t-1', [[one]]],
      ['primary.t-other-0', [[one]]],
      ['primary.tx-0', [[one]]],
    ] as const) {
      mkdirSync(join(dir, folder));
      segments.forEach((batches, i) => writeFileSync(join(dir, folder, `${String(i * 100).padStart(20, '0')}.log`), Buffer.concat([...batches])));
      writeFileSync(join(dir, folder, '00000000000000000000.index'), Buffer.alloc(8));
    }
    expect(topicBatchStats(dir, 'primary.t')).toMatchObject({ batches: 4, records: 8 });
    expect(topicBatchStats(dir, 'primary.none')).toBeUndefined();
    expect(topicBatchStats(join(dir, 'missing'), 'primary.t')).toBeUndefined();
  });
});
