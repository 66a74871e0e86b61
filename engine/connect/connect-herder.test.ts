import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { EventJournal } from '../telemetry/event-journal.ts';
import { waitFor } from '../../testkit/wait-for.ts';
import { ConnectHerder } from './connect-herder.ts';
import { FakePairEngine, MemoryConnectorStore } from './fakes/memory-connector-store.ts';

const CONFIG = {
  'connector.class': 'MirrorSourceConnector',
  'source.cluster.alias': 'source',
  'target.cluster.alias': 'target',
  'source.cluster.bootstrap.servers': 'src:9092',
  'target.cluster.bootstrap.servers': 'tgt:9092',
};

const herders: ConnectHerder[] = [];
function herder(store: MemoryConnectorStore, engines: FakePairEngine[], refreshIntervalMs: number): ConnectHerder {
  const h = new ConnectHerder({
    store, logger: silentLogger(), journal: new EventJournal(), workerId: () => 'w', refreshIntervalMs,
    createEngine: (config) => {
      const e = new FakePairEngine(config, false);
      engines.push(e);
      return e;
    },
  });
  herders.push(h);
  return h;
}

afterEach(async () => {
  for (const h of herders.splice(0)) await h.stop();
});

describe('ConnectHerder across workers of one group', () => {
  it('a second worker picks up connectors created, paused and deleted through the first from the config topic', async () => {
    const store = new MemoryConnectorStore();
    const enginesA: FakePairEngine[] = [];
    const enginesB: FakePairEngine[] = [];
    const a = herder(store, enginesA, 0);
    const b = herder(store, enginesB, 20);
    await a.start();
    await b.start();
    await a.create('src', { ...CONFIG }, undefined);
    await waitFor(() => b.names().includes('src') && enginesB.length === 1, { message: 'worker B runs src' });
    await waitFor(() => b.status('src').connector.state === 'RUNNING', { message: 'src RUNNING on B' });
    await a.settled();
    await a.setTargetState('src', 'PAUSED');
    await waitFor(() => b.status('src').connector.state === 'PAUSED', { message: 'src PAUSED on B' });
    expect(enginesB[0]!.stopped).toBe(true);
    await a.settled();
    await a.delete('src');
    await waitFor(() => b.names().length === 0, { message: 'src gone on B' });
  });

  it('an invalid stored config (written by hand) is FAILED with the reason, the others run', async () => {
    const store = new MemoryConnectorStore();
    await store.putConfig('broken', { name: 'broken', 'connector.class': 'Nope' });
    await store.putConfig('src', { ...CONFIG, name: 'src' });
    const engines: FakePairEngine[] = [];
    const h = herder(store, engines, 0);
    await h.start();
    await h.settled();
    expect(h.status('broken').connector).toMatchObject({ state: 'FAILED', trace: expect.stringContaining("Invalid config: 'connector.class' = 'Nope'") });
    expect(h.status('src').connector.state).toBe('RUNNING');
    expect(engines).toHaveLength(1);
  });
});
