import { describe, expect, it } from 'vitest';
import type { InternalDelivery, TargetTransactions } from './target-transactions.ts';
import { TransactionSink } from './transaction-sink.ts';

/** Records what was sent into the "transaction"; reports arrive when `report()` is called. */
class FakeTransactions implements TargetTransactions {
  readonly sent: { topic: string; partition: number; key: string; value: string | null }[] = [];
  readonly reports: InternalDelivery[] = [];
  full = false;
  sendInternal(topic: string, partition: number, key: Buffer, value: Buffer | null, _ts: number, onDelivery?: InternalDelivery): boolean {
    if (this.full) return false;
    this.sent.push({ topic, partition, key: key.toString(), value: value?.toString() ?? null });
    if (onDelivery) this.reports.push(onDelivery);
    return true;
  }
  commit(): Promise<void> {
    return Promise.resolve();
  }
  abort(): Promise<void> {
    return Promise.resolve();
  }
  report(): void {
    for (const r of this.reports.splice(0)) r(undefined);
  }
}

describe('TransactionSink', () => {
  it('refuses records while unbound: nothing is ever written outside a transaction', () => {
    const sink = new TransactionSink();
    expect(sink.bound).toBe(false);
    expect(sink.send('progress', Buffer.from('k'), Buffer.from('v'), 0)).toBe(false);
  });

  it('sends to partition 0 of the bound transaction (tombstones too) and flush waits for every delivery report', async () => {
    const sink = new TransactionSink();
    const tx = new FakeTransactions();
    sink.bind(tx);
    const delivered: (string | undefined)[] = [];
    expect(sink.send('progress', Buffer.from('k1'), Buffer.from('v1'), 0, (err) => delivered.push(err?.message ?? 'ok'))).toBe(true);
    expect(sink.send('progress', Buffer.from('k2'), null, 0)).toBe(true);
    expect(tx.sent).toEqual([{ topic: 'progress', partition: 0, key: 'k1', value: 'v1' }, { topic: 'progress', partition: 0, key: 'k2', value: null }]);
    expect(await sink.flush(20)).toBe(false);
    tx.report();
    expect(await sink.flush(20)).toBe(true);
    expect(delivered).toEqual(['ok']);
  });

  it('a full queue is refused (false, not pending); a rebinding forgets reports of the replaced producer', async () => {
    const sink = new TransactionSink();
    const old = new FakeTransactions();
    sink.bind(old);
    sink.send('progress', Buffer.from('k'), Buffer.from('v'), 0);
    const fresh = new FakeTransactions();
    sink.bind(fresh);
    expect(await sink.flush(10)).toBe(true);
    old.report(); // late report of the old producer: does not count against the new binding
    fresh.full = true;
    expect(sink.send('progress', Buffer.from('k'), Buffer.from('v'), 0)).toBe(false);
    expect(await sink.flush(10)).toBe(true);
  });
});
