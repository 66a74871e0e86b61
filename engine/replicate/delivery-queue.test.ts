import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeliveryQueue, type InFlight } from './delivery-queue.ts';

const record = (offset: number) => ({ offset }) as unknown as InFlight;

describe('DeliveryQueue', () => {
  it('returns records in push order across head compactions, then undefined', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant('push' as const), fc.constant('shift' as const)), { maxLength: 5000 }), (ops) => {
        const q = new DeliveryQueue();
        const model: number[] = [];
        let next = 0;
        for (const op of ops) {
          if (op === 'push') {
            q.push(record(next));
            model.push(next++);
          } else {
            expect(q.shift()?.offset).toBe(model.shift());
          }
        }
        while (model.length) expect(q.shift()?.offset).toBe(model.shift());
        expect(q.shift()).toBeUndefined();
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});
