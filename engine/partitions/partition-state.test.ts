import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARTITION_STATUS, PartitionState, type PartitionStatus } from './partition-state.ts';

const TP = { topic: 'commit-log', partition: 3 };

describe('PartitionState', () => {
  it('starts at the given offset with nothing in flight', () => {
    const s = new PartitionState(TP, 'id-1', 42, 1000);
    expect(s.key).toBe('commit-log-3');
    expect([s.nextOffset, s.ackedNextOffset, s.inFlight, s.persistedNextOffset]).toEqual([42, 42, 0, -1]);
    expect(s.status).toBe(PARTITION_STATUS.MIRRORING);
    expect(s.lastProgressAtMs).toBe(1000);
  });

  it('accepts records at or above nextOffset (gaps are legitimate) and drops re-fetched ones', () => {
    const s = new PartitionState(TP, 'id-1', 10, 0);
    expect(s.accept(10, 1)).toBe(true);
    expect(s.accept(15, 2)).toBe(true); // compaction / transaction-marker gap
    expect(s.accept(12, 3)).toBe(false); // stale re-fetch below nextOffset
    expect([s.nextOffset, s.inFlight, s.lastProgressAtMs]).toEqual([16, 2, 2]);
  });

  it('acknowledges up to the record, never past nextOffset', () => {
    const s = new PartitionState(TP, 'id-1', 0, 0);
    s.accept(0, 0);
    s.accept(7, 0);
    s.acknowledge(0);
    expect(s.ackedNextOffset).toBe(1);
    s.acknowledge(7);
    expect([s.ackedNextOffset, s.inFlight]).toEqual([8, 0]);
  });

  it('skip (a record from the target): acknowledged at once with nothing in flight, else with the record produced before it (invariant E)', () => {
    const s = new PartitionState(TP, 'id-1', 0, 0);
    expect(s.skip(0, 1)).toBe(true);
    expect([s.nextOffset, s.ackedNextOffset, s.inFlight]).toEqual([1, 1, 0]);
    s.accept(1, 2);
    expect(s.skip(2, 3)).toBe(true);
    expect(s.skip(3, 3)).toBe(true); // a run of skipped records waits for offset 1 too
    expect([s.nextOffset, s.ackedNextOffset, s.inFlight]).toEqual([4, 1, 1]);
    s.acknowledge(1);
    expect([s.ackedNextOffset, s.inFlight]).toEqual([4, 0]);
    expect(s.skip(2, 4)).toBe(false); // stale re-fetch
  });

  it('skip never lets progress pass a produced record whose acknowledgement is missing (a failed one)', () => {
    const s = new PartitionState(TP, 'id-1', 5, 0);
    s.accept(5, 0);
    s.accept(7, 0); // will fail
    s.skip(8, 0);
    s.inFlight--; // the failed report of 7 (TargetWriter.onFailedDelivery)
    s.acknowledge(5);
    expect(s.ackedNextOffset).toBe(6); // not 9: 7 was never written
    s.rewindToAcknowledged();
    expect([s.nextOffset, s.ackedNextOffset]).toEqual([6, 6]);
    s.accept(7, 1);
    s.acknowledge(7);
    expect(s.ackedNextOffset).toBe(8); // the pending skip of 8 was dropped by the rewind: 8 is fetched and skipped again
  });

  it('accepts nothing unless MIRRORING; restartAt resumes and clears gaps only for a new topic ID', () => {
    const s = new PartitionState(TP, 'id-1', 5, 0);
    s.gaps = [{ expectedOffset: 1, logStartOffset: 5, gap: 4, detectedAt: 'x' }];
    s.status = PARTITION_STATUS.WAITING_FOR_TOPIC;
    expect(s.accept(5, 1)).toBe(false);
    s.restartAt(9, 'id-1', 2);
    expect([s.nextOffset, s.ackedNextOffset, s.status, s.gaps.length]).toEqual([9, 9, PARTITION_STATUS.MIRRORING, 1]);
    s.restartAt(0, 'id-2', 3);
    expect([s.topicId, s.nextOffset, s.ackedNextOffset, s.gaps.length, s.lastProgressAtMs]).toEqual(['id-2', 0, 0, 0, 3]);
  });

  /**
   * Model: the mirror task's protocol around one partition. Fetches arrive as offsets (possibly
   * re-fetched below the position, possibly with gaps above it); delivery reports of a partition
   * arrive in produce order (idempotent producer); before any restartAt the task drains in-flight
   * records (MirrorTask.drainInFlight), and a record of an older incarnation that is acknowledged
   * afterwards is discounted by the task without calling acknowledge (MirrorTask.onDelivery).
   */
  type Command =
    | { kind: 'fetch'; delta: number }
    | { kind: 'deliver'; count: number }
    | { kind: 'restart'; offset: number; newTopic: boolean; drain: boolean }
    | { kind: 'status'; status: PartitionStatus };

  const commandArb: fc.Arbitrary<Command> = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -5, max: 5 }).map((delta): Command => ({ kind: 'fetch', delta })) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }).map((count): Command => ({ kind: 'deliver', count })) },
    {
      weight: 1,
      arbitrary: fc.record({ offset: fc.nat(200), newTopic: fc.boolean(), drain: fc.boolean() }).map((r): Command => ({ kind: 'restart', ...r })),
    },
    { weight: 1, arbitrary: fc.constantFrom(...Object.values(PARTITION_STATUS)).map((status): Command => ({ kind: 'status', status })) },
  );

  it('keeps invariants A-D over arbitrary accept/acknowledge/restartAt sequences (property, seed 42)', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.array(commandArb, { maxLength: 120 }), (start, commands) => {
        let incarnation = 1;
        const s = new PartitionState(TP, `id-${incarnation}`, start, 0);
        /** In-flight records in produce order: [topicId, offset]. */
        const pending: { topicId: string; offset: number }[] = [];
        /** Model of ackedNextOffset for the current incarnation. */
        let acked = start;
        let now = 0;

        const deliverOne = () => {
          const r = pending.shift();
          if (!r) return;
          if (r.topicId !== s.topicId) {
            s.inFlight--; // what MirrorTask.onDelivery does for an older incarnation's record
            return;
          }
          const before = s.ackedNextOffset;
          s.acknowledge(r.offset);
          acked = r.offset + 1;
          expect(s.ackedNextOffset).toBeGreaterThanOrEqual(before); // B
        };

        for (const c of commands) {
          now++;
          const [nextBefore, ackedBefore, topicBefore] = [s.nextOffset, s.ackedNextOffset, s.topicId];
          switch (c.kind) {
            case 'fetch': {
              const offset = Math.max(0, s.nextOffset + c.delta);
              const expectAccept = s.status === PARTITION_STATUS.MIRRORING && offset >= s.nextOffset;
              const accepted = s.accept(offset, now);
              expect(accepted).toBe(expectAccept); // C
              if (accepted) {
                pending.push({ topicId: s.topicId, offset });
                expect(s.nextOffset).toBe(offset + 1);
                expect(s.lastProgressAtMs).toBe(now);
              } else {
                expect(s.nextOffset).toBe(nextBefore);
              }
              break;
            }
            case 'deliver':
              for (let i = 0; i < c.count; i++) deliverOne();
              break;
            case 'restart': {
              // The task drains before repositioning within one incarnation; only a new incarnation may leave records in flight.
              if (c.drain || !c.newTopic) while (pending.length > 0) deliverOne();
              if (c.newTopic) incarnation++;
              s.restartAt(c.offset, `id-${incarnation}`, now);
              acked = c.offset;
              expect([s.nextOffset, s.ackedNextOffset, s.status]).toEqual([c.offset, c.offset, PARTITION_STATUS.MIRRORING]); // B: moves both
              break;
            }
            case 'status':
              s.status = c.status;
              break;
          }
          // A: progress never claims a record that was not fetched.
          expect(s.ackedNextOffset).toBeLessThanOrEqual(s.nextOffset);
          // B: within one topic ID, positions only move forward except through restartAt.
          if (c.kind !== 'restart' && s.topicId === topicBefore) {
            expect(s.nextOffset).toBeGreaterThanOrEqual(nextBefore);
            expect(s.ackedNextOffset).toBeGreaterThanOrEqual(ackedBefore);
          }
          // Progress is exactly one past the last acknowledged record of this incarnation.
          expect(s.ackedNextOffset).toBe(acked);
          // D: in-flight = produced and not yet reported.
          expect(s.inFlight).toBe(pending.length);
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });
  it('invariant E over arbitrary produce/skip/deliver/fail sequences (property, seed 14): acked never passes an undelivered produced record, and is exact once all are reported', () => {
    type Step = { kind: 'produce' | 'skip'; gap: number } | { kind: 'deliver'; count: number } | { kind: 'fail' };
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constantFrom('produce' as const, 'skip' as const), gap: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('deliver' as const), count: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('fail' as const) }),
    );
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
        const s = new PartitionState(TP, 'id-1', 0, 0);
        /** Handled records in offset order; `done`: skipped, or produced and acknowledged. */
        let entries: { offset: number; produced: boolean; done: boolean }[] = [];
        let start = 0;
        const model = () => {
          let acked = start;
          for (const e of entries) {
            if (!e.done) break;
            acked = e.offset + 1;
          }
          return acked;
        };
        for (const step of steps) {
          if (step.kind === 'produce' || step.kind === 'skip') {
            const offset = s.nextOffset + step.gap;
            const ok = step.kind === 'produce' ? s.accept(offset, 0) : s.skip(offset, 0);
            expect(ok).toBe(true);
            entries.push({ offset, produced: step.kind === 'produce', done: step.kind === 'skip' });
          } else if (step.kind === 'deliver') {
            for (let i = 0; i < step.count; i++) {
              const next = entries.find((e) => e.produced && !e.done);
              if (!next) break;
              next.done = true;
              s.acknowledge(next.offset);
            }
          } else {
            // The newest produced record fails (gap-less: nothing after it is written); the task rewinds after the reports settled.
            const failed = [...entries].reverse().find((e) => e.produced && !e.done);
            if (!failed) continue;
            for (const e of entries) if (e.produced && !e.done && e !== failed) {
              e.done = true;
              s.acknowledge(e.offset);
            }
            s.inFlight--;
            entries = entries.filter((e) => e.offset < failed.offset);
            s.rewindToAcknowledged();
            expect(s.ackedNextOffset).toBeLessThanOrEqual(failed.offset); // E: never past the failed record
            start = s.ackedNextOffset;
            entries = entries.filter((e) => e.offset >= start);
          }
          expect(s.ackedNextOffset).toBeLessThanOrEqual(model()); // never claims an undelivered record
          expect(s.ackedNextOffset).toBeLessThanOrEqual(s.nextOffset); // A
          if (entries.every((e) => e.done)) expect(s.ackedNextOffset).toBe(model()); // exact once everything is reported
        }
      }),
      { seed: 14, numRuns: 300 },
    );
  });
});
