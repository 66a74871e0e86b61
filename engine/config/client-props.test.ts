import { describe, expect, it } from 'vitest';
import { parseJaasConfig, translateClientProps, type ClientRole } from './client-props.ts';

const translate = (props: Record<string, string>, role: ClientRole = 'common') =>
  translateClientProps(new Map(Object.entries(props).map(([k, v]) => [k, { key: `primary.${k}`, value: v }])), role);

describe('parseJaasConfig', () => {
  it('reads the login module and quoted / unquoted options', () => {
    expect(parseJaasConfig('k', 'org.apache.kafka.common.security.plain.PlainLoginModule required username="a b" password="p\\"w;x" serviceName=kafka;'))
      .toEqual({ module: 'org.apache.kafka.common.security.plain.PlainLoginModule', options: { username: 'a b', password: 'p"w;x', serviceName: 'kafka' } });
  });

  it('throws a ConfigError that hides the value', () => {
    expect(() => parseJaasConfig('primary.sasl.jaas.config', 'password="hunter2"'))
      .toThrow("Invalid config: 'primary.sasl.jaas.config' = '[REDACTED]' (expected <LoginModule class> required key=\"value\" ...;)");
  });
});

describe('translateClientProps', () => {
  it('maps Java SASL settings to librdkafka names', () => {
    const { props, warnings } = translate({
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="hunter2";',
    });
    expect(props).toEqual({ 'security.protocol': 'sasl_ssl', 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'alice', 'sasl.password': 'hunter2' });
    expect(warnings).toEqual([]);
  });

  it('maps OIDC and Kerberos JAAS options, warns on unknown login modules', () => {
    expect(translate({ 'sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="id" clientSecret="s" scope="x";' }).props)
      .toEqual({ 'sasl.oauthbearer.method': 'oidc', 'sasl.oauthbearer.client.id': 'id', 'sasl.oauthbearer.client.secret': 's', 'sasl.oauthbearer.scope': 'x' });
    expect(translate({ 'sasl.jaas.config': 'com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k.keytab" principal="mm@EX";' }).props)
      .toEqual({ 'sasl.kerberos.keytab': '/k.keytab', 'sasl.kerberos.principal': 'mm@EX' });
    const custom = translate({ 'sasl.jaas.config': 'com.acme.Login required secret="x";' });
    expect(custom.props).toEqual({});
    expect(custom.warnings).toEqual(['primary.sasl.jaas.config: login module com.acme.Login has no librdkafka equivalent here; ignored (set sasl.* librdkafka properties instead)']);
  });

  it('lets an explicit librdkafka name win over a translated Java name, with a warning', () => {
    const { props, warnings } = translate({ 'sasl.mechanisms': 'PLAIN', 'sasl.mechanism': 'SCRAM-SHA-256' });
    expect(props).toEqual({ 'sasl.mechanisms': 'PLAIN' });
    expect(warnings).toEqual(['sasl.mechanisms: set both directly and through a Java setting; the direct librdkafka value wins']);
  });

  it('maps PEM truststores and PKCS12/PEM keystores; warns and drops JKS', () => {
    expect(translate({ 'ssl.truststore.location': '/etc/ca.pem', 'ssl.truststore.type': 'PEM', 'ssl.truststore.password': 'x' }).props)
      .toEqual({ 'ssl.ca.location': '/etc/ca.pem' });
    expect(translate({ 'ssl.keystore.location': '/etc/client.p12', 'ssl.keystore.password': 'pw' }).props)
      .toEqual({ 'ssl.keystore.location': '/etc/client.p12', 'ssl.keystore.password': 'pw' });
    expect(translate({ 'ssl.keystore.location': '/etc/client.pem', 'ssl.keystore.type': 'PEM' }).props)
      .toEqual({ 'ssl.certificate.location': '/etc/client.pem', 'ssl.key.location': '/etc/client.pem' });
    const jks = translate({ 'ssl.truststore.location': '/etc/truststore.jks', 'ssl.keystore.location': '/etc/ks.jks', 'ssl.keystore.password': 'pw' });
    expect(jks.props).toEqual({});
    expect(jks.warnings).toEqual([
      'primary.ssl.truststore.location: librdkafka cannot read JKS/PKCS12 truststores; convert it to PEM and set ssl.ca.location; ignored',
      'primary.ssl.keystore.location: librdkafka cannot read JKS keystores; convert it to PKCS12 or PEM; ignored',
    ]);
  });

  it('renames and converts Java tuning settings', () => {
    expect(translate({ 'fetch.max.wait.ms': '50', 'max.request.size': '2000000', 'buffer.memory': '33554432',
      'send.buffer.bytes': '-1', 'receive.buffer.bytes': '65536', 'ssl.endpoint.identification.algorithm': '' }).props)
      .toEqual({ 'fetch.wait.max.ms': '50', 'message.max.bytes': '2000000', 'queue.buffering.max.kbytes': '32768',
        'socket.send.buffer.bytes': '0', 'socket.receive.buffer.bytes': '65536', 'ssl.endpoint.identification.algorithm': 'none' });
  });

  it('drops Java-only and engine-managed settings with warnings naming the key', () => {
    const { props, warnings } = translate({ 'max.poll.records': '500', 'auto.offset.reset': 'latest', 'fetch.min.bytes': '1' }, 'consumer');
    expect(props).toEqual({ 'fetch.min.bytes': '1' });
    expect(warnings).toEqual([
      'primary.max.poll.records: Java client setting with no librdkafka equivalent; ignored',
      'primary.auto.offset.reset: managed by the engine (use truncation.policy); ignored',
    ]);
    expect(translate({ 'auto.offset.reset': 'latest' }, 'producer').props).toEqual({ 'auto.offset.reset': 'latest' });
  });

  it('rejects an unknown security.protocol and a non-numeric buffer.memory', () => {
    expect(() => translate({ 'security.protocol': 'TLS' })).toThrow(
      "Invalid config: 'primary.security.protocol' = 'TLS' (expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)",
    );
    expect(() => translate({ 'buffer.memory': '32m' })).toThrow("'primary.buffer.memory' = '32m'");
  });
});
