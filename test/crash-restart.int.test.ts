/**
 * Crash safety (DESIGN.md invariant 4) with the engine as operators run it: a child process
 * (`node bin/kafka-mirror.js --config … --log-file …`) is killed with SIGKILL while records are being
 * produced and mirrored, then restarted. Every produced record must reach the remote topic; duplicates
 * are allowed only as one re-mirrored window per partition that starts at or after the last progress
 * record durable on the target at the time of the kill; outside that window order is the source order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterReader, TopicTail, valuesOf, type ReadRecord } from '../testkit/cluster-reader.ts';
import { ContinuousLoad, splitAtResume } from '../testkit/continuous-load.ts';
import { EngineProcess } from '../testkit/engine-process.ts';
import { PROGRESS_TOPIC, latestProgress } from '../testkit/progress-records.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { sourceTopicId } from '../testkit/topic-id.ts';
import { waitFor } from '../testkit/wait-for.ts';

const values = (records: readonly ReadRecord[] | undefined) => valuesOf(records) as string[];

let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

describe('crash and restart (engine child process)', () => {
  it('loses nothing after kill -9 mid-stream; duplicates are one bounded window per partition, order kept otherwise', async () => {
    const prefix = uniqueTopic('crash');
    const topic = `${prefix}-data`;
    const remote = `primary.${topic}`;
    const partitions = 3;

    const source = await new ClusterReader(PRIMARY).connect();
    const target = await new ClusterReader(STANDBY).connect();
    cleanup.push(async () => {
      await Promise.allSettled([source.admin.deleteTopics({ topics: [topic], timeout: 10_000 }), target.admin.deleteTopics({ topics: [remote], timeout: 10_000 })]);
      await Promise.allSettled([source.close(), target.close()]);
    });
    await source.admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
    const topicId = (await sourceTopicId(topic))!;

    const producer = kafkajsClient(PRIMARY).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const progressTail = await TopicTail.start(STANDBY, PROGRESS_TOPIC);
    cleanup.push(() => progressTail.stop());
    const progressOf = (records: readonly ReadRecord[]) =>
      new Map(latestProgress(records, topic).filter((e) => e.topicId === topicId).map((e) => [e.partition, e.nextOffset]));

    const engine = EngineProcess.inTempDir(`^${prefix}-.*`);
    cleanup.push(() => engine.dispose({ keep: process.env.KEEP_ENGINE_LOGS !== undefined }));
    await engine.start();

    const load = new ContinuousLoad(producer, topic, partitions);
    cleanup.push(() => load.stop());

    // Mid-stream: records flowing, some mirrored, progress written for every partition.
    await target.waitForHighWatermarks(remote, (hw) => [...hw.values()].reduce((a, b) => a + b, 0) >= 4000, `${remote} to hold 4000 records`);
    await waitFor(() => {
      const p = progressOf(progressTail.records);
      return p.size === partitions && [...p.values()].every((n) => n > 0);
    }, { timeoutMs: 30_000, message: 'progress records with nextOffset > 0 for every partition' });

    const killedAtTotal = load.total;
    expect(await engine.kill()).toBe(137);
    // What a restarted engine can find: the progress durable on the target after the crash.
    const durable = progressOf([...(await target.readAll(PROGRESS_TOPIC)).values()].flat());
    const remoteAtKill = await target.highWatermarks(remote);

    // Keep producing while the engine is down, then restart it under the same load.
    await waitFor(() => load.total >= killedAtTotal + 3000, { timeoutMs: 30_000, message: '3000 more records produced while the engine is down' });
    await engine.start();
    await waitFor(() => load.total >= killedAtTotal + 9000, { timeoutMs: 60_000, message: '6000 more records produced after the restart' });
    await load.stop();

    // Caught up: the restarted engine's progress reached the source log end of every partition.
    const sourceEnd = await source.highWatermarks(topic);
    expect([...sourceEnd.values()]).toEqual(load.sent);
    await waitFor(() => {
      const p = progressOf(progressTail.records);
      return [...sourceEnd].every(([partition, end]) => p.get(partition) === end);
    }, { timeoutMs: 60_000, message: `progress to reach the source log end ${JSON.stringify(Object.fromEntries(sourceEnd))}` });
    const stopCode = await engine.stop();
    expect(stopCode, `clean stop exit code; stderr: ${engine.stderrText}`).toBe(0);
    expect(engine.logLines().filter((l) => l.event === 'replication_summary' && l.kind === 'final')).toHaveLength(1);

    const [sourceRecords, remoteRecords] = await Promise.all([source.readAll(topic), target.readAll(remote)]);
    const report: Record<string, unknown>[] = [];
    let duplicates = 0;
    for (let p = 0; p < partitions; p++) {
      const s = values(sourceRecords.get(p));
      const r = values(remoteRecords.get(p));
      expect(s).toEqual(Array.from({ length: load.sent[p]! }, (_, i) => `${p}:${i}`));
      const split = splitAtResume(s, r);
      // Shape: the pre-crash prefix, then everything from the resume point on, in source order.
      expect(split, `remote partition ${p} is not s[0..a) ++ s[b..n) (loss or reordering)`).toBeDefined();
      const { a, b } = split!;
      expect(new Set(r)).toEqual(new Set(s)); // no loss
      if (a < s.length) {
        // A visible restart point: resumed no earlier than the durable progress (duplicates bounded by
        // what was acknowledged after the last progress write) and no later than what was mirrored (no loss).
        expect(b).toBeGreaterThanOrEqual(durable.get(p)!);
        expect(b).toBeLessThanOrEqual(a);
      }
      duplicates += a < s.length ? a - b : 0;
      report.push({ partition: p, produced: s.length, remote: r.length, mirroredBeforeKill: a, durableProgressAtKill: durable.get(p), resumedAt: a < s.length ? b : 'n/a (no overlap)', duplicates: a < s.length ? a - b : 0 });
    }
    const totalRemote = [...remoteRecords.values()].reduce((n, rs) => n + rs.length, 0);
    expect(totalRemote - load.total).toBe(duplicates);

    // The restarted run found progress and reported no truncation or failure.
    const secondRun = engine.logLines('latest');
    expect(secondRun.some((l) => l.level === 'critical' || l.event === 'log_truncation_detected')).toBe(false);
    expect(secondRun.some((l) => /^Loaded progress/.test(l.msg) && Number(l.records) > 0)).toBe(true);

    console.log(
      `[crash-restart] produced ${load.total}, remote ${totalRemote}, duplicates ${duplicates}; remote at kill ${JSON.stringify(Object.fromEntries(remoteAtKill))}\n` +
        report.map((x) => `  ${JSON.stringify(x)}`).join('\n'),
    );
  });
});
