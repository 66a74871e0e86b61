/**
 * A would-be zombie for test/transaction-fencing.int.test.ts, run as its own process so the test can freeze
 * it (SIGSTOP) past its session timeout: it joins group `<group>` on `<bootstrap>` through the engine's
 * membership consumer (subscribed to `<topic>`), opens a transaction with the engine's transactional target
 * producer (`<transactional.id>`), produces one record `zombie` to `<topic>` partition 0 inside it, and says
 * `{"event":"ready"}`. When its event loop notices it was frozen (a timer gap above 2 s) it at once tries to
 * commit — `sendOffsetsToTransaction` with its (now stale) group metadata, then `commitTransaction` — and
 * prints `{"event":"commit","ok":…,"stage":…,"kafkaCode":…,"message":…}`, then exits.
 *
 * With `broker-only` the local lost-assignment check is switched off, so only the group coordinator judges.
 * With `KME_DATA_PATH=batches` the producer is the batch path's transactional producer (engine/kafka/batch/
 * batch-record-producer.ts: its own AddPartitionsToTxn / TxnOffsetCommit / EndTxn, the member id and generation
 * followed from the membership consumer's log), as an exactly-once flow on the batch path has it.
 *
 * Usage: node --import tsx/esm test/zombie-committer.ts <bootstrap> <group> <topic> <transactional.id> [broker-only]
 */
import { TransactionError } from '../engine/core/errors.ts';
import { BatchClient, BatchProducer, batchRecordProducerFactory, groupMembershipFactory, silentLogger, targetProducerFactory, type ClusterClientSettings } from '../engine/testing.ts';
import { testDataPath } from '../testkit/data-path.ts';

const [bootstrap, groupId, topic, transactionalId, mode] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const say = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const cluster: ClusterClientSettings = { alias: 'standby', bootstrapServers: bootstrap, client: {}, consumer: {}, producer: {}, admin: {} };

let assigned: () => void;
const firstAssignment = new Promise<void>((r) => (assigned = r));
const batches = testDataPath() === 'batches';
const membership = await groupMembershipFactory(cluster, 'zombie-group', { groupId, protocol: 'classic', sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000, trackMemberMetadata: batches }, silentLogger())({
  onAssigned: (partitions) => {
    if (partitions.length > 0) assigned();
    return Promise.resolve();
  },
  onRevoked: (_partitions, lost) => Promise.resolve(void say({ event: 'revoked', lost })),
  onFailure: (error) => say({ event: 'failure', message: error.message }),
});
membership.subscribe([topic]);
await firstAssignment;
const settings = { transactionalId, transactionTimeoutMs: 60_000 };
const batchSink = batches ? new BatchProducer(new BatchClient({ bootstrap, clientId: 'zombie-producer' }), settings) : undefined;
const producer = await (batchSink ? batchRecordProducerFactory(() => batchSink) : targetProducerFactory(cluster, 'zombie-producer', settings))({ onDelivery: () => undefined });
producer.produce(topic, { topic, partition: 0, offset: 0, key: null, value: Buffer.from('zombie'), timestamp: Date.now(), headers: [] });
await producer.awaitReports(10_000, () => 0);
say({ event: 'ready' });

let last = Date.now();
const timer = setInterval(() => {
  const now = Date.now();
  const gap = now - last;
  last = now;
  if (gap < 2000) return;
  clearInterval(timer);
  void (async () => {
    try {
      const group = membership.transactionGroup!()!;
      await producer.transactions!.commit([{ topic, partition: 0, offset: 1 }], mode === 'broker-only' ? { ...group, lost: () => false } : group, 10_000);
      say({ event: 'commit', ok: true, gapMs: gap });
    } catch (err) {
      const e = err as TransactionError;
      say({ event: 'commit', ok: false, gapMs: gap, stage: e.stage, kafkaCode: e.kafkaCode, message: e.message });
      await producer.transactions!.abort(10_000).catch(() => undefined);
    }
    await producer.disconnect(0);
    await batchSink?.close();
    await membership.leave();
    process.exit(0);
  })();
}, 50);
