/**
 * Topic resets against the real local clusters (issue 4, DESIGN.md "topic reset"): a source topic
 * deleted and recreated under the same name has a new topic ID (KIP-516); the engine must detect it,
 * log the three reset lines, and mirror the new incarnation from its log start after the old records
 * already on the remote topic — never as the continuation of the old one, never skipping its first
 * records. Verification uses kafkajs and the raw rdkafka AdminClient, never the engine's clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { valuesOf } from '../testkit/cluster-reader.ts';
import type { EngineLogLine as LogLine } from '../testkit/engine-log.ts';
import { startEngine, type EngineHarness } from '../testkit/engine-harness.ts';
import { ResetVerifier, eventLines, runDeleteRecreateCycle, values } from '../testkit/reset-verifier.ts';
import { remoteOf, uniqueTopic } from '../testkit/test-clusters.ts';
import { sourceTopicId } from '../testkit/topic-id.ts';

let verifier: ResetVerifier;

beforeAll(async () => {
  verifier = await new ResetVerifier().connect();
});

afterAll(async () => {
  await verifier?.close();
});

/** Index of the first line of `event` for topic-partition, or -1. */
function indexOf(logs: readonly LogLine[], event: string, topic: string, partition: number): number {
  return logs.findIndex((l) => l.event === event && l.topic === topic && l.partition === partition);
}

/** Runs `body` with an engine mirroring `regex`; the engine is stopped and the topics dropped whatever happens. */
async function withEngine<T>(
  regex: string,
  extra: Record<string, string | number>,
  cleanup: { source: string[] },
  body: (h: EngineHarness) => Promise<T>,
): Promise<T> {
  const h = await startEngine(regex, extra);
  try {
    return await body(h);
  } catch (err) {
    // The engine's own account of what happened is the first thing to read when an assertion fails.
    console.error(`[topic-reset] engine log of the failed test:\n${h.logs.map((l) => JSON.stringify(l)).join('\n')}`);
    throw err;
  } finally {
    await h.stop();
    await verifier.deleteQuietly(cleanup.source, cleanup.source.map(remoteOf));
  }
}

describe('topic reset (delete + recreate)', () => {
  it('mirrors the new incarnation after the old records and logs detected -> handling -> recovered', async () => {
    const n = 200;
    const m = 150;
    const r = await runDeleteRecreateCycle(verifier, startEngine, { n, m });
    const { topic } = r;

    expect(r.newTopicId).not.toBe(r.oldTopicId);
    // Old N, then exactly the new M, in order: no duplicates, nothing skipped, nothing interleaved.
    expect(r.remoteValues).toEqual([...values('old', n), ...values('new', m)]);

    const detected = eventLines(r.logs, 'topic_reset_detected', topic, 0);
    const handling = eventLines(r.logs, 'topic_reset_handling', topic, 0);
    const recovered = eventLines(r.logs, 'topic_reset_recovered', topic, 0);
    expect([detected.length, handling.length, recovered.length]).toEqual([1, 1, 1]);
    expect(detected[0]).toMatchObject({
      level: 'warn',
      flow: 'primary->standby',
      topic,
      partition: 0,
      oldTopicId: r.oldTopicId,
      newTopicId: r.newTopicId,
      lastMirroredOffset: n - 1,
      msg: `Topic reset detected for ${topic}-0 (topic ID ${r.oldTopicId} -> ${r.newTopicId})`,
    });
    expect(handling[0]).toMatchObject({ level: 'info', flow: 'primary->standby', msg: `Handling topic reset for ${topic}-0. Seeking to beginning offset 0` });
    expect(recovered[0]).toMatchObject({ level: 'info', flow: 'primary->standby', newTopicId: r.newTopicId });
    expect(recovered[0]!.msg).toBe(`Successfully recovered from topic reset for ${topic}-0 in ${r.recoveryMs} ms`);
    expect(r.recoveryMs).toBeGreaterThanOrEqual(0);
    expect(r.recoveryMs).toBeLessThan(5000);
    const order = ['topic_reset_detected', 'topic_reset_handling', 'topic_reset_recovered'].map((e) => indexOf(r.logs, e, topic, 0));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    console.info(`[topic-reset] case 1: recoveryMs=${r.recoveryMs} (engine), ${r.endToEndMs} ms first new record -> all ${m} on remote`);
  });

  // The hard case (new > old: the new incarnation has records at the old position, which librdkafka
  // keeps fetching by name) and its mirror image (new < old: the old position is out of range, -140).
  for (const { name, oldCount, newCount } of [
    { name: 'hard case: deleted, recreated and refilled PAST the old offset between two periodic checks', oldCount: 100, newCount: 300 },
    { name: 'deleted, recreated and refilled to BELOW the old offset between two periodic checks', oldCount: 100, newCount: 60 },
  ]) {
    it(name, async () => {
      const topic = uniqueTopic('reset-hard');
      const remote = remoteOf(topic);
      await verifier.createTopic(topic, 1);
      const oldTopicId = await sourceTopicId(topic);
      // Periodic topic-ID check and topic refresh far away: only the fence / fetch-error paths can see the reset.
      await withEngine(topic, { 'topic.reset.check.interval.ms': 60_000, 'refresh.topics.interval.seconds': 3600 }, { source: [topic] }, async (h) => {
        await verifier.produce(topic, values('old', oldCount));
        await verifier.waitForRemote(remote, { 0: oldCount });
        const t0 = Date.now();
        await verifier.deleteTopic(topic);
        await verifier.createTopic(topic, 1);
        await verifier.produce(topic, values('new', newCount));
        const refilledMs = Date.now() - t0;
        const newTopicId = await sourceTopicId(topic);
        await verifier.waitForRemote(remote, { 0: oldCount + newCount }, 30_000);
        await h.waitForLog((l) => l.event === 'topic_reset_recovered' && l.topic === topic);
        await h.stop();

        expect(valuesOf((await verifier.readRemote(remote)).get(0))).toEqual([...values('old', oldCount), ...values('new', newCount)]);
        expect(eventLines(h.logs, 'topic_reset_detected', topic, 0)).toEqual([
          expect.objectContaining({ oldTopicId, newTopicId, lastMirroredOffset: oldCount - 1 }),
        ]);
        expect(eventLines(h.logs, 'topic_reset_handling', topic, 0)).toEqual([expect.objectContaining({ startOffset: 0 })]);
        console.info(
          `[topic-reset] hard case ${oldCount} -> ${newCount}: delete+recreate+refill took ${refilledMs} ms; topic_missing seen: ${eventLines(h.logs, 'topic_missing', topic).length > 0}`,
        );
      });
    });
  }

  it('recreated with MORE partitions: the new partitions are mirrored and the remote topic grows', async () => {
    const topic = uniqueTopic('reset-grow');
    const remote = remoteOf(topic);
    await verifier.createTopic(topic, 1);
    await withEngine(topic, {}, { source: [topic] }, async (h) => {
      await verifier.produce(topic, values('old', 50));
      await verifier.waitForRemote(remote, { 0: 50 });
      await verifier.deleteTopic(topic);
      await verifier.createTopic(topic, 3);
      for (const p of [0, 1, 2]) await verifier.produce(topic, values(`new-p${p}`, 40 + p), p);
      await verifier.waitForRemote(remote, { 0: 50 + 40, 1: 41, 2: 42 });
      await h.waitForLog((l) => l.event === 'topic_reset_recovered' && l.topic === topic);
      await h.stop();

      expect(await verifier.remotePartitionCount(remote)).toBe(3);
      const remoteRecords = await verifier.readRemote(remote);
      expect(valuesOf(remoteRecords.get(0))).toEqual([...values('old', 50), ...values('new-p0', 40)]);
      expect(valuesOf(remoteRecords.get(1))).toEqual(values('new-p1', 41));
      expect(valuesOf(remoteRecords.get(2))).toEqual(values('new-p2', 42));
      expect(eventLines(h.logs, 'topic_reset_detected', topic).map((l) => l.partition)).toEqual([0]);
      expect(h.logs.filter((l) => l.topic === topic && String(l.msg).startsWith('Mirroring new partition')).map((l) => l.partition)).toEqual([1, 2]);
    });
  });

  it('recreated with FEWER partitions: removed partitions are REMOVED with a warn line, their remote records stay', async () => {
    const topic = uniqueTopic('reset-shrink');
    const remote = remoteOf(topic);
    await verifier.createTopic(topic, 3);
    await withEngine(topic, {}, { source: [topic] }, async (h) => {
      for (const p of [0, 1, 2]) await verifier.produce(topic, values(`old-p${p}`, 30), p);
      await verifier.waitForRemote(remote, { 0: 30, 1: 30, 2: 30 });
      await verifier.deleteTopic(topic);
      await verifier.createTopic(topic, 1);
      const newTopicId = await sourceTopicId(topic);
      await verifier.produce(topic, values('new', 25));
      await verifier.waitForRemote(remote, { 0: 55 });
      await h.waitForLog((l) => l.event === 'topic_reset_recovered' && l.topic === topic);

      const removed = eventLines(h.logs, 'partition_removed', topic);
      expect(removed.map((l) => [l.level, l.partition, l.newTopicId])).toEqual([
        ['warn', 1, newTopicId],
        ['warn', 2, newTopicId],
      ]);
      const task = h.engine.tasks[0]!;
      expect(task.failed).toBeUndefined();
      const statuses = Object.fromEntries(task.snapshot().filter((s) => s.topic === topic).map((s) => [s.partition, s.status]));
      expect(statuses).toEqual({ 0: 'MIRRORING', 1: 'REMOVED', 2: 'REMOVED' });
      // Still running: more records on the surviving partition keep flowing.
      await verifier.produce(topic, values('new', 30).slice(25));
      await verifier.waitForRemote(remote, { 0: 60 });
      await h.stop();

      expect(await verifier.remotePartitionCount(remote)).toBe(3);
      const remoteRecords = await verifier.readRemote(remote);
      expect(valuesOf(remoteRecords.get(0))).toEqual([...values('old-p0', 30), ...values('new', 30)]);
      expect(valuesOf(remoteRecords.get(1))).toEqual(values('old-p1', 30));
      expect(valuesOf(remoteRecords.get(2))).toEqual(values('old-p2', 30));
    });
  });

  it('a topic that stays deleted: the engine keeps running and other topics keep flowing; recreation recovers', async () => {
    const gone = uniqueTopic('reset-gone');
    const other = uniqueTopic('reset-other');
    await verifier.createTopic(gone, 1);
    await verifier.createTopic(other, 1);
    await withEngine(`${gone}, ${other}`, {}, { source: [gone, other] }, async (h) => {
      await verifier.produce(gone, values('old', 20));
      await verifier.produce(other, values('a', 20));
      await verifier.waitForRemote(remoteOf(gone), { 0: 20 });
      await verifier.waitForRemote(remoteOf(other), { 0: 20 });
      const oldTopicId = await sourceTopicId(gone);

      await verifier.deleteTopic(gone);
      const missing = await h.waitForLog((l) => l.event === 'topic_missing' && l.topic === gone);
      expect(missing).toMatchObject({ level: 'warn', lastTopicId: oldTopicId });
      // The other topic keeps flowing, round after round, across several topic-ID checks and topic
      // refreshes (both every 1 s here) while the deleted topic stays deleted.
      const since = Date.now();
      let mirrored = 20;
      for (let round = 0; round < 3 || Date.now() - since < 2500; round++) {
        await verifier.produce(other, values(`r${round}`, 10));
        mirrored += 10;
        await verifier.waitForRemote(remoteOf(other), { 0: mirrored });
      }
      const task = h.engine.tasks[0]!;
      expect(task.failed).toBeUndefined();
      expect(task.snapshot().find((s) => s.topic === gone)?.status).toBe('WAITING_FOR_TOPIC');
      // Fail loudly, never spin: one warn line for the missing topic, not one per check.
      expect(eventLines(h.logs, 'topic_missing', gone)).toHaveLength(1);

      await verifier.createTopic(gone, 1);
      await verifier.produce(gone, values('new', 20));
      await verifier.waitForRemote(remoteOf(gone), { 0: 40 });
      await h.waitForLog((l) => l.event === 'topic_reset_recovered' && l.topic === gone);
      await h.stop();

      expect(valuesOf((await verifier.readRemote(remoteOf(gone))).get(0))).toEqual([...values('old', 20), ...values('new', 20)]);
      const otherValues = valuesOf((await verifier.readRemote(remoteOf(other))).get(0));
      expect(otherValues).toHaveLength(mirrored);
      expect(otherValues.slice(0, 20)).toEqual(values('a', 20));
      expect(new Set(otherValues).size).toBe(mirrored);
    });
  });

  it('reset while the engine is down: detected from the stored topic ID at start, new records follow the old', async () => {
    const topic = uniqueTopic('reset-offline');
    const remote = remoteOf(topic);
    const n = 120;
    const m = 80;
    await verifier.createTopic(topic, 1);
    const oldTopicId = await sourceTopicId(topic);
    await withEngine(topic, {}, { source: [topic] }, async (first) => {
      await verifier.produce(topic, values('old', n));
      await verifier.waitForRemote(remote, { 0: n });
      await first.stop(); // writes final progress (topic ID + next offset) to the target

      await verifier.deleteTopic(topic);
      await verifier.createTopic(topic, 1);
      const newTopicId = await sourceTopicId(topic);
      await verifier.produce(topic, values('new', m));

      const second = await startEngine(topic);
      try {
        await verifier.waitForRemote(remote, { 0: n + m });
        await second.waitForLog((l) => l.event === 'topic_reset_recovered' && l.topic === topic);
        await second.stop();
        expect(eventLines(second.logs, 'topic_reset_detected', topic, 0)).toEqual([
          expect.objectContaining({ level: 'warn', oldTopicId, newTopicId, lastMirroredOffset: n - 1 }),
        ]);
        expect(eventLines(second.logs, 'topic_reset_handling', topic, 0)).toEqual([expect.objectContaining({ startOffset: 0 })]);
        expect(valuesOf((await verifier.readRemote(remote)).get(0))).toEqual([...values('old', n), ...values('new', m)]);
      } finally {
        await second.stop();
      }
    });
  });
});
