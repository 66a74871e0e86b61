import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIBRDKAFKA_PROPERTIES, REDACTED, isSecretKey, redactProps } from './redaction.ts';

describe('isSecretKey', () => {
  it.each([
    'sasl.password', 'sasl.jaas.config', 'ssl.key.password', 'ssl.keystore.password', 'ssl.truststore.password',
    'ssl.key.pem', 'ssl.keystore.key', 'sasl.oauthbearer.client.secret', 'sasl.oauthbearer.config',
    'primary.sasl.password', 'sasl.oauthbearer.assertion.private.key.passphrase', 'basic.auth.user.info', 'api.token',
    // misspellings and variants of secret names (issue 12): the words, not the exact names, decide
    'primary.consumer.sasl.passwrd', 'sasl.passwd', 'sasl.pwd', 'ssl.keystore.pass', 'sasl.oauthbearer.clientsecret',
    'my.api.key', 'ssl.private.key', 'sasl.oauthbearer.assertion.private.key.pem', 'SASL.PASSWORD',
  ])('%s is secret', (key) => expect(isSecretKey(key)).toBe(true));

  it.each([
    'ssl.key.location', 'ssl.ca.location', 'ssl.keystore.location', 'ssl.keystore.type', 'ssl.truststore.type',
    'sasl.username', 'sasl.kerberos.keytab', 'bootstrap.servers', 'client.id', 'key.serializer',
    'value.deserializer', 'key.converter', 'ssl.keymanager.algorithm', 'sasl.oauthbearer.assertion.private.key.file',
  ])('%s is not secret (paths, types, classes, algorithms)', (key) => expect(isSecretKey(key)).toBe(false));
});

describe('redactProps', () => {
  it('replaces secret values and values of names librdkafka does not know; keeps the keys', () => {
    expect(redactProps({
      'sasl.username': 'alice', 'sasl.password': 'hunter2', 'sasl.passwrd': 'S3cr3t-Pa55', 'sasl.pazzword': 'S3cr3t-Pa55',
      'fetch.wait.max.ms': '50', 'bootstrap.servers': 'p:9092',
    })).toEqual({
      'sasl.username': 'alice', 'sasl.password': REDACTED, 'sasl.passwrd': REDACTED, 'sasl.pazzword': REDACTED,
      'fetch.wait.max.ms': '50', 'bootstrap.servers': 'p:9092',
    });
  });
});

describe('LIBRDKAFKA_PROPERTIES', () => {
  const doc = 'node_modules/@confluentinc/kafka-javascript/deps/librdkafka/CONFIGURATION.md';
  it.skipIf(!existsSync(doc))('equals the property names of the installed librdkafka (without callbacks and pointers)', () => {
    const names = new Set([...readFileSync(doc, 'utf8').matchAll(/^([a-z][A-Za-z0-9._]+) +\|/gm)]
      .map((m) => m[1] ?? '').filter((n) => !n.includes('_') && n !== 'opaque'));
    expect([...LIBRDKAFKA_PROPERTIES].sort()).toEqual([...names].sort());
  });
});
