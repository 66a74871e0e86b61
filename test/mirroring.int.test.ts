/**
 * Normal replication against the real local clusters (DESIGN.md invariants 2 and 3): record fidelity
 * byte for byte, per-partition order across partitions, discovery of a topic created while the engine
 * runs (partition count and topic configs synced), and progress stored on the target, keyed by
 * (topic, partition, topic ID), from which a restarted engine resumes without duplicates.
 * Each test has its own topics and its own in-process engine; verification uses kafkajs (and a raw
 * rdkafka-style consumer for header order), never the engine's clients.
 */
import { randomBytes } from 'node:crypto';
import Kafka from '@confluentinc/kafka-javascript';
import type { LibrdKafkaError, MessageHeader, Producer as RdProducer } from '@confluentinc/kafka-javascript';
import type { IHeaders, Message as KafkajsMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { valuesByPartition } from '../testkit/cluster-reader.ts';
import { startEngine, type EngineHarness } from '../testkit/engine-harness.ts';
import { readWithOrderedHeaders } from '../testkit/ordered-headers.ts';
import { PROGRESS_TOPIC, latestProgress } from '../testkit/progress-records.ts';
import { PRIMARY, STANDBY, remoteOf, uniqueTopic } from '../testkit/test-clusters.ts';
import { sourceTopicId } from '../testkit/topic-id.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { useMirrorFixture } from './mirror-fixture.ts';

const f = useMirrorFixture();

/** A fresh test prefix; the engine regex `^<prefix>-.*` matches only this test's topics. */
function newPrefix(name: string): string {
  return uniqueTopic(`mirror-${name}`);
}

async function engineFor(prefix: string, extra: Record<string, string | number> = {}): Promise<EngineHarness> {
  const engine = await startEngine(`^${prefix}-.*`, extra);
  f.engines.push(engine);
  return engine;
}

async function createTopic(topic: string, numPartitions: number, configEntries: { name: string; value: string }[] = []): Promise<void> {
  f.topics.push(topic);
  await f.source.admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1, configEntries }], waitForLeaders: true });
}

/** Random bytes with at least one 0x00 inside. */
function bytesWithZero(n: number): Buffer {
  const b = randomBytes(n);
  b[Math.floor(n / 2)] = 0x00;
  return b;
}

/** What a record is expected to look like on the remote topic. */
interface Expected {
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  /** Headers in wire order, duplicates kept. */
  headers: [string, Buffer][];
}

/** kafkajs' view of ordered headers: one key → Buffer, a repeated key → Buffer[] in order. */
function foldHeaders(headers: readonly (readonly [string, Buffer | null])[]): IHeaders {
  const out: Record<string, Buffer | Buffer[]> = {};
  for (const [k, v0] of headers) {
    const v = v0 as Buffer; // a null header value (never produced here) stays null: comparable() prints it as null
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/**
 * Comparable form of a record (hex for bytes so a failure prints the difference), headers in kafkajs'
 * folded form: a repeated key's values in order, keys grouped (what kafkajs can tell about header order).
 */
function comparable(r: { partition: number; key: Buffer | null; value: Buffer | null; timestamp: number; headers: readonly (readonly [string, Buffer | null])[] }) {
  const hex = (b: Buffer | string | null | undefined) => (b === null || b === undefined ? null : Buffer.from(b).toString('hex'));
  const headers = Object.fromEntries(Object.entries(foldHeaders(r.headers)).map(([k, v]) => [k, Array.isArray(v) ? v.map(hex) : hex(v)]));
  return { partition: r.partition, key: hex(r.key), value: hex(r.value), timestamp: r.timestamp, headers };
}

/** Produces records through the rdkafka-style Producer (kafkajs cannot write a repeated header key after another key) and waits for their delivery. */
async function produceOrderedHeaders(topic: string, records: readonly Expected[]): Promise<void> {
  const p: RdProducer = new Kafka.Producer({ 'bootstrap.servers': PRIMARY, 'client.id': 'kme-test-headers', dr_cb: true, 'enable.idempotence': true, acks: 'all' } as never);
  await new Promise<void>((resolve, reject) => p.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    p.setPollInBackground(true);
    let delivered = 0;
    let failure: LibrdKafkaError | undefined;
    p.on('delivery-report', (err) => {
      if (err) failure ??= err;
      delivered++;
    });
    // The binding writes an empty Buffer whose data pointer is null as NULL; a zero-length view into
    // a real allocation is written as empty (the engine's mirror task does the same).
    const emptySafe = <T extends Buffer | null>(b: T): T | Buffer => (b !== null && b.length === 0 ? Buffer.alloc(1).subarray(0, 0) : b);
    for (const r of records) {
      const headers: MessageHeader[] = r.headers.map(([k, v]) => ({ [k]: emptySafe(v) }));
      p.produce(topic, r.partition, emptySafe(r.value), emptySafe(r.key), r.timestamp, undefined, headers);
    }
    await waitFor(() => delivered === records.length || failure, { timeoutMs: 30_000, message: 'delivery of the header records' });
    if (failure) throw failure;
  } finally {
    await new Promise<void>((resolve) => p.disconnect(() => resolve()));
  }
}

async function produceKafkajs(topic: string, records: readonly Expected[]): Promise<void> {
  const messages: KafkajsMessage[] = records.map((r) => ({
    partition: r.partition,
    key: r.key,
    value: r.value,
    timestamp: String(r.timestamp),
    headers: foldHeaders(r.headers),
  }));
  await f.producer.send({ topic, acks: -1, messages });
}


describe('mirroring', () => {
  it('keeps every record byte for byte: binary keys/values with 0x00, null key, tombstone, empty bytes, header order and duplicates, past timestamps, partition', async () => {
    const prefix = newPrefix('fidelity');
    const topic = `${prefix}-data`;
    const remote = remoteOf(topic);
    // Infinite retention (copied to the remote topic): records with timestamps weeks in the past would
    // otherwise be deleted by time-based retention, active segment included.
    await createTopic(topic, 3, [{ name: 'retention.ms', value: '-1' }]);
    await engineFor(prefix);

    const now = Date.now();
    const day = 24 * 3600 * 1000;
    const first: Expected[] = [
      { partition: 1, key: bytesWithZero(16), value: bytesWithZero(1024), timestamp: now - 7 * day, headers: [] },
      { partition: 1, key: null, value: bytesWithZero(64), timestamp: now - 3600_000, headers: [['trace', Buffer.from('t-1')]] },
      { partition: 1, key: bytesWithZero(8), value: null, timestamp: 1_000_000_000_000, headers: [] }, // tombstone, 2001
      { partition: 1, key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: now - 2 * day, headers: [['empty', Buffer.alloc(0)]] },
      { partition: 0, key: Buffer.from('k-0'), value: bytesWithZero(100_000), timestamp: now - 30 * day, headers: [['bin', Buffer.from([0x00, 0xff, 0x00])]] },
      { partition: 2, key: Buffer.from([0x00]), value: Buffer.from([0x00]), timestamp: now - 1, headers: [] },
    ];
    const ordered: Expected[] = [
      { partition: 1, key: Buffer.from('hdr'), value: Buffer.from('a=1,b=2,a=3'), timestamp: now - 5 * day, headers: [['a', Buffer.from('1')], ['b', Buffer.from('2')], ['a', Buffer.from('3')]] },
      { partition: 1, key: null, value: null, timestamp: now - 4 * day, headers: [['z', Buffer.from('last')], ['a', bytesWithZero(5)], ['z', Buffer.from('first')], ['z', Buffer.from('')]] },
    ];
    const last: Expected[] = [{ partition: 1, key: bytesWithZero(32), value: bytesWithZero(32), timestamp: now - 10, headers: [] }];
    await produceKafkajs(topic, first);
    await produceOrderedHeaders(topic, ordered);
    await produceKafkajs(topic, last);
    const expected = [...first, ...ordered, ...last];
    const counts = { 0: 1, 1: 7, 2: 1 } as Record<number, number>;

    await f.target.waitForHighWatermarks(remote, (hw) => [0, 1, 2].every((p) => hw.get(p) === counts[p]), `${remote} to hold ${JSON.stringify(counts)}`);
    const [remoteRecords, sourceRecords] = await Promise.all([f.target.readAll(remote), f.source.readAll(topic)]);

    // Same partition, same order, same bytes, same timestamps, same (kafkajs-folded) headers: against what was produced ...
    for (const p of [0, 1, 2]) {
      const want = expected.filter((r) => r.partition === p).map(comparable);
      expect(remoteRecords.get(p)!.map(comparable)).toEqual(want);
      // ... and against the source log itself.
      expect(remoteRecords.get(p)!.map(comparable)).toEqual(sourceRecords.get(p)!.map(comparable));
    }

    // Header order and repeated keys, as the wire carries them (rdkafka-style consumer: ordered array of one-key objects).
    const wire = await readWithOrderedHeaders(STANDBY, remote, 1, counts[1]!);
    const headerOrder = (hs: readonly [string, Buffer | null][]) => hs.map(([k, v]) => [k, v?.toString('hex')]);
    expect(wire.map((m) => headerOrder(m.headers))).toEqual(
      expected.filter((r) => r.partition === 1).map((r) => r.headers.map(([k, v]) => [k, v.toString('hex')])),
    );
    expect(headerOrder(wire[4]!.headers)).toEqual([['a', '31'], ['b', '32'], ['a', '33']]);
  });

  it('preserves partition numbers and per-partition order of interleaved records across 4 partitions, exact counts, no duplicates', async () => {
    const prefix = newPrefix('partitions');
    const topic = `${prefix}-data`;
    const remote = remoteOf(topic);
    const partitions = 4;
    const perPartition = 250;
    await createTopic(topic, partitions);
    const engine = await engineFor(prefix);

    // Interleaved p0,p1,p2,p3,p0,… in several sends while the engine mirrors.
    const all = Array.from({ length: perPartition }, (_, i) => Array.from({ length: partitions }, (_, p) => ({ partition: p, key: `k-${i % 7}`, value: `p${p}-${i}` }))).flat();
    for (let i = 0; i < all.length; i += 150) await f.producer.send({ topic, acks: -1, messages: all.slice(i, i + 150) });

    const want = Object.fromEntries(Array.from({ length: partitions }, (_, p) => [p, all.filter((m) => m.partition === p).map((m) => m.value)]));
    await f.target.waitForHighWatermarks(remote, (hw) => hw.size === partitions && [...hw.values()].every((n) => n >= perPartition), `${remote} to hold ${perPartition} per partition`);
    await engine.stop();

    // After a clean stop nothing else arrives: exactly perPartition each.
    const hw = await f.target.highWatermarks(remote);
    expect(Object.fromEntries(hw)).toEqual(Object.fromEntries(Array.from({ length: partitions }, (_, p) => [p, perPartition])));
    const [remoteRecords, sourceRecords] = await Promise.all([f.target.readAll(remote), f.source.readAll(topic)]);
    expect(valuesByPartition(sourceRecords)).toEqual(want);
    expect(valuesByPartition(remoteRecords)).toEqual(want);
    for (const values of Object.values(valuesByPartition(remoteRecords))) expect(new Set(values).size).toBe(values.length);
    expect(await f.target.partitionCount(remote)).toBe(partitions);
  });

  it('discovers a topic created after start and creates its remote topic with the same partitions and the copyable topic configs', async () => {
    const prefix = newPrefix('discovery');
    const engine = await engineFor(prefix);
    const topic = `${prefix}-late`;
    const remote = remoteOf(topic);
    expect(engine.logs.some((l) => String(l.msg).includes(topic))).toBe(false);

    await createTopic(topic, 3, [
      { name: 'retention.ms', value: '3600000' },
      { name: 'max.message.bytes', value: '2000000' },
      { name: 'min.insync.replicas', value: '1' }, // in config.properties.exclude: never copied
    ]);
    const createdAt = Date.now();
    await f.producer.send({ topic, acks: -1, messages: [0, 1, 2].flatMap((p) => [{ partition: p, value: `late-${p}-0` }, { partition: p, value: `late-${p}-1` }]) });

    await f.target.waitForHighWatermarks(remote, (hw) => hw.size === 3 && [...hw.values()].every((n) => n === 2), `${remote} to hold 2 records per partition`);
    const discoveryMs = Date.now() - createdAt;
    const created = await engine.waitForLog((l) => l.msg === `Created remote topic ${remote}`);
    expect(created).toMatchObject({ topic, remoteTopic: remote, partitions: 3 });
    expect(await f.target.partitionCount(remote)).toBe(3);

    const configs = await f.target.topicConfigs(remote);
    expect(configs.get('retention.ms')).toMatchObject({ value: '3600000', configSource: 1 });
    expect(configs.get('max.message.bytes')).toMatchObject({ value: '2000000', configSource: 1 });
    expect(configs.get('min.insync.replicas')?.configSource).not.toBe(1); // broker default, not a topic override
    expect(valuesByPartition(await f.target.readAll(remote))).toEqual({ 0: ['late-0-0', 'late-0-1'], 1: ['late-1-0', 'late-1-1'], 2: ['late-2-0', 'late-2-1'] });
    // refresh.topics.interval.seconds=1: discovered and mirrored within a few refreshes.
    expect(discoveryMs).toBeLessThan(15_000);
  });

  it('stores progress on the target keyed by (topic, partition, topic ID) and resumes from it without duplicates after a clean restart', async () => {
    const prefix = newPrefix('progress');
    const topic = `${prefix}-data`;
    const remote = remoteOf(topic);
    await createTopic(topic, 2);
    const topicId = await sourceTopicId(topic);
    expect(topicId).toBeDefined();

    const first = await engineFor(prefix);
    const batch = (p: number, from: number, n: number) => Array.from({ length: n }, (_, i) => ({ partition: p, value: `p${p}-${from + i}` }));
    await f.producer.send({ topic, acks: -1, messages: [...batch(0, 0, 200), ...batch(1, 0, 100)] });
    await f.target.waitForHighWatermarks(remote, (hw) => hw.get(0) === 200 && hw.get(1) === 100, `${remote} to hold 200/100`);
    await first.stop();

    const progress = latestProgress([...(await f.target.readAll(PROGRESS_TOPIC)).values()].flat(), topic);
    expect(progress.map(({ offset: _offset, ...p }) => p)).toEqual([
      { sourceCluster: 'primary', topic, partition: 0, topicId, nextOffset: 200, remoteTopic: remote },
      { sourceCluster: 'primary', topic, partition: 1, topicId, nextOffset: 100, remoteTopic: remote },
    ]);

    // Restart: only the new records are mirrored.
    const second = await engineFor(prefix);
    await second.waitForLog((l) => l.msg === 'Mirror task primary->standby started');
    await f.producer.send({ topic, acks: -1, messages: [...batch(0, 200, 50), ...batch(1, 100, 50)] });
    await f.target.waitForHighWatermarks(remote, (hw) => (hw.get(0) ?? 0) >= 250 && (hw.get(1) ?? 0) >= 150, `${remote} to hold 250/150`);
    await second.stop();

    expect(Object.fromEntries(await f.target.highWatermarks(remote))).toEqual({ 0: 250, 1: 150 });
    expect(valuesByPartition(await f.target.readAll(remote))).toEqual({
      0: batch(0, 0, 250).map((m) => m.value),
      1: batch(1, 0, 150).map((m) => m.value),
    });
    const after = latestProgress([...(await f.target.readAll(PROGRESS_TOPIC)).values()].flat(), topic);
    expect(after.map((p) => [p.partition, p.topicId, p.nextOffset])).toEqual([[0, topicId, 250], [1, topicId, 150]]);
  });
});
