/**
 * Offset translation, end to end over the pieces that decide it: the offset-sync writer (what gets
 * emitted, when), the in-memory store (what the checkpoint task translates with) and a store rebuilt
 * from the syncs topic (what the next engine lifetime starts from). A simulated world mirrors a source
 * partition with gaps (compaction, transaction markers), engine restarts (clean, or kill -9 losing the
 * tail of the syncs topic and re-mirroring from older progress), topic resets, syncs-topic compaction
 * and a producer queue that refuses records. Properties (fast-check, fixed seed):
 * - never past an unmirrored record: a consumer resuming at the translated offset sees a copy of every
 *   record at or after its committed offset that has any copy downstream;
 * - exact wherever the record was mirrored: with the current series' knowledge (no older copies left
 *   to re-mirror), it resumes exactly at the first record at or after the committed offset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { OffsetSyncStore } from './offset-sync-store.ts';
import { OffsetSyncWriter } from './offset-sync-writer.ts';
import { decodeOffsetSync } from '../mm2/offset-sync.ts';
import { translateOffset, type SyncPoint } from '../mm2/offset-translation.ts';
import type { DeliveryCallback, InternalRecordSink } from '../kafka/record-sink.ts';

const sp = (upstream: number, downstream: number, exactToNext = true): SyncPoint => ({ upstream, downstream, exactToNext });

describe('translateOffset (pure)', () => {
  const syncs = [sp(0, 100), sp(50, 145), sp(80, 170)]; // a 5-record gap at 45..49, a 5-record gap at 75..79

  it('maps a mirrored record exactly, and a gap to the next mirrored record', () => {
    expect(translateOffset(syncs, undefined, 0)).toMatchObject({ downstreamOffset: 100, rule: 'exact' });
    expect(translateOffset(syncs, undefined, 44)).toMatchObject({ downstreamOffset: 144, rule: 'exact' });
    expect(translateOffset(syncs, undefined, 46)).toMatchObject({ downstreamOffset: 145, rule: 'next-sync' });
    expect(translateOffset(syncs, undefined, 50)).toMatchObject({ downstreamOffset: 145, rule: 'exact' });
    expect(translateOffset(syncs, undefined, 77)).toMatchObject({ downstreamOffset: 170, rule: 'next-sync' });
  });

  it('never goes past the last mirrored record', () => {
    expect(translateOffset(syncs, undefined, 80)).toMatchObject({ downstreamOffset: 170, rule: 'exact' });
    expect(translateOffset(syncs, undefined, 81)).toMatchObject({ downstreamOffset: 171, rule: 'exact' });
    expect(translateOffset(syncs, undefined, 500)).toMatchObject({ downstreamOffset: 171, rule: 'mirrored-end' });
    expect(translateOffset(syncs, { upstream: 90, downstream: 180 }, 500)).toMatchObject({ downstreamOffset: 181, rule: 'mirrored-end' });
    expect(translateOffset(syncs, { upstream: 90, downstream: 180 }, 85)).toMatchObject({ downstreamOffset: 175, rule: 'exact' });
  });

  it('falls back to MM2 +1 across an unverified span, and refuses offsets before the first sync', () => {
    const broken = [sp(0, 100, false), sp(50, 145)];
    expect(translateOffset(broken, undefined, 0)).toMatchObject({ downstreamOffset: 100, rule: 'unverified-span' });
    expect(translateOffset(broken, undefined, 30)).toMatchObject({ downstreamOffset: 101, rule: 'unverified-span' });
    expect(translateOffset(syncs.slice(1), undefined, 49)).toBeUndefined();
    expect(translateOffset([], undefined, 0)).toBeUndefined();
  });
});

// ---- the simulated world -------------------------------------------------------------------------

const TOPIC = 'commit-log';

/** One copy downstream: which incarnation's record, at which upstream offset. */
interface Copy {
  incarnation: number;
  upstream: number;
}

type Step =
  | { kind: 'mirror'; records: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'ack' }
  | { kind: 'restart'; crash: boolean; progressBack: number }
  | { kind: 'reset'; records: number[] }
  | { kind: 'compact-source'; drop: number[] }
  | { kind: 'queue-full'; sends: number };

/**
 * A sink standing in for the syncs topic: `written` is what the cluster acknowledged (durable), `inflight`
 * what it has not yet — a crash loses it. Refuses `refuse` sends when told to (queue full).
 */
class TopicSink implements InternalRecordSink {
  readonly written: { key: Buffer; value: Buffer }[] = [];
  inflight: { key: Buffer; value: Buffer; onDelivery: DeliveryCallback | undefined }[] = [];
  refuse = 0;
  send(_topic: string, key: Buffer, value: Buffer, _ts: number, onDelivery?: DeliveryCallback): boolean {
    if (this.refuse > 0) {
      this.refuse--;
      return false;
    }
    this.inflight.push({ key, value, onDelivery });
    return true;
  }
  ackAll(): void {
    const acked = this.inflight;
    this.inflight = [];
    for (const r of acked) {
      this.written.push({ key: r.key, value: r.value });
      r.onDelivery?.(undefined);
    }
  }
  async flush(): Promise<boolean> {
    this.ackAll();
    return true;
  }
}

class World {
  /** Source upstream offsets of the current incarnation, ascending (gaps = compaction / markers). */
  source: number[];
  incarnation = 0;
  /** Next upstream offset the engine fetches. */
  next = 0;
  /** `next` when the current lifetime started. */
  lifetimeStart = 0;
  readonly target: Copy[] = [];
  readonly base: number;
  readonly sink = new TopicSink();
  /**
   * The partition's syncs never reached the topic although records were copied (its first sync was lost
   * in a crash, or refused, before the cluster acknowledged it) — the documented limit: a store rebuilt
   * from the topic cannot know those copies until a lifetime has re-mirrored past them.
   */
  historyUnknown = false;
  lifetimeSawNoSyncs = false;
  /**
   * Topic records older than this index may be compacted: written before a lifetime that has since
   * re-mirrored everything earlier lifetimes copied. (The syncs topic is created with
   * min.compaction.lag.ms far above the seconds re-mirroring takes after a restart.)
   */
  compactableBefore = 0;
  /** Highest upstream offset any lifetime copied (current incarnation), and what the current lifetime must pass. */
  maxCopied = -1;
  mustPass = -1;
  lifetimeTopicStart = 0;
  store: OffsetSyncStore;
  writer: OffsetSyncWriter;
  partition: { topic: string; partition: number; topicId: string };
  clock = 1_000_000;
  /** Copies made by the current lifetime in the current incarnation: upstream → downstream. */
  lifetimeCopies: { upstream: number; downstream: number }[] = [];
  readonly maxSyncs: number;

  constructor(source: number[], base: number, maxSyncs: number) {
    this.source = source;
    this.base = base;
    this.maxSyncs = maxSyncs;
    this.store = new OffsetSyncStore({ maxSyncsPerPartition: maxSyncs });
    this.partition = { topic: TOPIC, partition: 0, topicId: 'id-0' };
    this.writer = this.newWriter();
  }

  private newWriter(): OffsetSyncWriter {
    return new OffsetSyncWriter({ flow: 'a->b', topic: 'mm2-offset-syncs.b.internal', store: this.store, sink: this.sink, intervalMs: 1000, logger: silentLogger(), now: () => this.clock });
  }

  get end(): number {
    return this.base + this.target.length;
  }

  apply(step: Step): void {
    switch (step.kind) {
      case 'mirror':
        for (let i = 0; i < step.records; i++) {
          const up = this.source.find((u) => u >= this.next);
          if (up === undefined) break;
          this.next = up + 1;
          const down = this.end;
          this.target.push({ incarnation: this.incarnation, upstream: up });
          this.lifetimeCopies.push({ upstream: up, downstream: down });
          this.clock += 1;
          this.writer.onMirrored(this.partition, up, down, this.clock);
          this.maxCopied = Math.max(this.maxCopied, up);
        }
        if (this.next > this.mustPass) {
          this.compactableBefore = Math.max(this.compactableBefore, Math.min(this.lifetimeTopicStart, this.sink.written.length));
          this.historyUnknown = false;
        }
        break;
      case 'tick':
        this.clock += step.ms;
        this.writer.tick(this.clock);
        this.sink.ackAll();
        break;
      case 'ack':
        this.sink.ackAll();
        break;
      case 'restart': {
        if (!step.crash) {
          this.writer.close();
          this.sink.ackAll(); // writer.flush() at shutdown
        }
        // Stored progress: somewhere behind what was mirrored (at-least-once), never past the writer's gate
        // (the oldest sync the cluster has not acknowledged), never behind where this lifetime began.
        const gate = this.writer.persistableNextOffset(this.partition) ?? Infinity;
        const copies = this.lifetimeCopies;
        const back = step.crash ? Math.min(step.progressBack, copies.length) : 0;
        const acked = back > 0 ? copies[copies.length - back]!.upstream : this.next;
        this.next = Math.max(this.lifetimeStart, Math.min(acked, gate));
        this.sink.inflight = []; // what the cluster had not acknowledged is gone with the process
        // The writer of the lifetime that finds no sync at all knows the history is unknown (it waits);
        // a later lifetime that starts from the topic again before catching up does not.
        this.lifetimeSawNoSyncs = this.sink.written.length === 0 && this.maxCopied >= 0;
        if (this.lifetimeSawNoSyncs) this.historyUnknown = true;
        this.compactableBefore = Math.min(this.compactableBefore, this.sink.written.length);
        this.lifetimeTopicStart = this.sink.written.length;
        this.mustPass = this.maxCopied;
        this.lifetimeStart = this.next;
        this.lifetimeCopies = [];
        this.store = rebuild(this.sink.written, this.maxSyncs, 0);
        this.partition = { ...this.partition }; // a new process: new partition state objects
        this.writer = this.newWriter();
        break;
      }
      case 'reset':
        this.incarnation++;
        this.source = step.records;
        this.next = 0;
        this.lifetimeStart = 0;
        this.lifetimeCopies = [];
        this.partition.topicId = `id-${this.incarnation}`; // same partition state object, restartAt()
        this.maxCopied = -1;
        this.mustPass = -1;
        this.historyUnknown = false;
        this.lifetimeTopicStart = this.sink.written.length;
        break;
      case 'compact-source':
        this.source = this.source.filter((u) => !step.drop.includes(u));
        break;
      case 'queue-full':
        this.sink.refuse += step.sends;
        break;
    }
  }

  /**
   * For each record still in the source (current incarnation): the highest downstream offset holding a
   * copy of it. Records compacted away since they were copied are left out: a consumer of the source
   * would not see them either.
   */
  latestCopies(): Map<number, number> {
    const present = new Set(this.source);
    const m = new Map<number, number>();
    this.target.forEach((c, i) => {
      if (c.incarnation === this.incarnation && present.has(c.upstream)) m.set(c.upstream, this.base + i);
    });
    return m;
  }
}

/** A store rebuilt from the syncs topic, with the first `cleaned` records compacted (only the last of them survives). */
function rebuild(written: readonly { key: Buffer; value: Buffer }[], maxSyncs: number, cleaned: number): OffsetSyncStore {
  const store = new OffsetSyncStore({ maxSyncsPerPartition: maxSyncs });
  const survivors = cleaned > 0 ? written.slice(Math.min(cleaned, written.length) - 1) : written;
  for (const r of survivors) store.add(decodeOffsetSync(r.key, r.value));
  return store;
}

/**
 * Safety bound per committed offset g: the lowest "last copy" among records at or after g — a consumer
 * resuming at or below it sees a copy of every copied record it still needs. Index g, up to `top`.
 */
function safetyBounds(world: World, top: number): number[] {
  const lastCopy = world.latestCopies();
  const bound = new Array<number>(top + 2).fill(world.end);
  for (let g = top; g >= 0; g--) bound[g] = Math.min(bound[g + 1]!, lastCopy.get(g) ?? Infinity);
  return bound;
}

/** Exactness: the first record at or after g that this lifetime copied, or the position after its last copy. */
function expectedExact(world: World, g: number): number {
  return world.lifetimeCopies.find((c) => c.upstream >= g)?.downstream ?? world.lifetimeCopies[world.lifetimeCopies.length - 1]!.downstream + 1;
}

/** Ascending upstream offsets 0..~n with random gaps (compaction, transaction markers). */
const sourceLog = (n: number) =>
  fc.array(fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 6 }) }), { minLength: 1, maxLength: n }).map((steps) => {
    const out: number[] = [];
    let u = 0;
    for (const s of steps) {
      u += s - 1; // a step of 1 is contiguous; larger steps leave a gap
      out.push(u);
      u++;
    }
    return out;
  });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('mirror' as const), records: fc.integer({ min: 1, max: 15 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 2500 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restart' as const), crash: fc.boolean(), progressBack: fc.integer({ min: 0, max: 12 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'ack' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), records: sourceLog(40) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact-source' as const), drop: fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('queue-full' as const), sends: fc.integer({ min: 1, max: 3 }) }) },
);

const RUNS = { seed: 424242, numRuns: 400 };

describe('offset translation over writer, in-memory store and rebuilt store', () => {
  it('never translates past a copied record, whatever the mix of gaps, compaction, restarts, resets and refused writes', () => {
    fc.assert(
      fc.property(sourceLog(60), fc.integer({ min: 0, max: 50 }), fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 30 }), fc.constantFrom(4, 8, 4096), (source, base, steps, cleaned, maxSyncs) => {
        const world = new World(source, base, maxSyncs);
        for (const s of steps) {
          world.apply(s);
          const top = Math.max(...world.source, ...world.target.map((c) => c.upstream), 0) + 3;
          const bound = safetyBounds(world, top);
          const rebuilt = rebuild(world.sink.written, maxSyncs, Math.min(cleaned, world.compactableBefore));
          for (let g = 0; g <= top; g++) {
            const stores = !world.historyUnknown
              ? ([['in-memory', world.store], ['rebuilt', rebuilt]] as const)
              : world.lifetimeSawNoSyncs ? ([['in-memory', world.store]] as const) : [];
            for (const [which, store] of stores) {
              const t = store.translate(TOPIC, 0, g);
              if (t && t.downstreamOffset > bound[g]!) {
                throw new Error(`${which} store after ${JSON.stringify(s)}: translated ${g} to ${t.downstreamOffset} (${t.rule}); a consumer must resume at or below ${bound[g]} (end ${world.end})`);
              }
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('is exact wherever the record was mirrored: every committed offset from the series start on', () => {
    fc.assert(
      fc.property(sourceLog(60), fc.integer({ min: 0, max: 50 }), fc.array(step, { minLength: 1, maxLength: 40 }), (source, base, steps) => {
        const world = new World(source, base, 1 << 20);
        for (const s of steps) {
          world.apply(s);
          const series = world.store.find(TOPIC, 0);
          if (!series || series.openOverlaps > 0 || world.lifetimeCopies.length === 0) continue;
          const first = world.lifetimeCopies[0]!.upstream;
          const top = Math.max(...world.source, 0) + 3;
          for (let g = first; g <= top; g++) {
            const t = world.store.translate(TOPIC, 0, g);
            expect(t, `g=${g} after ${JSON.stringify(s)}`).toBeDefined();
            expect(t!.downstreamOffset, `g=${g} (${t!.rule}) after ${JSON.stringify(s)}`).toBe(expectedExact(world, g));
          }
        }
      }),
      RUNS,
    );
  });

  it('a store rebuilt after a clean shutdown translates like the one in memory', () => {
    fc.assert(
      fc.property(sourceLog(60), fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 10 }), (source, batches) => {
        const world = new World(source, 0, 1 << 20);
        for (const n of batches) {
          world.apply({ kind: 'mirror', records: n });
          world.apply({ kind: 'tick', ms: 400 });
        }
        const before = world.store;
        world.apply({ kind: 'restart', crash: false, progressBack: 0 });
        const top = Math.max(...world.source) + 3;
        for (let g = 0; g <= top; g++) {
          expect(world.store.translate(TOPIC, 0, g)?.downstreamOffset, `g=${g}`).toBe(before.translate(TOPIC, 0, g)?.downstreamOffset);
        }
      }),
      RUNS,
    );
  });

  it('emits few syncs for a plain topic — first record, then at most one per second — and one per delta change otherwise', () => {
    const plain = new World(Array.from({ length: 10_000 }, (_, i) => i), 0, 4096);
    for (let i = 0; i < 100; i++) plain.apply({ kind: 'mirror', records: 100 }); // 1 ms per record: 10 s
    plain.writer.close();
    expect(plain.writer.syncsEmitted).toBeLessThanOrEqual(1 + 10 + 1);
    expect(plain.store.find(TOPIC, 0)!.size).toBe(2); // same-delta syncs replace each other
    // A transactional topic: a commit marker after every 10 records shifts the delta by one each time.
    const txn = new World(Array.from({ length: 10_000 }, (_, i) => i + Math.floor(i / 10)), 0, 4096);
    txn.apply({ kind: 'mirror', records: 10_000 });
    expect(txn.writer.syncsEmitted - plain.writer.syncsEmitted).toBeGreaterThanOrEqual(999 - 10);
  });
});
