/**
 * A remote topic that already exists with fewer partitions than its source (issue 12, item 7), against
 * the real local clusters: discovery grows it, and the target producer must see the new partitions
 * before the first record goes there — librdkafka caches a topic's partition count from the metadata
 * it fetched at connect and rejects a partition beyond it with `Local: Unknown partition` (-190).
 * Before the fix, the flow failed ~0.25 s after start on its own growth and only a restart worked.
 */
import { describe, expect, it } from 'vitest';
import { valuesByPartition } from '../testkit/cluster-reader.ts';
import { startEngine } from '../testkit/engine-harness.ts';
import { remoteOf, uniqueTopic } from '../testkit/test-clusters.ts';
import { useMirrorFixture } from './mirror-fixture.ts';

const f = useMirrorFixture();

/** Errors and warnings an engine logged (level ≥ warn), as `level: msg` for a readable failure. */
function problems(logs: readonly { level: string; msg: string }[]): string[] {
  return logs.filter((l) => ['warn', 'error', 'critical', 'fatal'].includes(l.level)).map((l) => `${l.level}: ${l.msg}`);
}

describe('remote topic with fewer partitions than its source', () => {
  it('grows a pre-existing 1-partition remote topic to 3 at start and mirrors every record to its own partition exactly once, without an error', async () => {
    const topics = [uniqueTopic('grow-a'), uniqueTopic('grow-b')];
    f.topics.push(...topics);
    await f.source.admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true });
    await f.target.admin.createTopics({ topics: topics.map((topic) => ({ topic: remoteOf(topic), numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
    const values = (topic: string, p: number) => Array.from({ length: 5 }, (_, i) => `${topic}-p${p}-${i}`);
    for (const topic of topics) {
      await f.producer.send({ topic, acks: -1, messages: [0, 1, 2].flatMap((p) => values(topic, p).map((value) => ({ partition: p, value }))) });
    }

    // Two topics: the producer learns about more than one grown topic at once.
    const engine = await startEngine(`^(${topics.join('|')})$`, { 'sync.topic.configs.enabled': 'false' });
    f.engines.push(engine);
    for (const topic of topics) {
      const remote = remoteOf(topic);
      await f.target.waitForHighWatermarks(remote, (hw) => hw.size === 3 && [...hw.values()].every((n) => n >= 5), `${remote} to hold 5 records in each of 3 partitions`, 30_000);
      await engine.waitForLog((l) => l.msg === `Grew remote topic ${remote}`);
    }
    for (const topic of topics) {
      const remote = await f.target.readAll(remoteOf(topic));
      expect(valuesByPartition(remote)).toEqual({ 0: values(topic, 0), 1: values(topic, 1), 2: values(topic, 2) });
    }
    expect(problems(engine.logs)).toEqual([]);
    expect(engine.engine.tasks[0]?.failed).toBeUndefined();
  });
});
