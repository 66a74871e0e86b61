/**
 * Offset-sync volume: syncs written per 10 000 mirrored records, for a plain topic and for a
 * transactional one (each commit marker shifts upstream − downstream by one, so exact translation
 * needs a sync per transaction).
 *
 *   npx tsx scenarios/measure-offset-syncs.ts [--records 10000] [--txn-sizes 100,10] [--rate 1000]
 *
 * Against the local clusters, with an in-process engine at default offset-sync settings
 * (`offset-syncs.interval.ms` = 1000) per case, each on a fresh one-partition topic:
 * - plain, as fast as the producer goes; plain, paced at `--rate` records/s (interval syncs show);
 * - transactional, `--txn-sizes` records per committed transaction.
 * Counts the records of `mm2-offset-syncs.standby.internal` (on the primary) for the case's topic after
 * the engine stopped (its shutdown sync included), split into syncs and boundary markers.
 * Prints one line per case and a JSON summary.
 */
import { parseArgs } from 'node:util';
import Kafka from '@confluentinc/kafka-javascript';
import type { Producer } from '@confluentinc/kafka-javascript';
import { decodeOffsetSync } from '../engine/index.ts';
import { readInternalTopic } from '../engine/testing.ts';
import { startEngine } from '../testkit/engine-harness.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

interface Case {
  name: string;
  records: number;
  syncs: number;
  markers: number;
  syncsPer10k: number;
  durationMs: number;
}

const { values } = parseArgs({ options: { records: { type: 'string', default: '10000' }, 'txn-sizes': { type: 'string', default: '100,10' }, rate: { type: 'string', default: '1000' } } });
const RECORDS = Number(values.records);
const TXN_SIZES = values['txn-sizes']!.split(',').map(Number);
const RATE = Number(values.rate);
const SYNCS_TOPIC = 'mm2-offset-syncs.standby.internal';

async function connect(conf: Record<string, unknown>): Promise<Producer> {
  const p = new Kafka.Producer({ 'bootstrap.servers': PRIMARY, 'linger.ms': 5, ...conf } as never);
  await new Promise<void>((resolve, reject) => p.connect({}, (err) => (err ? reject(err) : resolve())));
  p.setPollInBackground(true);
  return p;
}

const call = (fn: (cb: (err: unknown) => void) => void) => new Promise<void>((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));

async function producePlain(topic: string, ratePerSec: number | undefined): Promise<void> {
  const p = await connect({ 'enable.idempotence': true });
  const t0 = Date.now();
  for (let i = 0; i < RECORDS; i++) {
    p.produce(topic, 0, Buffer.from(`seq-${i}`), `k-${i}`);
    if (ratePerSec && i % 10 === 9) {
      const due = t0 + ((i + 1) * 1000) / ratePerSec;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
  }
  await call((cb) => p.flush(30_000, cb as never));
  await new Promise<void>((resolve) => p.disconnect(() => resolve()));
}

async function produceTransactional(topic: string, perTxn: number): Promise<void> {
  const p = await connect({ 'transactional.id': uniqueTopic('measure-txn') });
  await call((cb) => p.initTransactions(10_000, cb as never));
  for (let i = 0; i < RECORDS; i += perTxn) {
    await call((cb) => p.beginTransaction(cb as never));
    for (let j = i; j < Math.min(RECORDS, i + perTxn); j++) p.produce(topic, 0, Buffer.from(`seq-${j}`), `k-${j}`);
    await call((cb) => p.commitTransaction(30_000, cb as never));
  }
  await new Promise<void>((resolve) => p.disconnect(() => resolve()));
}

async function measure(name: string, produce: (topic: string) => Promise<void>): Promise<Case> {
  const topic = uniqueTopic(`measure-syncs-${name}`);
  const admin = kafkajsClient(PRIMARY).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  const engine = await startEngine(`^${topic}$`);
  const t0 = Date.now();
  try {
    await produce(topic);
    const target = kafkajsClient(STANDBY).admin();
    await target.connect();
    await waitFor(async () => {
      const offsets = await target.fetchTopicOffsets(`primary.${topic}`).catch(() => []);
      return Number(offsets[0]?.high ?? 0) >= RECORDS;
    }, { timeoutMs: 120_000, message: `${RECORDS} records mirrored` });
    await target.disconnect();
  } finally {
    await engine.stop();
  }
  const durationMs = Date.now() - t0;
  let syncs = 0;
  let markers = 0;
  let previous: string | undefined;
  await readInternalTopic({ alias: 'primary', bootstrapServers: PRIMARY, client: {}, consumer: {}, producer: {}, admin: {} }, SYNCS_TOPIC, (r) => {
    const s = decodeOffsetSync(r.key, r.value);
    if (s.topic !== topic) return;
    const current = `${s.upstreamOffset}/${s.downstreamOffset}`;
    if (current === previous) markers++;
    else syncs++;
    previous = current;
  });
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  const kafkajsTarget = kafkajsClient(STANDBY).admin();
  await kafkajsTarget.connect();
  await kafkajsTarget.deleteTopics({ topics: [`primary.${topic}`] }).catch(() => undefined);
  await kafkajsTarget.disconnect();
  return { name, records: RECORDS, syncs, markers, syncsPer10k: Math.round((syncs * 10_000 * 10) / RECORDS) / 10, durationMs };
}

const cases: Case[] = [];
cases.push(await measure('plain-fast', (t) => producePlain(t, undefined)));
cases.push(await measure(`plain-${RATE}ps`, (t) => producePlain(t, RATE)));
for (const n of TXN_SIZES) cases.push(await measure(`txn-${n}`, (t) => produceTransactional(t, n)));
for (const c of cases) console.log(`${c.name.padEnd(16)} records=${c.records} syncs=${c.syncs} markers=${c.markers} syncs_per_10k=${c.syncsPer10k} duration_ms=${c.durationMs}`);
console.log(JSON.stringify({ measuredAt: new Date().toISOString(), cases }));
process.exit(0);
