import { describe, expect, it } from 'vitest';
import type { ProducePartitionResult } from './batch-protocol.ts';
import { BatchRecordProducer, type TransactionalBatchSink } from './batch-record-producer.ts';
import { decodeRecords } from './batch-encoder.ts';
import { readBatchHeader } from './record-batch.ts';
import { SequenceBook } from './sequence-book.ts';
import { waitFor } from '../../../testkit/wait-for.ts';

/** A target partition log per topic-partition, answering `answers.shift()` first. */
function fakeSink() {
  const logs = new Map<string, { values: string[]; sequences: number[] }>();
  const answers: number[] = [];
  const doomed: string[] = [];
  const hooks: { beforeAnswer?: () => void } = {};
  let identity = { producerId: 7, producerEpoch: 0, generation: 1 };
  const sink: TransactionalBatchSink = {
    get identity() {
      return identity;
    },
    sequences: new SequenceBook(() => identity),
    awaitPartitions: () => Promise.resolve(),
    transactions: { commit: () => Promise.resolve(), abort: () => Promise.resolve(), doom: (reason: string) => void doomed.push(reason) },
    send: async (topic, partition, batch, fields): Promise<ProducePartitionResult> => {
      await Promise.resolve();
      hooks.beforeAnswer?.();
      const errorCode = answers.shift() ?? 0;
      if (errorCode !== 0) return { topic, partition, errorCode, baseOffset: -1, logStartOffset: 0, errorMessage: `error ${errorCode}` };
      const key = `${topic}-${partition}`;
      const log = logs.get(key) ?? { values: [], sequences: [] };
      logs.set(key, log);
      const baseOffset = log.values.length;
      log.values.push(...decodeRecords(readBatchHeader(Buffer.concat(batch.chunks))).map((r) => String(r.value)));
      log.sequences.push(fields.baseSequence);
      return { topic, partition, errorCode: 0, baseOffset, logStartOffset: 0, errorMessage: null };
    },
  };
  return { sink, logs, answers, doomed, hooks, newIdentity: () => (identity = { ...identity, producerEpoch: identity.producerEpoch + 1, generation: identity.generation + 1 }) };
}

const record = (value: string, partition = 0) => ({ topic: 's', partition, offset: 0, key: null, value: Buffer.from(value), timestamp: 1000, headers: [{ h: Buffer.from('x') }] });

describe('BatchRecordProducer', () => {
  it('writes queued records as batches in produce order per partition, reports downstream offsets, internal records to their own callback', async () => {
    const { sink, logs } = fakeSink();
    const reports: string[] = [];
    const p = new BatchRecordProducer(sink, (err, topic, partition, offset) => reports.push(`${topic}-${partition}@${offset}${err ? ` ${err.code}` : ''}`));
    for (let i = 0; i < 3; i++) p.produce('r', record(`a${i}`));
    p.produce('r', record('b0', 1));
    const internal: (string | undefined)[] = [];
    p.transactions.sendInternal('progress', 0, Buffer.from('k'), Buffer.from('v'), 5, (err) => internal.push(err?.message));
    expect(await p.awaitReports(1000, () => 0)).toBe(true);
    p.produce('r', record('a3'));
    expect(await p.awaitReports(1000, () => 0)).toBe(true);
    expect(reports).toEqual(['r-0@0', 'r-0@1', 'r-0@2', 'r-1@0', 'r-0@3']);
    expect(internal).toEqual([undefined]);
    expect(logs.get('r-0')).toEqual({ values: ['a0', 'a1', 'a2', 'a3'], sequences: [0, 3] });
    expect(logs.get('progress-0')?.values).toEqual(['v']);
  });

  it('resends a batch with the same sequence after a retriable answer', async () => {
    const { sink, logs, answers, doomed } = fakeSink();
    const p = new BatchRecordProducer(sink, () => undefined);
    answers.push(6, -1); // NOT_LEADER_OR_FOLLOWER, then a failed request
    p.produce('r', record('a0'));
    await waitFor(() => logs.get('r-0'), { timeoutMs: 5000, message: 'the batch written after two retries' });
    expect(logs.get('r-0')).toEqual({ values: ['a0'], sequences: [0] });
    expect(doomed).toEqual([]);
  });

  it('a batch failed for good fails the records queued behind it and dooms the transaction; a rejection gives its sequence back', async () => {
    const { sink, answers, doomed } = fakeSink();
    const reports: (number | undefined)[] = [];
    const p = new BatchRecordProducer(sink, (err) => reports.push(err?.code));
    answers.push(10); // MESSAGE_TOO_LARGE
    p.produce('r', record('a0'));
    expect(await p.awaitReports(1000, () => 0)).toBe(true);
    expect(reports).toEqual([10]);
    expect(doomed).toHaveLength(1);
    expect(sink.sequences.claim('r', 0, 1).sequence).toBe(0);
  });

  it('a retriable answer under a replaced identity is not resent (the batch fails; the transaction is doomed)', async () => {
    const { sink, answers, doomed, hooks, newIdentity } = fakeSink();
    const reports: (number | undefined)[] = [];
    const p = new BatchRecordProducer(sink, (err) => reports.push(err?.code));
    answers.push(-1);
    hooks.beforeAnswer = () => {
      hooks.beforeAnswer = undefined;
      newIdentity(); // a batch lane took a new epoch while this batch was in flight
    };
    p.produce('r', record('a0'));
    expect(await p.awaitReports(1000, () => 0)).toBe(true);
    expect(reports).toEqual([-1]);
    expect(doomed).toHaveLength(1);
  });

  it('continues the partition\'s sequence where another writer of the identity (a batch lane) stopped', async () => {
    const { sink, logs } = fakeSink();
    sink.sequences.claim('r', 0, 4); // a batch lane wrote 4 records to r-0 under this identity
    const p = new BatchRecordProducer(sink, () => undefined);
    p.produce('r', record('a0'));
    expect(await p.awaitReports(1000, () => 0)).toBe(true);
    expect(logs.get('r-0')?.sequences).toEqual([4]);
  });
});
