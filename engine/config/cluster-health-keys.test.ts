import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { CLUSTER_HEALTH_DEFAULTS, parseClusterHealthKeys } from './cluster-health-keys.ts';

const parse = (props: Record<string, string>) => parseClusterHealthKeys((key) => props[key]);

describe('cluster health keys', () => {
  it('defaults: warn after 10 s, wait 60 s at start-up', () => {
    expect(parse({})).toEqual({ unreachableWarnMs: 10_000, startupWaitMs: 60_000 });
    expect(CLUSTER_HEALTH_DEFAULTS).toEqual(parse({}));
  });

  it('reads both keys; -1 waits forever, 0 checks once', () => {
    expect(parse({ 'cluster.unreachable.warn.ms': ' 2500 ', 'cluster.startup.wait.ms': '-1' })).toEqual({ unreachableWarnMs: 2_500, startupWaitMs: Infinity });
    expect(parse({ 'cluster.startup.wait.ms': '0' }).startupWaitMs).toBe(0);
  });

  it.each([
    ['cluster.unreachable.warn.ms', '0', 'a positive integer number of milliseconds'],
    ['cluster.unreachable.warn.ms', '10s', 'a positive integer number of milliseconds'],
    ['cluster.startup.wait.ms', '-2', 'a number of milliseconds ≥ 0, or -1 to wait forever'],
    ['cluster.startup.wait.ms', 'forever', 'a number of milliseconds ≥ 0, or -1 to wait forever'],
  ])('rejects %s = %s naming the key, the value and what was expected', (key, value, expected) => {
    let thrown: unknown;
    try {
      parse({ [key]: value });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ key, value, expected });
  });
});
