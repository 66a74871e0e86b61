/**
 * Checkpoint staleness at default settings: the time from a consumer group's commit on the primary to
 * the checkpoint for it on the standby (`emit.checkpoints.interval.seconds` = 5,
 * `refresh.groups.interval.seconds` = 5; MM2's defaults are 60 and 600).
 *
 *   npx tsx scenarios/measure-checkpoint-staleness.ts [--commits 12]
 *
 * Against the local clusters with an in-process engine (default checkpoint settings) mirroring a fresh
 * topic of 1000 records. A new group commits offset 50, then 100, … at random moments (0–5 s apart, so
 * commits land anywhere in the checkpoint cycle). Staleness = the checkpoint record's timestamp on the
 * standby − the moment the commit was acknowledged on the primary (same host clock). The first commit
 * of the group also waits for the group to be discovered (reported separately). Prints each commit and
 * a JSON summary (min / median / p90 / max).
 */
import { parseArgs } from 'node:util';
import Kafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer } from '@confluentinc/kafka-javascript';
import { translateOffsets } from '../engine/index.ts';
import { startEngine } from '../testkit/engine-harness.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

const { values } = parseArgs({ options: { commits: { type: 'string', default: '12' } } });
const COMMITS = Number(values.commits);

async function commit(group: string, topic: string, offset: number): Promise<number> {
  const c: KafkaConsumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': PRIMARY, 'group.id': group, 'enable.auto.commit': false } as never, {});
  await new Promise<void>((resolve, reject) => c.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    c.commitSync([{ topic, partition: 0, offset }]);
    return Date.now();
  } finally {
    await new Promise<void>((resolve) => c.disconnect(() => resolve()));
  }
}

const topic = uniqueTopic('measure-staleness');
const admin = kafkajsClient(PRIMARY).admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
const engine = await startEngine(`^${topic}$`); // checkpoint settings at their defaults
const producer = kafkajsClient(PRIMARY).producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
await producer.send({ topic, messages: Array.from({ length: 1000 }, (_, i) => ({ partition: 0, value: `seq-${i}` })) });
await producer.disconnect();
const target = kafkajsClient(STANDBY).admin();
await target.connect();
await waitFor(async () => Number((await target.fetchTopicOffsets(`primary.${topic}`).catch(() => []))[0]?.high ?? 0) >= 1000, { timeoutMs: 60_000, message: '1000 records mirrored' });
await target.disconnect();

const group = uniqueTopic('measure-staleness-group');
const samples: { offset: number; stalenessMs: number; firstOfGroup: boolean }[] = [];
for (let i = 1; i <= COMMITS; i++) {
  const offset = i * 50;
  const committedAt = await commit(group, topic, offset);
  const cp = await waitFor(
    async () => (await translateOffsets({ targetBootstrap: STANDBY, sourceAlias: 'primary', groupId: group })).find((c) => c.upstreamOffset === offset),
    { timeoutMs: 60_000, intervalMs: 50, message: `the checkpoint of offset ${offset}` },
  );
  const s = { offset, stalenessMs: cp.checkpointedAtMs - committedAt, firstOfGroup: i === 1 };
  samples.push(s);
  console.log(`commit ${offset}: checkpoint after ${s.stalenessMs} ms${s.firstOfGroup ? ' (new group: includes group discovery)' : ''}`);
  await new Promise((r) => setTimeout(r, Math.random() * 5000));
}
await engine.stop();
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();

const later = samples.filter((s) => !s.firstOfGroup).map((s) => s.stalenessMs).sort((a, b) => a - b);
const q = (p: number) => later[Math.min(later.length - 1, Math.floor(p * later.length))];
console.log(JSON.stringify({ measuredAt: new Date().toISOString(), emitCheckpointsIntervalMs: 5000, newGroupMs: samples[0]?.stalenessMs, commits: later.length, minMs: later[0], medianMs: q(0.5), p90Ms: q(0.9), maxMs: later.at(-1) }));
process.exit(0);
