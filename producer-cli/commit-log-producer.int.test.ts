/**
 * produceCommitLog and the binary against the real primary cluster, verified with the independent
 * kafkajs client (testkit/test-clusters.ts): every seq exactly once, partition = seq % partitions, ascending
 * per partition, headers in order, timestamp = producedAt.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { IHeaders } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { PRIMARY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { decodeCommitLogRecord, type CommitLogEvent } from './commit-log-event.ts';
import { produceCommitLog } from './commit-log-producer.ts';
import { maximumSizeBytes } from './record-limits.ts';

const BIN = fileURLToPath(new URL('../bin/commit-log-producer.js', import.meta.url));
const kafka = kafkajsClient(PRIMARY);
const admin = kafka.admin();
const createdTopics: string[] = [];

afterAll(async () => {
  await admin.connect();
  await admin.deleteTopics({ topics: createdTopics }).catch(() => undefined);
  await admin.disconnect();
});

interface ReadRecord {
  partition: number;
  offset: number;
  event: CommitLogEvent;
  headerNames: string[];
}

/** kafkajs folds headers into an object; its keys keep wire order, and a repeated key becomes an array. */
function headerPairs(headers: IHeaders | undefined): Array<[string, string]> {
  return Object.entries(headers ?? {}).map(([name, v]) => [name, Array.isArray(v) ? `<repeated ${v.length}×>` : String(v)]);
}

/** Reads `expected` records of `topic` from the beginning with a throwaway kafkajs consumer group. */
async function readTopic(topic: string, expected: number): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: uniqueTopic('verify') });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers = headerPairs(message.headers);
        const event = decodeCommitLogRecord({ key: message.key, value: message.value, timestamp: message.timestamp, headers });
        records.push({ partition, offset: Number(message.offset), event, headerNames: headers.map(([name]) => name) });
      },
    });
    await waitFor(() => records.length >= expected, { timeoutMs: 60_000, message: `${expected} records on ${topic} (have ${records.length})` });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

async function highWatermarkTotal(topic: string): Promise<number> {
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, '--broker', PRIMARY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, output, exited };
}

describe('produceCommitLog (real cluster)', () => {
  it('writes seq 0..199 once each to partition seq % 3, in order, with intact headers and timestamps', async () => {
    const topic = uniqueTopic('commit-log');
    createdTopics.push(topic);
    const progress: number[] = [];
    const summary = await produceCommitLog(
      { bootstrapServers: PRIMARY, topic, count: 200, partitions: 3, runId: 'int-run', sizeBytes: 512 },
      { onProgress: (p) => progress.push(p.delivered) },
    );
    expect(summary).toMatchObject({ topic, runId: 'int-run', partitionCount: 3, topicCreated: true, requested: 200, sent: 200, records: 200, failed: 0, unconfirmed: 0, bytes: 200 * 512, interrupted: false });
    expect(summary.partitions.map((p) => p.records)).toEqual([67, 67, 66]);
    expect(progress.at(-1)).toBe(200);

    const records = await readTopic(topic, 200);
    const seqs = records.map((r) => r.event.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i)); // the whole set, no duplicates
    for (const r of records) {
      expect(r.partition).toBe(r.event.seq % 3);
      expect(r.headerNames).toEqual(['seq', 'run-id', 'producer']);
      expect(r.event.runId).toBe('int-run');
    }
    for (let partition = 0; partition < 3; partition++) {
      const inPartition = records.filter((r) => r.partition === partition).sort((a, b) => a.offset - b.offset);
      const partSeqs = inPartition.map((r) => r.event.seq);
      expect(partSeqs).toEqual([...partSeqs].sort((a, b) => a - b));
      expect(inPartition.map((r) => r.offset)).toEqual(inPartition.map((_, i) => i)); // contiguous from 0
      const reported = summary.partitions.find((p) => p.partition === partition);
      expect(reported).toMatchObject({ firstOffset: 0, lastOffset: inPartition.length - 1 });
    }
    // decodeCommitLogRecord already checked timestamp === producedAt for every record.
  });

  it('keeps an existing topic and its partition count', async () => {
    const topic = uniqueTopic('commit-log');
    createdTopics.push(topic);
    await produceCommitLog({ bootstrapServers: PRIMARY, topic, count: 1, partitions: 2 });
    const summary = await produceCommitLog({ bootstrapServers: PRIMARY, topic, count: 10, partitions: 5, startSeq: 1 });
    expect(summary).toMatchObject({ topicCreated: false, partitionCount: 2, records: 10 });
    expect(await highWatermarkTotal(topic)).toBe(11);
  });
});

describe('commit-log-producer binary (real cluster)', () => {
  it('--count 50 --rate 500 exits 0 and prints the summary', async () => {
    const topic = uniqueTopic('commit-log-cli');
    createdTopics.push(topic);
    const { output, exited } = spawnCli(['--topic', topic, '--count', '50', '--rate', '500']);
    const code = await exited;
    expect(output.stderr).toBe('');
    expect(code).toBe(0);
    expect(output.stdout).toMatch(new RegExp(`^producing 50 records to ${topic} on ${PRIMARY.replaceAll('.', '\\.')}: created topic, 1 partition, run_id=`));
    expect(output.stdout).toMatch(/^summary: records=50 failed=0 mb=0\.00 elapsed_s=\d+\.\d\d records_per_sec=\d+(\.\d)? mb_per_sec=\d+\.\d\d topic=\S+ run_id=\S+$/m);
    // 50 records at 500/s cannot finish much faster than 98 ms (first record is immediate).
    const elapsed = Number(/elapsed_s=(\S+)/.exec(output.stdout)?.[1]);
    expect(elapsed).toBeGreaterThanOrEqual(0.09);
    expect(await highWatermarkTotal(topic)).toBe(50);
  });

  it('the largest --size the flags accept is produced and read back at exactly that size', async () => {
    const topic = uniqueTopic('commit-log-maxsize');
    createdTopics.push(topic);
    const size = maximumSizeBytes(1, 'max-size-run', 'key-'); // seq 0..1: the key and seq header of seq 1
    const { output, exited } = spawnCli(['--topic', topic, '--count', '2', '--run-id', 'max-size-run', '--size', String(size), '--quiet']);
    expect(await exited).toBe(0);
    expect(output.stdout).toMatch(/^summary: records=2 failed=0 /m);
    const records = await readTopic(topic, 2);
    expect(records.map((r) => Buffer.byteLength(JSON.stringify(r.event)))).toEqual([size, size]);
  });

  it.each([
    ['--size', ['--count', '5', '--size', '999999999']],
    ['--partitions', ['--count', '5', '--partitions', '1000000']],
  ])('%s beyond what Kafka takes exits 2 naming the flag and creates no topic', async (flag, args) => {
    const topic = uniqueTopic('commit-log-refused');
    const { output, exited } = spawnCli(['--topic', topic, ...args]);
    expect(await exited).toBe(2);
    expect(output.stdout).toBe('');
    expect(output.stderr).toMatch(new RegExp(`^error: ${flag} must be an integer from .*, got '${args.at(-1)}'\n$`));
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('SIGINT stops producing, awaits what was sent, prints the summary and exits 130', async () => {
    const topic = uniqueTopic('commit-log-sigint');
    createdTopics.push(topic);
    const { child, output, exited } = spawnCli(['--topic', topic, '--count', '1000000', '--rate', '300']);
    await waitFor(() => output.stdout.includes('produced '), { timeoutMs: 30_000, message: 'a progress line' });
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    const records = Number(/^summary: records=(\d+) failed=0 .* requested=1000000 interrupted=true$/m.exec(output.stdout)?.[1]);
    expect(records).toBeGreaterThan(0);
    expect(await highWatermarkTotal(topic)).toBe(records); // every confirmed record is there, nothing unreported
  });
});
