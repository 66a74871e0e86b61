import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { parseBootstrapServers, sameCluster } from './bootstrap-servers.ts';

const KEY = 'primary.bootstrap.servers';
const parse = (value: string | undefined) => parseBootstrapServers(KEY, value, 'flow primary->standby uses cluster primary');

describe('parseBootstrapServers', () => {
  it.each([
    ['127.0.0.1:9092', '127.0.0.1:9092'],
    [' A_host1:9092 , A_host2:9092,A_host3:9092 ', 'A_host1:9092,A_host2:9092,A_host3:9092'],
    ['[::1]:9092', '[::1]:9092'],
    ['[2001:db8::7%eth0]:9093', '[2001:db8::7%eth0]:9093'],
    ['SASL_SSL://broker-1.example.com:9093', 'SASL_SSL://broker-1.example.com:9093'],
    ['kafka-0.kafka.svc.cluster.local.:65535', 'kafka-0.kafka.svc.cluster.local.:65535'],
    ['p:1', 'p:1'],
  ])('accepts %j', (value, servers) => {
    expect(parse(value).servers).toBe(servers);
  });

  it.each([
    ['localhost', "'localhost' has no port (librdkafka would silently use 9092)"],
    ['a:9092, b', "'b' has no port"],
    ['localhost:99999', "'localhost:99999' has port 99999"],
    ['localhost:0', "'localhost:0' has port 0"],
    ['localhost:123456', "'localhost:123456' has port 123456"],
    ['localhost:abc', "'localhost:abc' is not host:port"],
    ['not a host:9092', "'not a host' is not a valid host name"],
    ['-bad:9092', "'-bad' is not a valid host name"],
    ['a..b:9092', "'a..b' is not a valid host name"],
    [':9092', "'' is not a valid host name"],
    ['999.1.1.1:9092', "'999.1.1.1' is not a valid IPv4 address"],
    ['::1:9092', "'::1' looks like an IPv6 address: write it in brackets, [::1]:port"],
    ['[zz::1]:9092', "'[zz::1]' is not a valid [IPv6] address"],
    ['http://broker:9092', "'http://broker' is not a valid host name"],
  ])('rejects %j with a ConfigError naming the key and the entry', (value, why) => {
    const attempt = (): unknown => parse(value);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`Invalid config: '${KEY}' = '${value}' (expected host:port[,host:port…] with a host name, IPv4 or [IPv6] address`);
    expect(attempt).toThrow(why);
  });

  it('rejects a missing or empty list as required', () => {
    expect(() => parse(undefined)).toThrow(`Invalid config: '${KEY}' is required`);
    expect(() => parse(' , ')).toThrow(`Invalid config: '${KEY}' = ' , '`);
  });
});

describe('sameCluster', () => {
  it('is true when the lists share a broker address (case and protocol prefix ignored), false otherwise', () => {
    expect(sameCluster(parse('a:1,b:2'), parse('c:3, B:2'))).toBe(true);
    expect(sameCluster(parse('SSL://a:1'), parse('a:1'))).toBe(true);
    expect(sameCluster(parse('a:1'), parse('a:2'))).toBe(false);
    expect(sameCluster(parse('127.0.0.1:9092'), parse('127.0.0.1:9093'))).toBe(false);
  });
});
