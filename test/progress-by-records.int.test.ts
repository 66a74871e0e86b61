/**
 * `progress.flush.max.records` against the real local clusters (issue 15: at-least-once duplicates bounded
 * by records, not only by time). With the timer far away (`progress.flush.interval.ms` = 10 min), every
 * progress record written while records flow is a record-count write: the progress topic on the target
 * (read with kafkajs) must move every at most N acknowledged records once the offset sync of the
 * partition's first record is written (progress never passes a sync before that), and be less than N
 * behind once everything is mirrored — before the engine stops (the final flush would hide a missing trigger).
 */
import { describe, expect, it } from 'vitest';
import { startEngine } from '../testkit/engine-harness.ts';
import { PROGRESS_TOPIC } from '../testkit/progress-records.ts';
import { remoteOf, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { useMirrorFixture } from './mirror-fixture.ts';

const f = useMirrorFixture();

const N = 100;
const RECORDS = 1000;

/** nextOffset of every progress record of `topic`-`partition`, in the order written. */
async function progressPositions(topic: string, partition: number): Promise<number[]> {
  const records = await f.target.readRecords(PROGRESS_TOPIC);
  return records
    .filter((r) => r.key && r.value)
    .map((r) => ({ key: JSON.parse(r.key!.toString('utf8')) as { topic: string; partition: number }, value: JSON.parse(r.value!.toString('utf8')) as { nextOffset: number } }))
    .filter((r) => r.key.topic === topic && r.key.partition === partition)
    .map((r) => r.value.nextOffset);
}

describe('progress.flush.max.records (real clusters)', () => {
  it(`stores a partition's progress every ${N} acknowledged records while the timer is 10 minutes away`, async () => {
    const topic = `${uniqueTopic('pbr')}-data`;
    f.topics.push(topic);
    await f.source.admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    // Offset syncs only at each partition's first record (10-minute interval): progress waits for that one
    // sync, then follows every N records.
    f.engines.push(await startEngine(`^${topic}$`, { 'progress.flush.max.records': N, 'progress.flush.interval.ms': 600_000, 'offset-syncs.interval.ms': 600_000 }));

    // Sent in batches of 50 per partition, so acknowledgements arrive in many small steps, as in a stream.
    for (let sent = 0; sent < RECORDS; sent += 50) {
      await f.producer.send({ topic, acks: -1, messages: [0, 1].flatMap((partition) => Array.from({ length: 50 }, (_, i) => ({ partition, value: `${partition}:${sent + i}` }))) });
    }
    await f.target.waitForHighWatermarks(remoteOf(topic), (hw) => hw.get(0) === RECORDS && hw.get(1) === RECORDS, `${RECORDS} records per partition mirrored`);

    for (const partition of [0, 1]) {
      // The last trigger fires when the acknowledged position is N past the previous write: wait for it, not for the timer.
      const positions = await waitFor(
        async () => {
          const p = await progressPositions(topic, partition);
          return p.length > 0 && RECORDS - p.at(-1)! < N ? p : undefined;
        },
        { timeoutMs: 20_000, message: `progress of ${topic}-${partition} less than ${N} behind ${RECORDS}` },
      );
      // positions[0]: the start (0); positions[1]: the first write after the first record's offset sync was
      // acknowledged (its producer connects first: that wait is the sync's, not bounded by N); then every N.
      const steady = positions.slice(1);
      steady.slice(1).forEach((p, i) => {
        expect(p, `write ${i + 2} of ${topic}-${partition}: ${positions.join(', ')}`).toBeGreaterThan(steady[i]!);
        expect(p - steady[i]!, `step ${i + 2} of ${topic}-${partition}: ${positions.join(', ')}`).toBeLessThanOrEqual(N);
      });
      expect(positions.length).toBeGreaterThanOrEqual(RECORDS / N - 3);
      expect(positions.length).toBeLessThanOrEqual(RECORDS / N + 2);
    }
  });
});
