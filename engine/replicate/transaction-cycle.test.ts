import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../core/logger.ts';
import { TransactionError } from '../core/errors.ts';
import type { TargetTransactions, TransactionGroup, TransactionOffset } from '../kafka/target-transactions.ts';
import { PartitionState } from '../partitions/partition-state.ts';
import { TransactionCycle, type TransactionCyclePort } from './transaction-cycle.ts';

/** A transaction log: what the cycle asked of the producer, in order. */
class FakeTransactions implements TargetTransactions {
  readonly calls: string[] = [];
  readonly commits: { offsets: readonly TransactionOffset[]; group: TransactionGroup | undefined }[] = [];
  failCommitWith: TransactionError | undefined;
  sendInternal(): boolean {
    return true;
  }
  commit(offsets: readonly TransactionOffset[], group: TransactionGroup | undefined): Promise<void> {
    this.calls.push('commit');
    if (this.failCommitWith) return Promise.reject(this.failCommitWith);
    this.commits.push({ offsets, group });
    return Promise.resolve();
  }
  abort(): Promise<void> {
    this.calls.push('abort');
    return Promise.resolve();
  }
}

type LogLine = Record<string, unknown>;

/** A debug logger whose JSON lines are parsed into `lines`. */
function capturingLogger(lines: LogLine[]): Logger {
  const stream = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(...chunk.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine)), done()) });
  return createLogger({ destination: stream, level: 'debug' });
}

const GROUP: TransactionGroup = { consumer: 'membership-consumer', lost: () => false };

function harness(options: { fenced?: boolean; gate?: number } = {}) {
  const tx = new FakeTransactions();
  let now = 1_000;
  const lines: LogLine[] = [];
  const a = new PartitionState({ topic: 't', partition: 0 }, 'id', 0, now);
  const b = new PartitionState({ topic: 't', partition: 1 }, 'id', 100, now);
  let table = [a, b];
  const events: string[] = [];
  const port: TransactionCyclePort = {
    transactions: () => tx,
    states: () => table,
    drain: () => Promise.resolve(true),
    flushSyncs: () => Promise.resolve(void events.push('flush-syncs')),
    writeProgress: (states) => {
      // The offset-sync gate may hold progress below the acknowledged position (gate), as ProgressWriter does.
      for (const s of states) s.persistedNextOffset = options.gate === undefined ? s.ackedNextOffset : Math.min(options.gate, s.ackedNextOffset);
      events.push(`progress ${states.map((s) => `${s.key}@${s.persistedNextOffset}`).join(' ')}`);
      return Promise.resolve();
    },
    flushInternal: () => Promise.resolve(true),
    remoteTopic: (topic) => `primary.${topic}`,
    group: () => GROUP,
    fenced: () => options.fenced ?? false,
    replaceProducer: () => Promise.resolve(void events.push('replace-producer')),
    readoptFromCommitted: () => {
      events.push('readopt');
      table = [];
      return Promise.resolve();
    },
  };
  const cycle = new TransactionCycle({ port, commitIntervalMs: 1000, transactionTimeoutMs: 10_000, clock: () => now, logger: capturingLogger(lines) });
  const mirror = (s: PartitionState, n: number) => {
    for (let i = 0; i < n; i++) {
      s.accept(s.nextOffset, now);
      s.acknowledge(s.nextOffset - 1);
    }
  };
  return { tx, cycle, a, b, events, lines, mirror, advance: (ms: number) => (now += ms) };
}

describe('TransactionCycle', () => {
  it('commits progress at exactly the acknowledged positions, with the upstream next offsets sent to the group (invariant A)', async () => {
    const h = harness();
    h.mirror(h.a, 5);
    h.mirror(h.b, 3);
    expect(await h.cycle.commit()).toBe('committed');
    expect(h.events).toEqual(['flush-syncs', 'progress t-0@5 t-1@103']);
    expect(h.tx.commits).toEqual([{ offsets: [{ topic: 'primary.t', partition: 0, offset: 5 }, { topic: 'primary.t', partition: 1, offset: 103 }], group: GROUP }]);
    expect(h.cycle.counts).toEqual({ committed: 1, aborted: 0 });
  });

  it('is due every commit interval, and at once when the record-count trigger asks', () => {
    const h = harness();
    expect(h.cycle.due(1_000)).toBe(false);
    h.cycle.request();
    expect(h.cycle.due(1_000)).toBe(true);
    expect(harness().cycle.due(2_000)).toBe(true);
  });

  it('defers (keeps the transaction open) while the ownership lease is in doubt or progress cannot reach the acknowledged position', async () => {
    const fenced = harness({ fenced: true });
    fenced.mirror(fenced.a, 5);
    expect(await fenced.cycle.commit()).toBe('deferred');
    const gated = harness({ gate: 2 });
    gated.mirror(gated.a, 5);
    expect(await gated.cycle.commit()).toBe('deferred');
    expect([...fenced.tx.calls, ...gated.tx.calls]).toEqual([]);
  });

  it('after poison (partitions lost) the open transaction is aborted, never committed, and every partition re-adopted (invariants B, C)', async () => {
    const h = harness();
    h.mirror(h.a, 5);
    h.cycle.poison('the group declared 1 partitions lost');
    expect(await h.cycle.commit()).toBe('aborted');
    expect(h.tx.calls).toEqual(['abort']);
    expect(h.events).toEqual(['readopt']);
    expect(h.lines.find((l) => l.event === 'transaction_aborted')).toMatchObject({ level: 'warn', reason: 'the group declared 1 partitions lost', fencedZombie: false });
  });

  it('a commit the group refuses (KIP-447: a zombie generation) is aborted and logged as fenced', async () => {
    const h = harness();
    h.mirror(h.a, 5);
    h.tx.failCommitWith = new TransactionError('transaction send-offsets failed: Broker: Specified group generation id is not valid', { stage: 'send-offsets', producerUnusable: false, kafkaCode: 22 });
    expect(await h.cycle.commit()).toBe('aborted');
    expect(h.tx.calls).toEqual(['commit', 'abort']);
    const line = h.lines.find((l) => l.event === 'transaction_aborted');
    expect(line).toMatchObject({ fencedZombie: true, kafkaCode: 22 });
    expect(String(line?.msg)).toMatch(/^Transaction aborted: the group refused this instance's generation/);
  });

  it('an unusable producer (fatal, e.g. PRODUCER_FENCED) is replaced instead of aborted, then partitions are re-adopted', async () => {
    const h = harness();
    h.mirror(h.a, 1);
    h.tx.failCommitWith = new TransactionError('transaction commit failed: Broker: Producer fenced', { stage: 'commit', producerUnusable: true, kafkaCode: 90 });
    expect(await h.cycle.commit()).toBe('aborted');
    expect(h.tx.calls).toEqual(['commit']);
    expect(h.events.slice(-2)).toEqual(['replace-producer', 'readopt']);
  });

  it('finish: a clean stop commits; a failed task aborts without re-adopting', async () => {
    const ok = harness();
    ok.mirror(ok.a, 2);
    expect(await ok.cycle.finish(true)).toBe('committed');
    const failed = harness();
    failed.mirror(failed.a, 2);
    expect(await failed.cycle.finish(false)).toBe('aborted');
    expect(failed.tx.calls).toEqual(['abort']);
    expect(failed.events).not.toContain('readopt');
  });
});
