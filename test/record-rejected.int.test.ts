/**
 * No hole on the target (DESIGN.md invariant 7, issue 12 item 1) against the real local clusters: the
 * remote topic is pre-created with Kafka's default `max.message.bytes` (1 048 588), the source topic
 * takes 10 MB, and 2 MiB records sit between small ones (`pre-0, pre-1, <2 MiB>, post-0, post-1`).
 * Before the fix the target ended up with `pre-0, pre-1, post-0, post-1` (the idempotent producer
 * renumbered the records after the rejected batch and wrote them), then the engine exited 1.
 * Now: under `record.rejected.policy=fail` (default) the remote partition holds exactly `pre-0, pre-1`
 * and `kafka-mirror` exits 6 naming the record, both limits and the settings; under `skip` the remote
 * holds `pre-0, pre-1, post-0, post-1` and each skipped record is an error line and a gap in the progress.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, RecordRejectedError, parseMirrorConfig, silentLogger } from '../engine/index.ts';
import { ProgressStore, type ProgressRecord } from '../engine/testing.ts';
import { valuesByPartition, valuesOf } from '../testkit/cluster-reader.ts';
import { startEngine, testProperties } from '../testkit/engine-harness.ts';
import { EngineProcess } from '../testkit/engine-process.ts';
import { remoteOf, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { useMirrorFixture } from './mirror-fixture.ts';

const f = useMirrorFixture();

/** 2 MiB: above the remote topic's default max.message.bytes (1 048 588) and librdkafka's message.max.bytes (1 000 000). */
const LARGE_BYTES = 2 * 1024 * 1024;
/** Kafka's default topic max.message.bytes (the pre-created remote topic has no override). */
const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** `standby.producer.max.request.size` (Java name, translated to librdkafka's message.max.bytes): the producer sends the large records, the broker rejects them. */
const PRODUCER_MAX_REQUEST_SIZE = 10 * 1024 * 1024;
/** Every test: remote topic configs are not synced (the source's 10 MB limit would be copied over the remote's). */
const BASE_PROPS = { 'sync.topic.configs.enabled': 'false' } as const;

/** Readable values: a large record shows as `<large>`. */
function shown(values: readonly (string | null)[]): (string | null)[] {
  return values.map((v) => (v !== null && v.length >= LARGE_BYTES ? '<large>' : v));
}

/**
 * Source topic (2 partitions, max.message.bytes 10 MB) and its pre-created remote topic (defaults).
 * Partition 0: `pre-0, pre-1`, `large` records of 2 MiB, `post-0, post-1`. Partition 1: 200 small records
 * produced alongside, so records of another partition are in flight when partition 0's large record is rejected.
 */
async function scenario(large = 1): Promise<string> {
  const topic = uniqueTopic('rejected');
  f.topics.push(topic);
  await f.source.admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: '10485760' }] }], waitForLeaders: true });
  await f.target.admin.createTopics({ topics: [{ topic: remoteOf(topic), numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  const big = Array.from({ length: large }, (_, i) => ({ partition: 0, value: String.fromCharCode(65 + i).repeat(LARGE_BYTES) }));
  const p0 = [{ partition: 0, value: 'pre-0' }, { partition: 0, value: 'pre-1' }, ...big, { partition: 0, value: 'post-0' }, { partition: 0, value: 'post-1' }];
  const p1 = Array.from({ length: 200 }, (_, i) => ({ partition: 1, value: `p1-${i}` }));
  await f.producer.send({ topic, acks: -1, messages: [...p1.slice(0, 100), ...p0, ...p1.slice(100)] });
  return topic;
}

/** The progress records of `topic` (both partitions), read with a fresh ProgressStore from the target. */
async function storedProgress(topic: string): Promise<ProgressRecord[]> {
  const flow = parseMirrorConfig(testProperties(topic)).config.flows[0]!;
  const store = new ProgressStore({ topic: flow.replicationPolicy.progressTopic(flow.sourceAlias), sourceCluster: flow.sourceAlias, target: flow.target, replicationFactor: 1, logger: silentLogger() });
  await store.load();
  return [0, 1].map((p) => store.incarnations(topic, p).at(-1)!);
}

describe('a record the target rejects', () => {
  it('policy fail (default), rejected by the broker: the remote partition holds exactly pre-0, pre-1; kafka-mirror exits 6 naming the record, both limits and the settings; progress exact for both partitions', async () => {
    const topic = await scenario();
    const engine = EngineProcess.inTempDir(`^${topic}$`, { ...BASE_PROPS, 'standby.producer.max.request.size': PRODUCER_MAX_REQUEST_SIZE });
    try {
      await engine.start({ allowEarlyExit: true });
      const code = await engine.waitForExit(60_000);
      const remote = await f.target.readAll(remoteOf(topic));

      expect(shown(valuesOf(remote.get(0)))).toEqual(['pre-0', 'pre-1']);
      expect(code).toBe(EXIT_CODES.RECORD_REJECTED);
      const lines = engine.logLines();
      const event = lines.find((l) => l.event === 'record_rejected');
      expect(event).toMatchObject({
        level: 'error', topic, partition: 0, offset: 2, bytes: LARGE_BYTES, remoteTopic: remoteOf(topic), rejectedBy: 'broker', errorCode: 10,
        remoteMaxMessageBytes: KAFKA_DEFAULT_MAX_MESSAGE_BYTES, producerMaxMessageBytes: PRODUCER_MAX_REQUEST_SIZE, policy: 'fail',
      });
      const stopping = lines.find((l) => l.level === 'error' && l.code === 'RECORD_REJECTED' && l.msg.startsWith('Mirror task primary->standby stopping'));
      expect(stopping?.msg).toContain(`The target rejected record ${topic}-0@2 (${LARGE_BYTES} bytes of key and value) for ${remoteOf(topic)}-0: Broker: Message size too large.`);
      expect(stopping?.msg).toContain(`Limits: remote topic ${remoteOf(topic)} max.message.bytes = ${KAFKA_DEFAULT_MAX_MESSAGE_BYTES}, target producer message.max.bytes = ${PRODUCER_MAX_REQUEST_SIZE}.`);
      expect(stopping?.msg).toContain(`Raise max.message.bytes on ${remoteOf(topic)} and standby.producer.max.request.size above the record`);
      expect(lines.find((l) => l.msg.startsWith('kafka-mirror stopped'))).toMatchObject({ exitCode: EXIT_CODES.RECORD_REJECTED });

      // Progress is exact for both partitions: what the target holds, no more, no less.
      const [p0, p1] = await storedProgress(topic);
      expect(p0!.nextOffset).toBe(2);
      expect(p1!.nextOffset).toBe(remote.get(1)!.length);
      expect(valuesOf(remote.get(1))).toEqual(Array.from({ length: p1!.nextOffset }, (_, i) => `p1-${i}`)); // a prefix too
    } finally {
      await engine.dispose();
    }
  });

  it('policy fail, refused by the producer (librdkafka message.max.bytes 1 000 000): the same prefix and RecordRejectedError, rejectedBy producer', async () => {
    const topic = await scenario();
    const h = await startEngine(`^${topic}$`, BASE_PROPS);
    f.engines.push(h);
    const outcome = await h.engine.done();
    const remote = await f.target.readAll(remoteOf(topic));

    expect(shown(valuesOf(remote.get(0)))).toEqual(['pre-0', 'pre-1']);
    expect(outcome.status).toBe('failed');
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(RecordRejectedError);
    expect(error).toMatchObject({ code: 'RECORD_REJECTED', topic, partition: 0, offset: 2, bytes: LARGE_BYTES, rejectedBy: 'producer', producerMaxMessageBytes: 1_000_000, remoteMaxMessageBytes: KAFKA_DEFAULT_MAX_MESSAGE_BYTES });
    expect((error as Error).message).toContain(`The target producer refused record ${topic}-0@2`);
  });

  it('policy skip: the remote partition holds pre-0, pre-1, post-0, post-1; each skipped record is an error line and a gap stored with the progress; the flow goes on', async () => {
    const topic = await scenario(2);
    const h = await startEngine(`^${topic}$`, { ...BASE_PROPS, 'record.rejected.policy': 'skip', 'standby.producer.max.request.size': PRODUCER_MAX_REQUEST_SIZE });
    f.engines.push(h);
    await f.target.waitForHighWatermarks(remoteOf(topic), (hw) => hw.get(0) === 4 && hw.get(1) === 200, `${remoteOf(topic)} to hold 4 and 200 records`);
    const skipped = await waitFor(() => (h.logs.filter((l) => l.event === 'record_rejected_skipped').length === 2 ? h.logs.filter((l) => l.event === 'record_rejected_skipped') : undefined), {
      message: 'two record_rejected_skipped lines',
    });
    await h.stop();
    const remote = await f.target.readAll(remoteOf(topic));

    expect(valuesByPartition(remote)).toEqual({ 0: ['pre-0', 'pre-1', 'post-0', 'post-1'], 1: Array.from({ length: 200 }, (_, i) => `p1-${i}`) });
    expect(skipped).toEqual([
      expect.objectContaining({ level: 'error', topic, partition: 0, offset: 2, bytes: LARGE_BYTES, errorCode: 10, policy: 'skip', remoteMaxMessageBytes: KAFKA_DEFAULT_MAX_MESSAGE_BYTES }),
      expect.objectContaining({ level: 'error', topic, partition: 0, offset: 3, bytes: LARGE_BYTES, errorCode: 10, policy: 'skip' }),
    ]);
    expect(skipped[0]!.msg).toBe(`Skipped record ${topic}-0@2 (${LARGE_BYTES} bytes) that the target rejects: Broker: Message size too large; recorded as a gap, mirroring resumes at offset 3 (record.rejected.policy=skip)`);
    expect(h.engine.tasks[0]?.failed).toBeUndefined();
    const [p0, p1] = await storedProgress(topic);
    expect(p0).toMatchObject({
      nextOffset: 6,
      gaps: [
        expect.objectContaining({ expectedOffset: 2, logStartOffset: 3, gap: 1, reason: 'record-rejected', acknowledgedBy: 'record-rejected-policy', bytes: LARGE_BYTES, error: 'Broker: Message size too large' }),
        expect.objectContaining({ expectedOffset: 3, logStartOffset: 4, gap: 1, reason: 'record-rejected', acknowledgedBy: 'record-rejected-policy' }),
      ],
    });
    expect(p1).toMatchObject({ nextOffset: 200, gaps: [] });
  });
});
