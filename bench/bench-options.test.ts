import { describe, expect, it } from 'vitest';
import { ConfigError } from '../engine/core/errors.ts';
import { parseBenchOptions } from './bench-options.ts';

describe('parseBenchOptions --group-initial-rebalance-delay-ms', () => {
  it("defaults to Kafka's broker default (3000), not the test clusters' 0", () => {
    expect(parseBenchOptions([]).groupInitialRebalanceDelayMs).toBe(3000);
  });

  it('takes 0 (the test clusters’ setting) and rejects a non-integer', () => {
    expect(parseBenchOptions(['--group-initial-rebalance-delay-ms', '0']).groupInitialRebalanceDelayMs).toBe(0);
    expect(() => parseBenchOptions(['--group-initial-rebalance-delay-ms', '3s'])).toThrow(ConfigError);
  });
});
