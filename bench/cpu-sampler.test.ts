import { afterEach, describe, expect, it } from 'vitest';
import { CpuSampler, brokerAndMachineCounters } from './cpu-sampler.ts';

describe('CpuSampler', () => {
  let sampler: CpuSampler | undefined;
  afterEach(() => sampler?.stop());

  it('gives each counter\'s CPU between the last readings at or before both edges', () => {
    let now = 1000;
    let a = 5;
    let b: number | undefined = 100;
    sampler = new CpuSampler({ a: () => a, b: () => b }, 60_000, () => now); // reading at 1000: a 5, b 100
    now = 2000;
    a = 6;
    b = 101;
    sampler.sample();
    now = 3000;
    a = 9;
    b = undefined; // process gone: no reading
    sampler.sample();
    expect(sampler.between(1500, 3000)).toEqual({ a: 4, b: 1 }); // a: 9 − 5; b: 101 − 100 (its last reading)
    expect(sampler.between(2000, 2999)).toEqual({ a: 0, b: 0 });
    expect(sampler.between(500, 3000)).toEqual({}); // nothing at or before 500
  });

  it('counts brokers by pid and the machine', () => {
    const counters = brokerAndMachineCounters({ sourceBroker: process.pid, targetBroker: undefined });
    expect(Object.keys(counters).sort()).toEqual(['machine', 'sourceBroker']);
    expect(counters.sourceBroker!()).toBeGreaterThan(0);
    expect(counters.machine!()).toBeGreaterThan(0);
  });
});
