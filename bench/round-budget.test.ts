import { describe, expect, it } from 'vitest';
import { roundFits } from './round-budget.ts';

describe('roundFits', () => {
  it('always runs the first round and never stops without a budget', () => {
    expect(roundFits(60_000, 10 * 60_000, [])).toBe(true);
    expect(roundFits(0, 10 * 60_000, [5 * 60_000])).toBe(true);
  });

  it('starts another round only when the slowest so far plus a minute ends inside the budget', () => {
    const budget = 18 * 60_000;
    expect(roundFits(budget, 8 * 60_000, [4 * 60_000, 5 * 60_000])).toBe(true); // 8 + 5 + 1 = 14
    expect(roundFits(budget, 12 * 60_000, [4 * 60_000, 5 * 60_000])).toBe(true); // 12 + 5 + 1 = 18
    expect(roundFits(budget, 12 * 60_000 + 1, [4 * 60_000, 5 * 60_000])).toBe(false);
  });
});
