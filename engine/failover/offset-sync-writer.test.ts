import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { OffsetSyncStore } from './offset-sync-store.ts';
import { OffsetSyncWriter } from './offset-sync-writer.ts';
import { decodeOffsetSync } from '../mm2/offset-sync.ts';
import type { DeliveryCallback, InternalRecordSink } from '../kafka/record-sink.ts';

const TOPIC = 'mm2-offset-syncs.standby.internal';

/** A fake producer: records sends, acknowledges on demand, refuses while `full`. */
class FakeSink implements InternalRecordSink {
  readonly sent: { topic: string; upstream: number; downstream: number; key: string }[] = [];
  private pending: DeliveryCallback[] = [];
  full = false;
  send(topic: string, key: Buffer, value: Buffer, _ts: number, onDelivery?: DeliveryCallback): boolean {
    if (this.full) return false;
    const s = decodeOffsetSync(key, value);
    this.sent.push({ topic, upstream: s.upstreamOffset, downstream: s.downstreamOffset, key: `${s.topic}-${s.partition}` });
    this.pending.push(onDelivery ?? (() => undefined));
    return true;
  }
  ack(): void {
    const p = this.pending;
    this.pending = [];
    p.forEach((cb) => cb(undefined));
  }
  async flush(): Promise<boolean> {
    this.ack();
    return true;
  }
  pairs(): [number, number][] {
    return this.sent.map((s) => [s.upstream, s.downstream]);
  }
}

function setup(store = new OffsetSyncStore()) {
  const sink = new FakeSink();
  let now = 1000;
  const writer = new OffsetSyncWriter({ flow: 'primary->standby', topic: TOPIC, store, sink, intervalMs: 1000, logger: silentLogger(), now: () => now });
  return { sink, store, writer, advance: (ms: number) => (now += ms), now: () => now };
}

describe('OffsetSyncWriter', () => {
  it('emits a sync on the first record, on every delta change, and not for contiguous records', () => {
    const { sink, writer, now } = setup();
    const p = { topic: 'commit-log', partition: 0, topicId: 'A' };
    for (let u = 0; u < 10; u++) writer.onMirrored(p, u, u, now());
    writer.onMirrored(p, 11, 10, now()); // a transaction marker at 10 upstream
    writer.onMirrored(p, 12, 11, now());
    expect(sink.pairs()).toEqual([[0, 0], [11, 10]]);
    expect(sink.sent.every((s) => s.topic === TOPIC && s.key === 'commit-log-0')).toBe(true);
    expect(writer.syncsEmitted).toBe(2);
  });

  it('emits an interval sync for a partition that moved, at most once per interval, and a final one on close', () => {
    const { sink, writer, advance, now } = setup();
    const p = { topic: 't', partition: 3, topicId: 'A' };
    writer.onMirrored(p, 0, 0, now());
    writer.onMirrored(p, 1, 1, now());
    writer.tick(advance(500));
    expect(sink.sent).toHaveLength(1);
    writer.tick(advance(500));
    expect(sink.pairs()).toEqual([[0, 0], [1, 1]]);
    writer.tick(advance(5000)); // did not move: nothing
    expect(sink.sent).toHaveLength(2);
    writer.onMirrored(p, 2, 2, now());
    writer.close();
    expect(sink.pairs()).toEqual([[0, 0], [1, 1], [2, 2]]);
  });

  it('flushForCommit (exactly-once) emits a sync for each moved partition and keeps the interval timer running; flush stops it', async () => {
    vi.useFakeTimers();
    try {
      const { sink, writer, advance, now } = setup();
      writer.start();
      const p = { topic: 't', partition: 0, topicId: 'A' };
      writer.onMirrored(p, 0, 0, now());
      writer.onMirrored(p, 1, 1, now());
      await writer.flushForCommit();
      expect(sink.pairs()).toEqual([[0, 0], [1, 1]]);
      writer.onMirrored(p, 2, 2, now());
      advance(1000);
      vi.advanceTimersByTime(1000); // the interval timer still runs after the commit's flush
      expect(sink.pairs()).toEqual([[0, 0], [1, 1], [2, 2]]);
      await writer.flush();
      writer.onMirrored(p, 3, 3, now());
      advance(1000);
      vi.advanceTimersByTime(1000); // after the shutdown flush it does not
      expect(sink.pairs()).toEqual([[0, 0], [1, 1], [2, 2]]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('precedes the first sync of a lifetime with a boundary marker repeating the newest sync it found', () => {
    const store = new OffsetSyncStore();
    store.add({ topic: 't', partition: 0, upstreamOffset: 90, downstreamOffset: 95 });
    const { sink, writer, now } = setup(store);
    writer.onMirrored({ topic: 't', partition: 0, topicId: 'A' }, 100, 105, now());
    expect(sink.pairs()).toEqual([[90, 95], [100, 105]]);
  });

  it('starts a new series for a new topic incarnation and forgets the old one in memory', () => {
    const { sink, store, writer, now } = setup();
    const p = { topic: 't', partition: 0, topicId: 'A' };
    writer.onMirrored(p, 0, 0, now());
    writer.onMirrored(p, 1, 1, now());
    p.topicId = 'B';
    writer.onMirrored(p, 0, 2, now());
    expect(sink.pairs()).toEqual([[0, 0], [0, 0], [0, 2]]); // marker, then the new series
    expect(store.find('t', 0)!.points().map((x) => [x.upstream, x.downstream])).toEqual([[0, 2]]);
  });

  it('keeps syncs the producer refuses in order and holds progress behind the oldest unacknowledged one', () => {
    const { sink, writer, now, advance } = setup();
    const p = { topic: 't', partition: 0, topicId: 'A' };
    writer.onMirrored(p, 0, 0, now());
    expect(writer.persistableNextOffset(p)).toBe(0); // in flight
    sink.ack();
    expect(writer.persistableNextOffset(p)).toBeUndefined();
    sink.full = true;
    writer.onMirrored(p, 5, 1, now()); // gap: a sync, refused
    writer.onMirrored(p, 9, 2, now()); // gap: another, queued behind it
    expect(sink.sent).toHaveLength(1);
    expect(writer.persistableNextOffset(p)).toBe(5);
    sink.full = false;
    writer.tick(advance(10));
    expect(sink.pairs()).toEqual([[0, 0], [5, 1], [9, 2]]);
    expect(writer.persistableNextOffset(p)).toBe(5);
    sink.ack();
    expect(writer.persistableNextOffset(p)).toBeUndefined();
  });

  it('flush() emits the final syncs and waits for the producer', async () => {
    const { sink, writer, now } = setup();
    const p = { topic: 't', partition: 0, topicId: 'A' };
    writer.onMirrored(p, 0, 0, now());
    writer.onMirrored(p, 1, 1, now());
    await writer.flush();
    expect(sink.pairs()).toEqual([[0, 0], [1, 1]]);
    expect(writer.persistableNextOffset(p)).toBeUndefined();
  });
});
