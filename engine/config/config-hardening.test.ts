/** Issue 12 (config half): each case here was accepted, leaked or hung before the fix. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { parseMirrorConfig, redactConfig } from './config.ts';
import { FLOW_KEYS } from './config-keys.ts';
import { MAX_TIMER_MS, MAX_TIMER_SECONDS } from './config-values.ts';

const BASE = [
  'clusters = primary, standby',
  'primary.bootstrap.servers = 127.0.0.1:9092',
  'standby.bootstrap.servers = 127.0.0.1:9093',
  'primary->standby.enabled = true',
];
const parse = (...lines: string[]) => parseMirrorConfig([...BASE, ...lines].join('\n'), { env: {} });
const withBootstrap = (primary: string, standby: string, ...lines: string[]) => parseMirrorConfig([
  BASE[0], `primary.bootstrap.servers = ${primary}`, `standby.bootstrap.servers = ${standby}`, BASE[3], ...lines,
].join('\n'), { env: {} });
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('redaction in the startup line (redactConfig)', () => {
  it('hides a misspelled secret key and any client property librdkafka does not know; shows known settings', () => {
    const { config } = parse(
      'primary.consumer.sasl.passwrd = S3cr3t-Pa55', 'standby.producer.sasl.pazzword = S3cr3t-Pa55',
      'primary.sasl.password = hunter2', 'primary.consumer.fetch.wait.max.ms = 50', 'primary.sasl.username = alice',
    );
    const line = JSON.stringify(redactConfig(config));
    expect(line).not.toContain('S3cr3t-Pa55');
    expect(line).not.toContain('hunter2');
    const f = redactConfig(config).flows[0] as { source: { consumer: Record<string, string> }; target: { producer: Record<string, string> } };
    expect(f.source.consumer).toMatchObject({
      'sasl.passwrd': '[REDACTED]', 'sasl.password': '[REDACTED]', 'fetch.wait.max.ms': '50', 'sasl.username': 'alice',
    });
    expect(f.target.producer['sasl.pazzword']).toBe('[REDACTED]');
  });

  it('keeps a misspelled secret out of the error message when its value is invalid', () => {
    const err = configError(() => parse('primary.consumer.sasl.passwrd = ${file:/etc/kafka/S3cr3t-Pa55:pw}'));
    expect(err.message).not.toContain('S3cr3t');
    expect(err.key).toBe('primary.consumer.sasl.passwrd');
  });
  it('decides trimming by the property name: an alias with a secret word keeps its settings trimmed, URLs are trimmed', () => {
    const f = parseMirrorConfig(['clusters = turkey, standby', 'turkey.bootstrap.servers = 127.0.0.1:9092',
      'standby.bootstrap.servers = 127.0.0.1:9093', 'turkey->standby.enabled = true', 'turkey.client.id = mirror  ',
      'turkey.sasl.oauthbearer.token.endpoint.url = https://idp/token  ', 'turkey.sasl.password = pw  '].join('\n'), { env: {} }).config.flows[0];
    expect(f?.source.client).toMatchObject({ 'client.id': 'mirror', 'sasl.oauthbearer.token.endpoint.url': 'https://idp/token', 'sasl.password': 'pw  ' });
  });
});

describe('bootstrap.servers', () => {
  it.each([
    ['127.0.0.1', "'127.0.0.1' has no port (librdkafka would silently use 9092)"],
    ['127.0.0.1:99999', "'127.0.0.1:99999' has port 99999"],
    ['this is garbage', "'this is garbage' has no port"],
  ])('rejects %j as a ConfigError (exit 2) naming primary.bootstrap.servers', (value, why) => {
    const err = configError(() => withBootstrap(value, '127.0.0.1:9093'));
    expect(err.key).toBe('primary.bootstrap.servers');
    expect(err.message).toContain(why);
  });

  it('rejects the same cluster on both sides of a flow under IdentityReplicationPolicy (topics would be mirrored onto themselves)', () => {
    const err = configError(() => withBootstrap('127.0.0.1:9092', ' 127.0.0.1:9092', 'replication.policy.class = Identity'));
    expect(err.key).toBe('standby.bootstrap.servers');
    expect(err.message).toContain('flow primary->standby uses IdentityReplicationPolicy, which would mirror every topic onto itself');
    expect(configError(() => withBootstrap('a:1,b:2', 'B:2,c:3', 'replication.policy.class = Identity')).key).toBe('standby.bootstrap.servers');
  });

  it('warns about the same cluster on both sides under DefaultReplicationPolicy (remote names differ)', () => {
    const { config, warnings } = withBootstrap('127.0.0.1:9092', '127.0.0.1:9092');
    expect(config.flows).toHaveLength(1);
    expect(warnings).toEqual(['primary.bootstrap.servers and standby.bootstrap.servers name the same cluster: '
      + 'flow primary->standby mirrors into the same cluster (remote topics primary.<topic>), where its remote topics are source topics '
      + "again unless 'topics' / 'topics.exclude' leave them out"]);
  });
});

describe('interval maxima (Node.js timers overflow above 2^31-1 ms)', () => {
  it('rejects emit.heartbeats.interval.seconds = 3000000 naming the key and the maximum', () => {
    const err = configError(() => parse('emit.heartbeats.interval.seconds = 3000000'));
    expect(err.key).toBe('emit.heartbeats.interval.seconds');
    expect(err.message).toContain(`up to ${MAX_TIMER_SECONDS}`);
  });

  const timed = FLOW_KEYS.filter((s) => s.type.kind === 'seconds' || s.type.kind === 'milliseconds');
  it.each(timed.map((s) => [s.key, s.type.kind] as const))('%s (%s): the maximum is accepted, one more is rejected', (key, kind) => {
    const max = kind === 'seconds' ? MAX_TIMER_SECONDS : MAX_TIMER_MS;
    // heartbeat.interval.ms must stay below session.timeout.ms (next test): its maximum goes with the largest session timeout.
    const session = key === 'heartbeat.interval.ms' ? `primary->standby.session.timeout.ms = ${MAX_TIMER_MS}\n` : '';
    const f = parse(`${session}primary->standby.${key} = ${key === 'heartbeat.interval.ms' ? max - 1 : max}`).config.flows[0] ?? {};
    if (key === 'heartbeat.interval.ms') {
      expect(configError(() => parse(`${session}primary->standby.${key} = ${max}`)).key).toBe(`primary->standby.${key}`);
      return;
    }
    expect(Object.values(f)).toContain(kind === 'seconds' ? max * 1000 : max);
    expect(Math.max(...Object.values(f).filter((v): v is number => typeof v === 'number'))).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(configError(() => parse(`primary->standby.${key} = ${max + 1}`)).key).toBe(`primary->standby.${key}`);
  });
});

describe('group timeouts', () => {
  it('rejects heartbeat.interval.ms at or above session.timeout.ms, naming the heartbeat key as written', () => {
    const err = configError(() => parse('session.timeout.ms = 6000\nprimary->standby.heartbeat.interval.ms = 6000'));
    expect(err.key).toBe('primary->standby.heartbeat.interval.ms');
    expect(err.message).toContain('below session.timeout.ms (6000 ms)');
    expect(parse('session.timeout.ms = 6000\nheartbeat.interval.ms = 2000').config.flows[0]).toMatchObject({ sessionTimeoutMs: 6000, heartbeatIntervalMs: 2000 });
  });

  it('defaults to the Connect worker timeouts (10 000 / 3 000 ms), the classic protocol and the group id prefix kafka-mirror', () => {
    expect(parse('').config.flows[0]).toMatchObject({ sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3000, groupProtocol: 'classic', groupIdPrefix: 'kafka-mirror' });
  });

  it('takes group.id (no longer an ignored Connect key) and refuses one with spaces', () => {
    const { config, warnings } = parse('primary->standby.group.id = dr-east');
    expect(config.flows[0]!.groupIdPrefix).toBe('dr-east');
    expect(warnings).toEqual([]);
    expect(configError(() => parse('group.id = a b')).key).toBe('group.id');
  });
});

describe('warning de-duplication is linear', () => {
  it('parses 250 000 unknown keys (27 s for 40 000 before) with one warning each', () => {
    const lines = Array.from({ length: 250_000 }, (_, i) => `unknown.key.${i} = v`);
    const { config, warnings } = parseMirrorConfig([...BASE, ...lines, 'unknown.key.7 = again'].join('\n'), { env: {} });
    expect(config.flows).toHaveLength(1);
    expect(warnings).toHaveLength(250_001);
    expect(warnings[0]).toBe("'unknown.key.7' is set twice (lines 12 and 250005); line 250005 wins");
    expect(warnings[1]).toBe("unknown key 'unknown.key.0' (line 5); ignored");
    expect(warnings[250_000]).toBe("unknown key 'unknown.key.7' (line 250005); ignored");
  });

  it('still reports a repeated warning once', () => {
    const text = [String(BASE[0]).replace('standby', 'standby, dr'), BASE[1], BASE[2], 'dr.bootstrap.servers = 127.0.0.1:9094', BASE[3],
      'primary->dr.enabled = true', 'primary.consumer.max.poll.records = 5'].join('\n');
    expect(parseMirrorConfig(text, { env: {} }).warnings)
      .toEqual(['primary.consumer.max.poll.records: Java client setting with no librdkafka equivalent; ignored']);
  });
});

describe('topics as Java regexes', () => {
  it('rejects `topics = commit-log{` as java.util.regex.Pattern does', () => {
    const err = configError(() => parse('topics = commit-log{'));
    expect(err.key).toBe('topics');
    expect(err.message).toContain("'commit-log{' is invalid: Illegal repetition near index 11");
  });
});
