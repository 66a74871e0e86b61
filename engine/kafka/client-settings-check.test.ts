import { describe, expect, it } from 'vitest';
import { parseMirrorConfig } from '../config/config.ts';
import { ConfigError, ERROR_CODES } from '../core/errors.ts';
import { checkClientSettings } from './client-settings-check.ts';

const BASE = ['clusters = primary, standby', 'primary.bootstrap.servers = 127.0.0.1:19092', 'standby.bootstrap.servers = 127.0.0.1:19093', 'primary->standby.enabled = true'];

/** The ConfigError checkClientSettings throws for `extra` lines, on either side of the flow. */
function failure(...extra: string[]): ConfigError | undefined {
  const { config } = parseMirrorConfig([...BASE, ...extra].join('\n'));
  const flow = config.flows[0]!;
  try {
    checkClientSettings(flow.source);
    checkClientSettings(flow.target);
    return undefined;
  } catch (err) {
    return err as ConfigError;
  }
}

describe('checkClientSettings (issue 12 item 3)', () => {
  it.each([
    ['primary.consumer.fetch.min.bytes = abc', 'primary.consumer.fetch.min.bytes', 'abc'],
    ['standby.producer.compression.type = brotli', 'standby.producer.compression.type', 'brotli'],
    ['standby.producer.acks = sometimes', 'standby.producer.acks', 'sometimes'],
    ['primary.consumer.no.such.thing = 1', 'primary.consumer.no.such.thing', '[REDACTED]'],
    ['primary.sasl.mechanism = PLAINISH', 'primary.sasl.mechanism', 'PLAINISH'],
    ['consumer.fetch.max.wait.ms = soon', 'consumer.fetch.max.wait.ms', 'soon'],
  ])('%s → ConfigError naming the key as written', (line, key, value) => {
    const err = failure(line);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.code).toBe(ERROR_CODES.CONFIG_INVALID);
    expect(err!.key).toBe(key);
    expect(err!.value).toBe(value);
    expect(err!.message).toContain(key);
  });

  it("names the user's key, never librdkafka's alias for it", () => {
    expect(failure('standby.producer.compression.type = brotli')!.message).not.toMatch(/^[^(]*compression\.codec/);
  });

  it('accepts valid settings of every role, SASL and TLS file paths included', () => {
    expect(failure('primary.consumer.fetch.min.bytes = 1024', 'standby.producer.compression.type = lz4', 'standby.producer.acks = all',
      'primary.security.protocol = SASL_PLAINTEXT', 'primary.sasl.mechanism = SCRAM-SHA-512',
      'primary.sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";')).toBeUndefined();
  });

  it('never shows a secret value', () => {
    const err = failure('primary.consumer.sasl.password = hunter2', 'primary.consumer.sasl.mechanism = NOPE');
    expect(err!.message).not.toContain('hunter2');
  });
});
