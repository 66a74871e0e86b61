/**
 * The shared fixture of in-process engine tests: readers of both clusters for the whole file, a fresh
 * kafkajs producer per test, and afterEach cleanup of the test's engines and topics (source topics and
 * their `primary.` remote copies) whatever happened.
 */
import type { Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { ClusterReader } from '../testkit/cluster-reader.ts';
import type { EngineHarness } from '../testkit/engine-harness.ts';
import { PRIMARY, STANDBY, kafkajsClient, remoteOf } from '../testkit/test-clusters.ts';

/** What a test file uses; fields are replaced by the hooks (read them inside tests, not at load). */
export interface MirrorFixture {
  source: ClusterReader;
  target: ClusterReader;
  producer: Producer;
  /** Engines of the running test, stopped in afterEach. */
  engines: EngineHarness[];
  /** Source topics of the running test, deleted (with their remote topics) in afterEach. */
  topics: string[];
}

/** Registers the hooks in the calling test file and returns the fixture they fill. */
export function useMirrorFixture(): MirrorFixture {
  const f = { engines: [], topics: [] } as unknown as MirrorFixture;

  beforeAll(async () => {
    f.source = await new ClusterReader(PRIMARY).connect();
    f.target = await new ClusterReader(STANDBY).connect();
  });

  afterAll(async () => {
    await f.source?.close();
    await f.target?.close();
  });

  // One producer per test: a kafkajs producer refreshes metadata for every topic it ever wrote to and
  // fails once one of them was deleted (by the previous test's cleanup).
  beforeEach(async () => {
    f.producer = kafkajsClient(PRIMARY).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await f.producer.connect();
  });

  afterEach(async () => {
    await Promise.allSettled([...f.engines.map((e) => e.stop()), f.producer.disconnect()]);
    f.engines = [];
    await Promise.allSettled([f.source.deleteTopicsIfPresent(f.topics), f.target.deleteTopicsIfPresent(f.topics.map(remoteOf))]);
    f.topics = [];
  });

  return f;
}
