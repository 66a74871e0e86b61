import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeliveryQueue, type InFlight } from './delivery-queue.ts';

const record = (offset: number) => ({ offset }) as unknown as InFlight;

describe('DeliveryQueue', () => {
  it('behaves as a double-ended queue (push and pop at the tail, shift and peek at the head) across head compactions', () => {
    const op = fc.constantFrom('push' as const, 'push' as const, 'shift' as const, 'pop' as const, 'peek' as const);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 5000 }), (ops) => {
        const q = new DeliveryQueue();
        const model: number[] = [];
        let next = 0;
        for (const o of ops) {
          if (o === 'push') {
            q.push(record(next));
            model.push(next++);
          } else if (o === 'shift') {
            expect(q.shift()?.offset).toBe(model.shift());
          } else if (o === 'pop') {
            expect(q.pop()?.offset).toBe(model.pop());
          } else {
            expect(q.peek()?.offset).toBe(model[0]);
          }
          expect(q.size).toBe(model.length);
        }
        while (model.length) expect(q.shift()?.offset).toBe(model.shift());
        expect([q.shift(), q.pop(), q.peek(), q.size]).toEqual([undefined, undefined, undefined, 0]);
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('clear() drops every record', () => {
    const q = new DeliveryQueue();
    for (let i = 0; i < 3000; i++) q.push(record(i));
    for (let i = 0; i < 2000; i++) q.shift();
    q.clear();
    expect([q.size, q.shift(), q.peek()]).toEqual([0, undefined, undefined]);
    q.push(record(7));
    expect(q.shift()?.offset).toBe(7);
  });
});
