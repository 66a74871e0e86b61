import { describe, expect, it } from 'vitest';
import { parseMirrorConfig } from '../config/config.ts';
import { silentLogger } from '../core/logger.ts';
import { ConfigError, ERROR_CODES } from '../core/errors.ts';
import { MirrorEngine } from './mirror-engine.ts';

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
});
