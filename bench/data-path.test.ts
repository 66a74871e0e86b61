import { describe, expect, it } from 'vitest';
import { checkDataPath, dataPathLine, thisCheckoutAcceptsDataPath } from './data-path.ts';

const line = (o: Record<string, unknown>) => JSON.stringify({ level: 'info', time: 1, ...o });
const starting = (flows: Record<string, unknown>[]) => line({ component: 'engine', config: { clusters: ['primary', 'standby'], flows, heartbeatPairs: [] }, msg: 'kafka-mirror starting' });
const unknownKey = line({ level: 'warn', component: 'config', msg: "unknown key 'data.path' (line 15); ignored" });

describe('checkDataPath', () => {
  it('confirms a path the config echo shows in every flow (dataPath or data.path)', () => {
    expect(checkDataPath([starting([{ name: 'primary->standby', dataPath: 'batches' }]), ''].join('\n'), 'batches').confirmed).toBe(true);
    expect(checkDataPath(starting([{ 'data.path': 'records' }]), 'records').confirmed).toBe(true);
  });

  it('does not confirm the batch path when the engine ignored the key or echoes another path', () => {
    const ignored = checkDataPath([unknownKey, starting([{ name: 'primary->standby' }])].join('\n'), 'batches');
    expect(ignored).toEqual({ confirmed: false, reason: `the engine ignored the key: "unknown key 'data.path' (line 15); ignored"` });
    expect(checkDataPath(starting([{ dataPath: 'records' }, { dataPath: 'batches' }]), 'batches')).toMatchObject({ confirmed: false, reason: expect.stringContaining('found: records, batches') });
    expect(checkDataPath(starting([{}]), 'batches').confirmed).toBe(false);
    expect(checkDataPath('not json\n', 'batches')).toMatchObject({ confirmed: false, reason: expect.stringContaining('no \'kafka-mirror starting\'') });
  });

  it('takes an engine without the key as running records (its only path)', () => {
    expect(checkDataPath([unknownKey, starting([{}])].join('\n'), 'records').confirmed).toBe(true);
  });
});

describe('the pre-flight probe and the property line', () => {
  it('asks with data.path and probes this checkout\'s parser', () => {
    expect(dataPathLine('batches')).toBe('data.path = batches');
    expect(typeof thisCheckoutAcceptsDataPath('batches')).toBe('boolean');
  });
});
