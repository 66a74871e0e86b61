import { describe, expect, it } from 'vitest';
import { DeliveryTally } from './delivery-tally.ts';

describe('DeliveryTally', () => {
  it('counts sent, delivered and failed records, bytes and per-partition offsets', () => {
    const tally = new DeliveryTally();
    for (let i = 0; i < 5; i++) tally.recordSent();
    tally.recordDelivered(1, 10, 100);
    tally.recordDelivered(0, 3, 100);
    tally.recordDelivered(1, 11, 100);
    tally.recordFailed('Local: Message timed out', true);
    tally.recordFailed('Broker: Message size too large', false);
    expect(tally.counts()).toEqual({ sent: 5, delivered: 3, failed: 2, deliveredBytes: 300 });
    expect(tally.inFlight).toBe(1); // the rejected record was never in flight
    expect(tally.partitionDeliveries()).toEqual([
      { partition: 0, records: 1, firstOffset: 3, lastOffset: 3 },
      { partition: 1, records: 2, firstOffset: 10, lastOffset: 11 },
    ]);
    expect(tally.failureReasons()).toEqual({ 'Local: Message timed out': 1, 'Broker: Message size too large': 1 });
  });

  it('resolves waiters once in-flight drops below their threshold', async () => {
    const tally = new DeliveryTally();
    for (let i = 0; i < 3; i++) tally.recordSent();
    let woke = false;
    const waiting = tally.waitUntilInFlightBelow(2).then(() => (woke = true));
    tally.recordDelivered(0, 0, 1);
    await Promise.resolve();
    expect(woke).toBe(false); // 2 in flight, not below 2
    tally.recordFailed('x', true);
    await waiting;
    expect(woke).toBe(true);
    await expect(tally.waitUntilInFlightBelow(5)).resolves.toBeUndefined();
  });
});
