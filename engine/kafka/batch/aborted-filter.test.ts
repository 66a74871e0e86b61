import { describe, expect, it } from 'vitest';
import { AbortedTransactionFilter, CONTROL_TYPE, controlType } from './aborted-filter.ts';
import { decodeRecords, encodeBatch } from './batch-encoder.ts';
import { loadFixture } from './fixtures/load-fixture.ts';
import { isControlBatch, readBatches, readBatchHeader, type BatchHeader } from './record-batch.ts';

const values = (batches: BatchHeader[]): string[] => batches.flatMap((b) => decodeRecords(b).map((r) => r.value!.toString()));

describe('AbortedTransactionFilter on a real read_committed fetch (commit [c1,c2], abort [a1,a2], commit [c3])', () => {
  const f = loadFixture('transactions');
  const batches = readBatches(f.records).batches;

  it('the fixture lists the aborted transaction at its first offset', () => {
    expect(f.abortedTransactions).toEqual([{ producerId: batches[0]!.producerId, firstOffset: 3 }]);
  });

  it('reads the marker types: COMMIT, ABORT, COMMIT', () => {
    expect(batches.filter(isControlBatch).map(controlType)).toEqual([CONTROL_TYPE.COMMIT, CONTROL_TYPE.ABORT, CONTROL_TYPE.COMMIT]);
  });

  it('keeps the committed data batches only: no marker, no aborted record', () => {
    const filter = new AbortedTransactionFilter(f.abortedTransactions);
    expect(values(batches.filter((b) => filter.keep(b)))).toEqual(['c1', 'c2', 'c3']);
  });

  it('read_uncommitted (no aborted list) still drops every control batch', () => {
    const filter = new AbortedTransactionFilter(null);
    expect(values(batches.filter((b) => filter.keep(b)))).toEqual(['c1', 'c2', 'a1', 'a2', 'c3']);
  });
});

describe('AbortedTransactionFilter with interleaved producers', () => {
  const data = (offset: number, producerId: number, value: string): BatchHeader =>
    readBatchHeader(encodeBatch([{ key: null, value: Buffer.from(value), headers: [], timestamp: 1 }], { baseOffset: offset, producerId, producerEpoch: 0, baseSequence: 0, transactional: true }));
  const marker = (offset: number, producerId: number, type: number): BatchHeader => {
    const key = Buffer.alloc(4);
    key.writeInt16BE(0, 0);
    key.writeInt16BE(type, 2);
    const bytes = encodeBatch([{ key, value: Buffer.alloc(6), headers: [], timestamp: 1 }], { baseOffset: offset, producerId, producerEpoch: 0, baseSequence: -1, transactional: true });
    bytes.writeInt16BE(0x30, 21); // transactional + control (CRC not needed by the filter)
    return readBatchHeader(bytes);
  };

  it('drops the aborted producer until its ABORT marker, keeps the other producer and a later transaction of the first', () => {
    const log = [data(0, 1, 'p1-aborted'), data(1, 2, 'p2-committed'), marker(2, 1, CONTROL_TYPE.ABORT), data(3, 1, 'p1-later'), marker(4, 2, CONTROL_TYPE.COMMIT), marker(5, 1, CONTROL_TYPE.COMMIT)];
    const filter = new AbortedTransactionFilter([{ producerId: 1, firstOffset: 0 }]);
    expect(values(log.filter((b) => filter.keep(b)))).toEqual(['p2-committed', 'p1-later']);
  });

  it('takes the aborted list in any order', () => {
    const log = [data(0, 1, 'x'), marker(1, 1, CONTROL_TYPE.ABORT), data(2, 2, 'y'), marker(3, 2, CONTROL_TYPE.ABORT), data(4, 3, 'z')];
    const filter = new AbortedTransactionFilter([{ producerId: 2, firstOffset: 2 }, { producerId: 1, firstOffset: 0 }]);
    expect(values(log.filter((b) => filter.keep(b)))).toEqual(['z']);
  });
});
