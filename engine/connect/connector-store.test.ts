import { describe, expect, it } from 'vitest';
import { decodeTargetState, encodeTargetState, replayConfigRecords } from './connector-store.ts';

const config = (props: Record<string, string>) => Buffer.from(JSON.stringify({ properties: props }));

describe('config topic records (Connect KafkaConfigBackingStore shapes)', () => {
  it('target states round-trip; STOPPED is written as PAUSED for old readers and STOPPED in state.v2', () => {
    expect(JSON.parse(encodeTargetState('RUNNING').toString())).toEqual({ state: 'STARTED', 'state.v2': 'STARTED' });
    expect(JSON.parse(encodeTargetState('STOPPED').toString())).toEqual({ state: 'PAUSED', 'state.v2': 'STOPPED' });
    for (const s of ['RUNNING', 'PAUSED', 'STOPPED'] as const) expect(decodeTargetState(encodeTargetState(s))).toBe(s);
    expect(decodeTargetState(Buffer.from('{"state":"PAUSED"}'))).toBe('PAUSED');
    expect(decodeTargetState(Buffer.from('not json'))).toBe('RUNNING');
  });

  it('replay: a target state written before its config applies to it; tombstones delete; later configs win', () => {
    const m = replayConfigRecords([
      { key: 'target-state-a', value: encodeTargetState('PAUSED') },
      { key: 'connector-a', value: config({ name: 'a', topics: 'x' }) },
      { key: 'connector-b', value: config({ name: 'b' }) },
      { key: 'connector-a', value: config({ name: 'a', topics: 'y' }) },
      { key: 'connector-b', value: null },
      { key: 'connector-c', value: Buffer.from('garbage') },
      { key: 'task-a-0', value: config({}) },
    ]);
    expect([...m.values()]).toEqual([{ name: 'a', config: { name: 'a', topics: 'y' }, targetState: 'PAUSED' }]);
  });
});
