import { describe, expect, it } from 'vitest';
import { encodeBatch, decodeRecords, type BatchRecord } from '../kafka/batch/batch-encoder.ts';
import type { BatchFetchRequest, BatchSource, FetchedBatches } from '../kafka/batch/batch-source.ts';
import type { BatchSink, ProducerIdentity } from '../kafka/batch/batch-sink.ts';
import { SequenceBook } from '../kafka/batch/sequence-book.ts';
import type { ProducePartitionResult } from '../kafka/batch/batch-protocol.ts';
import { ATTR, BATCH, readBatchHeader, writeInt64, type BatchBytes } from '../kafka/batch/record-batch.ts';
import { crc32c } from '../kafka/batch/crc32c.ts';
import { rewriteProducerFields, type ProducerFields } from '../kafka/batch/producer-fields.ts';
import type { AbortedTransaction } from '../kafka/batch/aborted-filter.ts';
import { PartitionState } from '../partitions/partition-state.ts';
import { PartitionTable } from '../partitions/partition-table.ts';
import type { ClientErrorLike } from '../kafka/source-consumer.ts';
import { KAFKA_ERROR_CODES } from '../kafka/error-codes.ts';
import { BatchPath } from './batch-path.ts';
import type { MirrorListener } from './mirror-listener.ts';
import { ProgressWriter } from './progress-writer.ts';
import type { ProgressPort } from '../partitions/partition-progress.ts';
import { capturingLogger, FakeTelemetry, type CapturedLine } from './fakes/fake-kafka.ts';
import { waitFor } from '../../testkit/wait-for.ts';

const TOPIC_ID = Buffer.alloc(16, 1).toString('base64url');
const OTHER_ID = Buffer.alloc(16, 2).toString('base64url');

function records(from: number, count: number, timestamp = 1000): BatchRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${from + i}`), value: Buffer.from(`v${from + i}`), headers: [['h', null]], timestamp }));
}

/** `bytes` as consecutive views of `size` bytes each (the last shorter). */
function chunked(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

/** Source partition logs: batches at their offsets; a fetch at X answers every batch whose last offset is ≥ X (the one containing X first). */
class FakeSource implements BatchSource {
  /** Batches by partition. */
  readonly logs: Buffer[][] = [];
  aborted: AbortedTransaction[] | null = null;
  errorCode = 0;
  readonly fetches: BatchFetchRequest[] = [];
  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  append(batch: Buffer, partition = 0): void {
    (this.logs[partition] ??= []).push(batch);
  }
  async fetch(partitions: readonly BatchFetchRequest[]): Promise<FetchedBatches[]> {
    await Promise.resolve();
    return partitions.map((p) => {
      this.fetches.push(p);
      const from = (this.logs[p.partition] ?? []).filter((b) => { const h = readBatchHeader(b); return h.baseOffset + h.lastOffsetDelta >= p.offset; });
      // Fresh copies: the path re-signs batches in place, as it does with a fetch response. Cut into 13-byte
      // chunks, as a response arrives in socket chunks: batch headers straddle chunks.
      return { request: p, errorCode: this.errorCode, highWatermark: 0, lastStableOffset: 0, logStartOffset: 0, abortedTransactions: this.aborted, records: this.errorCode ? Buffer.alloc(0) : chunked(Buffer.concat(from.map((b) => Buffer.from(b))), 13) };
    });
  }
}

/** Target partitions: append produced batches, checking idempotent sequences as the broker does, or answer `errors.shift()` first. */
class FakeSink implements BatchSink {
  identity: ProducerIdentity = { producerId: 500, producerEpoch: 0, generation: 1 };
  readonly sequences = new SequenceBook(() => this.identity);
  readonly written: { partition: number; upstreamValues: string[]; timestamps: number[]; producerId: number; sequence: number }[] = [];
  readonly errors: number[] = [];
  reinits = 0;
  /** The n-th send (0-based) is answered only once {@link release} is called. */
  holdSend = -1;
  release: (() => void) | undefined;
  private sends = 0;
  /** `producerId:partition` → the last 5 batches' sequence ranges and offsets (`ProducerStateEntry`). */
  private readonly producers = new Map<string, { firstSeq: number; lastSeq: number; offset: number }[]>();
  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  async awaitPartitions(): Promise<void> {}
  async reinit(): Promise<void> {
    this.reinits++;
    this.identity = { producerId: this.identity.producerId + 1, producerEpoch: 0, generation: this.identity.generation + 1 };
  }
  async send(topic: string, partition: number, bytes: BatchBytes, fields: ProducerFields): Promise<ProducePartitionResult> {
    if (this.sends++ === this.holdSend) await new Promise<void>((r) => (this.release = r));
    await Promise.resolve();
    const fail = (errorCode: number) => ({ topic, partition, errorCode, baseOffset: -1, logStartOffset: 0, errorMessage: `error ${errorCode}` });
    const errorCode = this.errors.shift();
    if (errorCode !== undefined && errorCode !== 0) return fail(errorCode);
    rewriteProducerFields(bytes.chunks[0]!, fields, bytes.size); // as BatchProducer.send does
    const h = readBatchHeader(Buffer.concat(bytes.chunks));
    const lastSeq = h.baseSequence + h.recordCount - 1;
    const cached = this.producers.get(`${h.producerId}:${partition}`) ?? [];
    // UnifiedLog: a batch whose range equals a cached one is a duplicate: answered with that batch's offset, not written.
    const duplicate = cached.find((c) => c.firstSeq === h.baseSequence && c.lastSeq === lastSeq);
    if (duplicate) return { topic, partition, errorCode: 0, baseOffset: duplicate.offset, logStartOffset: 0, errorMessage: null };
    // ProducerAppendInfo.checkSequence: a known producer must continue its last sequence; an unknown one may start anywhere.
    if (cached.length > 0 && h.baseSequence !== cached.at(-1)!.lastSeq + 1) return fail(45);
    expect(h.baseOffset).toBe(0);
    const baseOffset = this.values(partition).length;
    const decoded = decodeRecords(h);
    this.written.push({ partition, upstreamValues: decoded.map((r) => r.value!.toString()), timestamps: decoded.map((r) => r.timestamp), producerId: h.producerId, sequence: h.baseSequence });
    this.producers.set(`${h.producerId}:${partition}`, [...cached, { firstSeq: h.baseSequence, lastSeq, offset: baseOffset }].slice(-5));
    return { topic, partition, errorCode: 0, baseOffset, logStartOffset: 0, errorMessage: null };
  }
  values(partition = 0): string[] {
    return this.written.filter((w) => w.partition === partition).flatMap((w) => w.upstreamValues);
  }
}

function setup(options: { startOffset?: number; readCommitted?: boolean; topic?: string; partitions?: number; mergeMaxBytes?: number; mergeMaxRecords?: number; listener?: MirrorListener } = {}) {
  const topic = options.topic ?? 'orders';
  const table = new PartitionTable();
  const partitions = options.partitions ?? 1;
  table.setKnownTopic(topic, { name: topic, topicId: TOPIC_ID, partitionCount: partitions } as never);
  const states = Array.from({ length: partitions }, (_, partition) => new PartitionState({ topic, partition }, TOPIC_ID, options.startOffset ?? 0, 0));
  for (const s of states) table.add(s);
  const state = states[0]!;
  const source = new FakeSource();
  const sink = new FakeSink();
  const pairs: [number, number][] = [];
  const sourceErrors: ClientErrorLike[] = [];
  const lines: CapturedLine[] = [];
  let recordPathChanges = 0;
  const failures: unknown[] = [];
  const telemetry = new FakeTelemetry();
  const path = new BatchPath({
    flow: 'primary->standby', table, source, sink, telemetry,
    listener: options.listener ?? { onMirrored: (_p, up, down) => pairs.push([up, down]) },
    remoteTopic: (t) => `primary.${t}`, isHeartbeatsTopic: (t) => t === 'heartbeats', readCommitted: options.readCommitted ?? true, mergeMaxBytes: options.mergeMaxBytes ?? 0, mergeMaxRecords: options.mergeMaxRecords,
    clock: () => 1_000_000, logger: capturingLogger(lines), onResetRecovered: () => undefined,
    onSourceError: (err) => sourceErrors.push(err), onRecordPathChange: () => recordPathChanges++, failWith: (e) => failures.push(e),
  });
  return { table, state, states, source, sink, pairs, sourceErrors, lines, path, failures, telemetry, recordPathChanges: () => recordPathChanges };
}

async function run(path: BatchPath, until: () => boolean): Promise<void> {
  await waitFor(async () => {
    await path.step(1);
    return until() || undefined;
  }, { timeoutMs: 3000, intervalMs: 1, message: 'batch path condition' });
  await path.drain(1000);
}

describe('BatchPath', () => {
  it('forwards batches in order with sequences by record count, acknowledges their last offsets and reports exact offset pairs', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 3), { baseOffset: 0 }));
    t.source.append(encodeBatch(records(3, 2), { baseOffset: 3 }));
    await run(t.path, () => t.state.ackedNextOffset === 5);
    expect(t.sink.values()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(t.sink.written.map((w) => w.sequence)).toEqual([0, 3]);
    expect(t.pairs).toEqual([[0, 0], [2, 2], [3, 3], [4, 4]]);
    expect(t.state.inFlight).toBe(0);
  });

  it('merges adjacent small uncompressed batches of one fetch answer into one Produce (mergeMaxBytes); offsets still exact', async () => {
    const t = setup({ mergeMaxBytes: 256 * 1024 });
    for (let i = 0; i < 5; i++) t.source.append(encodeBatch(records(i, 1), { baseOffset: i }));
    await run(t.path, () => t.state.ackedNextOffset === 5);
    expect(t.sink.values()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(t.sink.written.map((w) => w.sequence)).toEqual([0]); // one request of 5 records
    expect(t.pairs).toEqual([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]]);
    expect(t.state.inFlight).toBe(0);
  });

  it('merges LogAppendTime batches only as rebuilt CreateTime batches: every record keeps its source append time', async () => {
    const t = setup({ mergeMaxBytes: 256 * 1024 });
    for (let i = 0; i < 3; i++) {
      const b = encodeBatch(records(i, 1), { baseOffset: i });
      b.writeInt16BE(b.readInt16BE(BATCH.ATTRIBUTES) | ATTR.TIMESTAMP_TYPE_LOG_APPEND, BATCH.ATTRIBUTES);
      writeInt64(b, BATCH.MAX_TIMESTAMP, 1_700_000_000_000 + i); // the source broker's append time
      b.writeUInt32BE(crc32c(b, BATCH.ATTRIBUTES), BATCH.CRC);
      t.source.append(b);
    }
    await run(t.path, () => t.state.ackedNextOffset === 3);
    expect(t.sink.written.map((w) => w.upstreamValues.length)).toEqual([3]);
    expect(t.sink.values()).toEqual(['v0', 'v1', 'v2']);
    expect(t.sink.written[0]!.timestamps).toEqual([1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002]);
  });

  it('merges at most mergeMaxRecords (progress.flush.max.records) records into one batch; a source batch with more is forwarded alone; 0 = no record cap', async () => {
    const sizes = [1, 2, 1, 1, 5, 2, 2]; // offsets 0, 1, 3, 4, 5, 10, 12; 14 records
    const fill = (t: ReturnType<typeof setup>): void => {
      let offset = 0;
      for (const n of sizes) {
        t.source.append(encodeBatch(records(offset, n), { baseOffset: offset }));
        offset += n;
      }
    };
    const capped = setup({ mergeMaxBytes: 256 * 1024, mergeMaxRecords: 4 });
    fill(capped);
    await run(capped.path, () => capped.state.ackedNextOffset === 14);
    // [1+2+1] (the next 1 would make 5), [1] (the 5 after it cannot join), [5] alone, [2+2]
    expect(capped.sink.written.map((w) => w.upstreamValues.length)).toEqual([4, 1, 5, 4]);
    expect(capped.sink.written.map((w) => w.sequence)).toEqual([0, 4, 5, 10]);
    expect(capped.sink.values()).toEqual(records(0, 14).map((r) => r.value!.toString()));
    expect(capped.pairs.filter(([up, down]) => up !== down)).toEqual([]);
    expect(capped.state.inFlight).toBe(0);

    const uncapped = setup({ mergeMaxBytes: 256 * 1024, mergeMaxRecords: 0 });
    fill(uncapped);
    await run(uncapped.path, () => uncapped.state.ackedNextOffset === 14);
    expect(uncapped.sink.written.map((w) => w.upstreamValues.length)).toEqual([14]);
  });

  it('acknowledges a merged batch source batch by source batch: record-count progress writes land where they would without merging', async () => {
    const written: number[] = [];
    const store: ProgressPort = { get: () => undefined, incarnations: () => [], write: async (r) => void written.push(r.nextOffset) };
    const lines: CapturedLine[] = [];
    const progress = new ProgressWriter({ store, listener: undefined, flushMaxRecords: 4, remoteTopic: (topic) => `primary.${topic}`, logger: capturingLogger(lines) });
    // No record cap here: one merged batch of 10 one-record batches, acknowledged at once.
    const t = setup({ mergeMaxBytes: 256 * 1024, mergeMaxRecords: 0, listener: progress.targetListener });
    for (let i = 0; i < 10; i++) t.source.append(encodeBatch(records(i, 1), { baseOffset: i }));
    await run(t.path, () => t.state.ackedNextOffset === 10);
    expect(t.sink.written.map((w) => w.upstreamValues.length)).toEqual([10]);
    // Due at the first record, then every 4 records: written at the end of the source batch that made it due (1, 5, 9), not at 10.
    expect(written).toEqual([1, 5, 9]);
    expect(t.state.inFlight).toBe(0);
  });

  it('keeps null header values and timestamp 0 byte for byte', async () => {
    const t = setup();
    const original = encodeBatch(records(0, 2, 0), { baseOffset: 0 });
    t.source.append(original);
    let produced: Buffer | undefined;
    const send = t.sink.send.bind(t.sink);
    t.sink.send = (topic, partition, batch, fields) => ((produced = Buffer.concat(batch.chunks)), send(topic, partition, batch, fields));
    await run(t.path, () => t.state.ackedNextOffset === 2);
    // Only the producer fields, baseOffset and the CRC differ.
    expect(produced!.subarray(BATCH.RECORD_COUNT)).toEqual(original.subarray(BATCH.RECORD_COUNT));
    expect(decodeRecords(readBatchHeader(produced!)).map((r) => [r.timestamp, r.headers])).toEqual([[0, [['h', null]]], [0, [['h', null]]]]);
  });

  it('trims a batch fetched from before the expected offset (uncompressed: rebuilt from it)', async () => {
    const t = setup({ startOffset: 3 });
    t.source.append(encodeBatch(records(0, 5), { baseOffset: 0 }));
    await run(t.path, () => t.state.ackedNextOffset === 5);
    expect(t.sink.values()).toEqual(['v3', 'v4']);
    expect(t.pairs).toEqual([[3, 0], [4, 1]]);
  });

  it('rebuilds an uncompressed compacted batch with contiguous deltas; offsets map by position', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 3), { baseOffset: 10, offsetDeltas: [0, 4, 9] }));
    t.state.restartAt(10, TOPIC_ID, 0);
    t.path.reposition();
    await run(t.path, () => t.state.ackedNextOffset === 20);
    expect(t.sink.values()).toEqual(['v0', 'v1', 'v2']);
    expect(t.pairs).toEqual([[10, 0], [14, 1], [19, 2]]);
  });

  it('drops aborted transactions and control batches (read_committed) and fetches past them', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 2), { baseOffset: 0, producerId: 7, producerEpoch: 0, baseSequence: 0, transactional: true }));
    const marker = encodeBatch([{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.alloc(6), headers: [], timestamp: 1 }], { baseOffset: 2, producerId: 7, producerEpoch: 0, transactional: true });
    marker.writeInt16BE(marker.readInt16BE(BATCH.ATTRIBUTES) | ATTR.CONTROL, BATCH.ATTRIBUTES);
    t.source.append(marker);
    t.source.append(encodeBatch(records(3, 1), { baseOffset: 3 }));
    t.source.aborted = [{ producerId: 7, firstOffset: 0 }];
    await run(t.path, () => t.state.ackedNextOffset === 4);
    expect(t.sink.values()).toEqual(['v3']);
  });

  it('routes OFFSET_OUT_OF_RANGE to the truncation check (as -140) and UNKNOWN_TOPIC_ID to the topic-ID check', async () => {
    const t = setup();
    t.source.errorCode = 1;
    await t.path.step(1);
    await t.path.step(1); // the partition waits (1 s) for the truncation check instead of asking again at once
    expect(t.sourceErrors).toHaveLength(1);
    t.source.errorCode = 100;
    t.path.reposition(); // what the check's reassignment does
    await t.path.step(1);
    expect(t.sourceErrors.map((e) => e.code)).toEqual([KAFKA_ERROR_CODES._AUTO_OFFSET_RESET, 100]);
  });

  it('ignores an answer for another incarnation than the one mirrored now', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 1), { baseOffset: 0 }));
    const fetch = t.source.fetch.bind(t.source);
    t.source.fetch = async (ps) => {
      const out = await fetch(ps);
      t.state.restartAt(0, OTHER_ID, 0); // a reset was applied while the fetch was out
      return out;
    };
    await t.path.step(1);
    await t.path.drain(100);
    expect(t.sink.values()).toEqual([]);
  });

  it('sends again with the same sequences after a retriable error: nothing lost, nothing duplicated', async () => {
    const t = setup();
    for (let i = 0; i < 4; i++) t.source.append(encodeBatch(records(i * 2, 2), { baseOffset: i * 2 }));
    t.sink.errors.push(0, 6); // the second batch: NOT_LEADER_OR_FOLLOWER
    await run(t.path, () => t.state.ackedNextOffset === 8);
    expect(t.sink.values()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
    expect(t.sink.written.map((w) => w.sequence)).toEqual([0, 2, 4, 6]);
  });

  it('takes a new producer identity on OUT_OF_ORDER_SEQUENCE_NUMBER and renumbers from 0', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 2), { baseOffset: 0 }));
    t.source.append(encodeBatch(records(2, 2), { baseOffset: 2 }));
    t.sink.errors.push(0, 45);
    await run(t.path, () => t.state.ackedNextOffset === 4);
    expect(t.sink.values()).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect(t.sink.written.map((w) => [w.producerId, w.sequence])).toEqual([[500, 0], [501, 0]]);
  });

  it('sends nothing new while a failed batch is handled: a batch fetched meanwhile follows the resent ones (no duplicate-sequence "success" for it)', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 2), { baseOffset: 0 }));
    t.source.append(encodeBatch(records(2, 2), { baseOffset: 2 }));
    t.sink.errors.push(0, 45);
    const reinit = t.sink.reinit.bind(t.sink);
    let release: (() => void) | undefined;
    t.sink.reinit = async () => {
      await new Promise<void>((r) => (release = r));
      return reinit();
    };
    await t.path.step(1);
    await waitFor(() => release, { timeoutMs: 3000, intervalMs: 1, message: 'the new identity being taken' });
    t.source.append(encodeBatch(records(4, 2), { baseOffset: 4 }));
    await t.path.step(1); // fetched and planned while the lane recovers: must wait
    release!();
    await run(t.path, () => t.state.ackedNextOffset === 6);
    expect(t.sink.values()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    expect(t.sink.written.map((w) => [w.producerId, w.sequence])).toEqual([[500, 0], [501, 0], [501, 2]]);
  });

  it('sends a new producer identity\'s batches only once the partition\'s batches of the old one settled (order across identities)', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 2), { baseOffset: 0 }));
    t.source.append(encodeBatch(records(2, 2), { baseOffset: 2 }));
    t.sink.holdSend = 1;
    await t.path.step(1);
    await waitFor(() => t.sink.release, { timeoutMs: 3000, intervalMs: 1, message: 'the second send held' });
    await t.sink.reinit(); // another partition took a new identity
    t.source.append(encodeBatch(records(4, 2), { baseOffset: 4 }));
    await t.path.step(1);
    await new Promise((r) => setTimeout(r, 20));
    t.sink.release!();
    await run(t.path, () => t.state.ackedNextOffset === 6);
    expect(t.sink.values()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
  });

  it('hands a rejected batch to the record path after rewinding the partition to its acknowledged position', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 2), { baseOffset: 0 }));
    t.source.append(encodeBatch(records(2, 3), { baseOffset: 2 }));
    t.sink.errors.push(0, 10); // MESSAGE_TOO_LARGE for the second batch
    await run(t.path, () => t.path.carriedByRecords(t.state));
    expect(t.sink.values()).toEqual(['v0', 'v1']);
    expect([t.state.nextOffset, t.state.ackedNextOffset]).toEqual([2, 2]);
    expect(t.recordPathChanges()).toBe(1);
    expect(t.lines.find((l) => l.event === 'batch_rejected')).toMatchObject({ fromOffset: 2, toOffset: 4, errorCode: 10 });
    // The record path copies 2..4 (simulated), then the partition comes back to batches after them.
    for (const o of [2, 3, 4]) {
      t.state.accept(o, 0);
      t.state.acknowledge(o);
    }
    t.path.afterRecords();
    expect(t.path.carriedByRecords(t.state)).toBe(false);
    t.source.append(encodeBatch(records(5, 1), { baseOffset: 5 }));
    await run(t.path, () => t.state.ackedNextOffset === 6);
    expect(t.sink.values()).toEqual(['v0', 'v1', 'v5']);
  });

  it('hands a compressed batch that straddles the expected offset to the record path, with nothing in flight first', async () => {
    const t = setup({ startOffset: 1 });
    const compressed = encodeBatch(records(0, 3), { baseOffset: 0 });
    compressed.writeInt16BE(compressed.readInt16BE(BATCH.ATTRIBUTES) | 1, BATCH.ATTRIBUTES); // gzip bit: the plan only reads attributes
    t.source.append(compressed);
    await t.path.step(1);
    t.path.afterRecords();
    expect(t.path.carriedByRecords(t.state)).toBe(true);
    expect(t.sink.values()).toEqual([]);
  });

  it('releases a partition that left the table (group revocation): no more fetches, nothing planned is sent', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 2), { baseOffset: 0 }));
    await run(t.path, () => t.state.ackedNextOffset === 2);
    const fetches = t.source.fetches.length;
    t.table.remove(t.state.key);
    t.path.reposition();
    t.source.append(encodeBatch(records(2, 2), { baseOffset: 2 }));
    await t.path.step(1);
    expect(t.source.fetches.length).toBe(fetches);
    expect(t.sink.values()).toEqual(['v0', 'v1']);
    expect(t.path.inFlight).toBe(false);
  });

  it('continues the producer\'s sequence of a partition the group takes away and gives back (restarting at 0 would be acknowledged as a duplicate and never written)', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 2), { baseOffset: 0 }));
    t.source.append(encodeBatch(records(2, 2), { baseOffset: 2 }));
    await run(t.path, () => t.state.ackedNextOffset === 4);
    t.table.remove(t.state.key); // revoked
    t.path.reposition();
    const back = new PartitionState({ topic: 'orders', partition: 0 }, TOPIC_ID, 4, 0); // assigned again: a new state, adopted from its progress
    t.table.add(back);
    t.path.reposition();
    t.source.append(encodeBatch(records(4, 2), { baseOffset: 4 })); // the same record count as the producer's first batch there
    await run(t.path, () => back.ackedNextOffset === 6);
    expect(t.sink.values()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    expect(t.sink.written.map((w) => [w.producerId, w.sequence])).toEqual([[500, 0], [500, 2], [500, 4]]);
    expect(t.sink.reinits).toBe(0);
    expect(t.pairs.slice(-2)).toEqual([[4, 4], [5, 5]]);
  });

  it('takes one new producer identity for partitions that answer OUT_OF_ORDER_SEQUENCE_NUMBER together; each renumbers under it', async () => {
    const t = setup({ partitions: 2 });
    for (const p of [0, 1]) t.source.append(encodeBatch(records(0, 2), { baseOffset: 0 }), p);
    t.sink.errors.push(45, 45); // the batch of each partition
    const reinit = t.sink.reinit.bind(t.sink);
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    t.sink.reinit = async () => {
      await gate;
      return reinit();
    };
    await t.path.step(1);
    const warned = () => t.lines.filter((l) => String(l.msg).includes('taking a new producer identity')).length;
    await waitFor(() => warned() === 2 || undefined, { timeoutMs: 3000, intervalMs: 1, message: 'both partitions waiting for a new identity' });
    open();
    await run(t.path, () => t.states.every((s) => s.ackedNextOffset === 2));
    for (const p of [0, 1]) t.source.append(encodeBatch(records(2, 2), { baseOffset: 2 }), p);
    await run(t.path, () => t.states.every((s) => s.ackedNextOffset === 4));
    expect(t.sink.reinits).toBe(1);
    for (const p of [0, 1]) {
      expect(t.sink.values(p)).toEqual(['v0', 'v1', 'v2', 'v3']);
      expect(t.sink.written.filter((w) => w.partition === p).map((w) => [w.producerId, w.sequence])).toEqual([[501, 0], [501, 2]]);
    }
  });

  it('resends after a retriable error with the identity the batches were signed with, even when another partition took a new one meanwhile', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 2), { baseOffset: 0 }));
    t.source.append(encodeBatch(records(2, 2), { baseOffset: 2 }));
    t.sink.holdSend = 1;
    await t.path.step(1);
    await waitFor(() => t.sink.release, { timeoutMs: 3000, intervalMs: 1, message: 'the second send held' });
    t.sink.errors.push(6); // NOT_LEADER_OR_FOLLOWER for the held batch
    await t.sink.reinit(); // another partition took a new identity
    t.sink.release!();
    await run(t.path, () => t.state.ackedNextOffset === 4);
    expect(t.sink.values()).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect(t.sink.written.map((w) => [w.producerId, w.sequence])).toEqual([[500, 0], [500, 2]]);
  });

  it('leaves heartbeats topics on the record path', () => {
    const t = setup({ topic: 'heartbeats' });
    expect(t.path.carriedByRecords(t.state)).toBe(true);
  });

  it('counts records, not batches, in telemetry', async () => {
    const t = setup();
    t.source.append(encodeBatch(records(0, 4), { baseOffset: 0 }));
    const calls: number[] = [];
    t.telemetry.recordMirrored = (...args: unknown[]) => void calls.push(args[5] as number);
    await run(t.path, () => t.state.ackedNextOffset === 4);
    expect(calls).toEqual([4]);
  });
});
