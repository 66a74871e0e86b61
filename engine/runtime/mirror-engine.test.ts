import { describe, expect, it } from 'vitest';
import { parseMirrorConfig } from '../config/config.ts';
import { silentLogger } from '../core/logger.ts';
import { ConfigError, ERROR_CODES } from '../core/errors.ts';
import { MirrorEngine, effectiveDataPath, transactionalIdOf } from './mirror-engine.ts';

/** A flow whose source uses SASL GSSAPI (Kerberos): librdkafka could, kafkajs (topic-config sync) cannot. */
const properties = (extra: string[] = []) =>
  [
    'clusters = primary, standby',
    'primary.bootstrap.servers = 127.0.0.1:1',
    'standby.bootstrap.servers = 127.0.0.1:1',
    'primary.security.protocol = SASL_PLAINTEXT',
    'primary.sasl.mechanism = GSSAPI',
    'primary->standby.enabled = true',
    ...extra,
  ].join('\n');

describe('MirrorEngine start', () => {
  it('fails with ConfigError naming the key, before connecting to anything, when kafkajs cannot honour a source setting', async () => {
    const engine = new MirrorEngine({ config: parseMirrorConfig(properties()).config, logger: silentLogger(), summaryIntervalMs: 0 });
    const err = await engine.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ code: ERROR_CODES.CONFIG_INVALID, key: 'sasl.mechanisms', value: 'GSSAPI' });
    expect(engine.connections.all().map((c) => c.openClients())).toEqual([{ admin: false, internalProducer: false, kafkajsAdmin: false }]);
    await engine.stop();
  });

  it('refuses exactly.once.support = required without exactly.once.source.support = enabled (KIP-618), before connecting', async () => {
    const plain = (extra: string[]) => properties(extra).replace('primary.security.protocol = SASL_PLAINTEXT\nprimary.sasl.mechanism = GSSAPI\n', '');
    const engine = new MirrorEngine({ config: parseMirrorConfig(plain(['primary->standby.exactly.once.support = required'])).config, logger: silentLogger(), summaryIntervalMs: 0 });
    const err = await engine.start().then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: ERROR_CODES.CONFIG_INVALID, key: 'primary->standby.exactly.once.support', value: 'required' });
    expect(engine.connections.all().every((c) => !c.openClients().admin)).toBe(true);
    await engine.stop();
  });
});

describe('exactly-once settings', () => {
  it('reads exactly.once.source.support top-level or per flow, and builds a transactional.id per instance slot', () => {
    const flowOf = (extra: string[]) => parseMirrorConfig(properties(extra)).config.flows[0]!;
    expect(flowOf([]).exactlyOnceSourceSupport).toBe('disabled');
    expect(flowOf(['exactly.once.source.support = enabled']).exactlyOnceSourceSupport).toBe('enabled');
    expect(flowOf(['primary->standby.exactly.once.source.support = enabled']).exactlyOnceSourceSupport).toBe('enabled');
    expect(flowOf([]).transactionTimeoutMs).toBe(10_000);
    expect(transactionalIdOf(flowOf([]), 'host-a', 1)).toBe('kafka-mirror-primary-standby-host-a-1');
    expect(() => flowOf(['exactly.once.source.support = maybe'])).toThrow(ConfigError);
  });
});

describe('effectiveDataPath', () => {
  it('keeps data.path unless the flow needs the provenance header (only the record path adds it); exactly-once runs on either path', () => {
    expect(effectiveDataPath({ dataPath: 'batches' }, { provenance: false })).toEqual({ path: 'batches' });
    expect(effectiveDataPath({ dataPath: 'records' }, { provenance: true })).toEqual({ path: 'records' });
    const header = effectiveDataPath({ dataPath: 'batches' }, { provenance: true });
    expect(header.path).toBe('records');
    expect(header.reason).toContain('provenance');
  });
});
