/**
 * Independent verification for scenarios: reads topics with kafkajs (a second client, never the
 * engine's librdkafka) and checks the invariants every scenario shares — exact copies, no
 * duplicates, contiguous sequences, gaps only where reported.
 */
import kafkajs, { type Admin, type Kafka as KafkaClient } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { decodeCommitLogEvent, type CommitLogEvent } from '../producer-cli/commit-log-event.ts';

const { Kafka, logLevel } = kafkajs;

/** One record as read back: raw bytes, headers as ordered [name, value] pairs. */
export interface ReadRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: [string, Buffer][];
}

/** A kafkajs client for `bootstrap` (comma-separated host:port). */
export function verifierClient(bootstrap: string): KafkaClient {
  return new Kafka({ clientId: 'kme-verifier', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
}

/** Runs `fn` with a connected kafkajs admin. */
export async function withAdmin<T>(bootstrap: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = verifierClient(bootstrap).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Log start and end offsets per partition of a topic, read with kafkajs (ListOffsets). */
export async function partitionOffsets(bootstrap: string, topic: string): Promise<{ partition: number; logStartOffset: number; logEndOffset: number }[]> {
  return withAdmin(bootstrap, async (admin) =>
    (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, logStartOffset: Number(p.low), logEndOffset: Number(p.high) })),
  );
}

/** Sum of log end offsets minus log start offsets: the records a topic holds (without transaction markers). */
export async function recordCount(bootstrap: string, topic: string): Promise<number> {
  return (await partitionOffsets(bootstrap, topic)).reduce((n, p) => n + p.logEndOffset - p.logStartOffset, 0);
}

/**
 * Reads every record of `topic` from its log start to its current end, in partition order.
 * Assumes contiguous offsets (no transactions), which holds for commit-log topics.
 * Rejects after `timeoutMs` naming how far it got.
 */
export async function readTopic(bootstrap: string, topic: string, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const ends = await partitionOffsets(bootstrap, topic);
  const pending = new Map(ends.filter((p) => p.logEndOffset > p.logStartOffset).map((p) => [p.partition, p.logEndOffset]));
  const records: ReadRecord[] = [];
  if (pending.size === 0) return records;
  const consumer = verifierClient(bootstrap).consumer({ groupId: `kme-verify-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const end = pending.get(partition);
        if (end === undefined) return;
        const offset = Number(message.offset);
        if (offset >= end) return;
        records.push({
          partition,
          offset,
          key: message.key,
          value: message.value,
          timestamp: Number(message.timestamp),
          headers: headerPairs(message.headers),
        });
        if (offset + 1 >= end) {
          pending.delete(partition);
          if (pending.size === 0) done();
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic}: ${records.length} records after ${timeoutMs} ms, partitions unfinished: ${[...pending.keys()].join(',')}`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** kafkajs folds headers into an object (repeated keys become arrays, key order = wire order); unfold into pairs. */
export function headerPairs(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): [string, Buffer][] {
  const pairs: [string, Buffer][] = [];
  for (const [name, v] of Object.entries(headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) pairs.push([name, Buffer.from(one ?? '')]);
  }
  return pairs;
}

/**
 * Compares a source record with its mirrored copy byte for byte (key, value, headers in order,
 * timestamp, partition). Returns the list of differences (empty = identical).
 */
export function recordDifferences(source: ReadRecord, remote: ReadRecord): string[] {
  const diffs: string[] = [];
  const eq = (a: Buffer | null, b: Buffer | null) => (a === null || b === null ? a === b : a.equals(b));
  if (source.partition !== remote.partition) diffs.push(`partition ${source.partition} != ${remote.partition}`);
  if (!eq(source.key, remote.key)) diffs.push('key differs');
  if (!eq(source.value, remote.value)) diffs.push('value differs');
  if (source.timestamp !== remote.timestamp) diffs.push(`timestamp ${source.timestamp} != ${remote.timestamp}`);
  const h = (r: ReadRecord) => JSON.stringify(r.headers.map(([k, v]) => [k, v.toString('base64')]));
  if (h(source) !== h(remote)) diffs.push(`headers ${h(source)} != ${h(remote)}`);
  return diffs;
}

/** Decodes commit-log events of records (throws on a record that is not one). */
export function events(records: readonly ReadRecord[]): CommitLogEvent[] {
  return records.map((r) => decodeCommitLogEvent(r.value));
}

/**
 * Checks that `seqs` is exactly `from, from+1, …, from+count−1`: returns human-readable problems
 * (missing, duplicated, out-of-order sequence numbers) — empty when contiguous.
 */
export function sequenceProblems(seqs: readonly number[], from: number, count: number): string[] {
  const problems: string[] = [];
  if (seqs.length !== count) problems.push(`expected ${count} records, found ${seqs.length}`);
  const seen = new Set<number>();
  const dups = new Set<number>();
  for (const s of seqs) (seen.has(s) ? dups : seen).add(s);
  if (dups.size) problems.push(`duplicated seq: ${[...dups].slice(0, 10).join(', ')}${dups.size > 10 ? ', …' : ''}`);
  const missing: number[] = [];
  for (let s = from; s < from + count; s++) if (!seen.has(s)) missing.push(s);
  if (missing.length) problems.push(`missing seq: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} (${missing.length} in all)`);
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i]! <= seqs[i - 1]!) {
      problems.push(`out of order at position ${i}: ${seqs[i - 1]} then ${seqs[i]}`);
      break;
    }
  }
  return problems;
}
