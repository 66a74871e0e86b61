import { afterEach, describe, expect, it } from 'vitest';
import { consumeTimeoutMs } from './mirror-task.ts';
import { waitFor } from '../../testkit/wait-for.ts';
import { mirrorTaskHarness, testFlowSettings, valuesOf, type MirrorTaskHarness } from './fakes/mirror-task-harness.ts';

describe('consumeTimeoutMs (consumer.poll.timeout.ms)', () => {
  it('is 100 ms with the defaults: the 1000 ms poll timeout capped at a fifth of truncation.check.interval.ms (500)', () => {
    const s = testFlowSettings();
    expect(s.consumerPollTimeoutMs).toBe(1000);
    expect(consumeTimeoutMs(s)).toBe(100);
  });

  it('takes a poll timeout below the cap as it is, and the cap from the shortest interval the loop honours', () => {
    const slow = { truncationCheckIntervalMs: 10_000, topicResetCheckIntervalMs: 10_000, progressFlushIntervalMs: 10_000, refreshTopicsEnabled: true, refreshTopicsIntervalMs: 600_000 };
    expect(consumeTimeoutMs({ ...slow, consumerPollTimeoutMs: 1000 })).toBe(1000);
    expect(consumeTimeoutMs({ ...slow, consumerPollTimeoutMs: 50 })).toBe(50);
    expect(consumeTimeoutMs({ ...slow, consumerPollTimeoutMs: 5000 })).toBe(2000);
    expect(consumeTimeoutMs({ ...slow, progressFlushIntervalMs: 1500, consumerPollTimeoutMs: 5000 })).toBe(300);
    // A topic refresh every second caps it too, unless refresh.topics.enabled=false.
    expect(consumeTimeoutMs({ ...slow, refreshTopicsIntervalMs: 1000, consumerPollTimeoutMs: 5000 })).toBe(200);
    expect(consumeTimeoutMs({ ...slow, refreshTopicsEnabled: false, refreshTopicsIntervalMs: 1000, consumerPollTimeoutMs: 5000 })).toBe(2000);
    expect(consumeTimeoutMs({ ...slow, truncationCheckIntervalMs: 1, consumerPollTimeoutMs: 5000 })).toBe(1);
  });
});

describe('MirrorTask config wiring (fakes, no broker)', () => {
  let h: MirrorTaskHarness | undefined;
  afterEach(async () => {
    await h?.task.stop();
    h = undefined;
  });

  it('gives every source consumer it creates the consume timeout derived from consumer.poll.timeout.ms', async () => {
    h = mirrorTaskHarness({ settings: { consumerPollTimeoutMs: 250, truncationCheckIntervalMs: 5000, topicResetCheckIntervalMs: 5000, progressFlushIntervalMs: 5000 } });
    h.kafka.source.createTopic('orders', 1, [1]);
    await h.task.start();
    expect(h.kafka.consumerOptions.map((o) => o.consumeTimeoutMs)).toEqual([250]);
  });

  /** Starts with `orders`, creates `late` afterwards and lets a refresh interval pass (manual clock). */
  async function topicCreatedAfterStart(refreshTopicsEnabled: boolean): Promise<MirrorTaskHarness> {
    const harness = mirrorTaskHarness({ settings: { refreshTopicsEnabled } });
    harness.kafka.source.createTopic('orders', 1, [1]);
    await harness.task.start();
    await harness.waitForRemote('orders', 0, 1);
    harness.kafka.source.createTopic('late', 1, [3]);
    harness.clock.advance(harness.settings.refreshTopicsIntervalMs);
    return harness;
  }

  it('refresh.topics.enabled=true (default) discovers a topic created after start once refresh.topics.interval passed', async () => {
    h = await topicCreatedAfterStart(true);
    const late = h.kafka.source.topic('late');
    expect(await h.waitForRemote('late', 0, 3)).toEqual(valuesOf(late.topicId, 0, 3));
    expect(h.kafka.source.listTopicsCalls).toBe(2);
  });

  it('refresh.topics.enabled=false discovers topics at start only (MM2): a later topic is never listed nor mirrored', async () => {
    h = await topicCreatedAfterStart(false);
    const harness = h;
    const calls = harness.kafka.consumeCalls;
    await waitFor(() => harness.kafka.consumeCalls > calls + 20, { timeoutMs: 20_000, intervalMs: 5, message: 'loop iterations after the refresh interval' });
    expect(harness.kafka.source.listTopicsCalls).toBe(1);
    expect(harness.kafka.target.topics.has('primary.late')).toBe(false);
    // Topics found at start are still checked: a new record of `orders` is mirrored.
    harness.kafka.source.append('orders', 0, 1);
    await harness.waitForRemote('orders', 0, 2);
  });
});
