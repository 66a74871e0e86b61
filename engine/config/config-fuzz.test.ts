/**
 * Fuzz (issue 12 item 13, config half): mm2.properties files generated from the key table. Valid
 * values for any subset of keys, top-level or per flow, must parse to the value the key's type
 * parses; one invalid value for a typed key must throw a ConfigError naming that key as written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { parseMirrorConfig } from './config.ts';
import { FLOW_KEYS, type FlowKeySpec } from './config-keys.ts';
import type { ValueKind, ValueType } from './config-values.ts';

const BASE = ['clusters = primary, standby', 'primary.bootstrap.servers = 127.0.0.1:9092',
  'standby.bootstrap.servers = 127.0.0.1:9093', 'primary->standby.enabled = true'];

const int = (min: number, max: number): fc.Arbitrary<string> => fc.integer({ min, max }).map(String);
const spaced = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.tuple(a, fc.constantFrom('', ' ', '\t')).map(([v, pad]) => `${v}${pad}`);

/** Valid and invalid values per kind, bounded by the type's own min / max. A new kind fails to compile here until it has samples. */
const SAMPLES: Record<ValueKind, (t: ValueType<unknown>) => { valid: fc.Arbitrary<string>; invalid: fc.Arbitrary<string> }> = {
  'boolean': () => ({ valid: fc.constantFrom('true', 'false', 'TRUE', 'False'), invalid: fc.constantFrom('yes', '1', '', 'truee') }),
  'seconds': (t) => ({ valid: int(1, t.max ?? 1), invalid: fc.oneof(fc.constantFrom('0', '-1', '1.5', '10s', '', '1e3'), int((t.max ?? 0) + 1, 2 ** 40)) }),
  'milliseconds': (t) => ({ valid: int(1, t.max ?? 1), invalid: fc.oneof(fc.constantFrom('0', '-5', '0.5', 'abc', ''), int((t.max ?? 0) + 1, 2 ** 40)) }),
  'integer': (t) => ({
    valid: int(t.min ?? 0, t.max ?? 1_000_000),
    invalid: fc.oneof(fc.constantFrom('x', '', '1.0'), int(-1000, (t.min ?? 0) - 1), t.max === undefined ? fc.constant('1e9') : int(t.max + 1, t.max + 1000)),
  }),
  'replication-factor': () => ({ valid: fc.oneof(fc.constant('-1'), int(1, 32767)), invalid: fc.constantFrom('0', '-2', '32768', 'three', '') }),
  'enum': (t) => ({ valid: fc.constantFrom(...(t.values ?? [])).map((v) => v.toUpperCase()), invalid: fc.constantFrom('nope', '', 'fail-fast') }),
  'regex-list': () => ({ valid: fc.constantFrom('.*', 'commit-log, orders\\..*', '(?i)abc', 'a{2}b?', '\\Qx.y\\E', '[a-z]+'),
    invalid: fc.constantFrom('commit-log{', '(unclosed', '[a', 'x, *y', 'a{5,3}') }),
  'policy-class': () => ({ valid: fc.constantFrom('Default', 'org.apache.kafka.connect.mirror.DefaultReplicationPolicy', 'IdentityReplicationPolicy'),
    invalid: fc.constantFrom('com.acme.MyPolicy', 'Defaulty') }),
  'separator': () => ({ valid: fc.constantFrom('.', '_', '-', '__'), invalid: fc.constantFrom('', '/', ' : ', 'a b') }),
  'string': () => ({ valid: fc.constantFrom('kafka-mirror', 'mm2', 'dr.primary_1'), invalid: fc.constantFrom('', 'a b', 'x'.repeat(201)) }),
};

/** Valid values that are valid together: `heartbeat.interval.ms` below `session.timeout.ms` (config.ts checks the pair). */
function consistent(settings: readonly { spec: FlowKeySpec; value: string }[]): boolean {
  const ms = (key: string, fallback: number) => Number(settings.find((s) => s.spec.key === key)?.value.trim() ?? fallback);
  return ms('heartbeat.interval.ms', 3000) < ms('session.timeout.ms', 10_000);
}
const samples = (spec: FlowKeySpec) => SAMPLES[spec.type.kind](spec.type as ValueType<unknown>);

/** A value as written in a .properties file: backslashes escaped (Properties.load unescapes them). */
const written = (v: string): string => v.replace(/\\/g, '\\\\');
/** One key written top-level or for the flow. */
const scope = fc.constantFrom('', 'primary->standby.');
const setting = (pick: (spec: FlowKeySpec) => fc.Arbitrary<string>) =>
  fc.constantFrom(...FLOW_KEYS).chain((spec) => fc.record({ spec: fc.constant(spec), prefix: scope, value: spaced(pick(spec)) }));

describe('config fuzz (fast-check, seed 20261130)', () => {
  it('parses any file of valid values, each field holding what its type parses', () => {
    fc.assert(
      fc.property(fc.uniqueArray(setting((s) => samples(s).valid), { maxLength: 12, selector: (x) => x.spec.key }).filter(consistent), (settings) => {
        const text = [...BASE, ...settings.map((s) => `${s.prefix}${s.spec.key} = ${written(s.value)}`)].join('\n');
        const f = parseMirrorConfig(text, { env: {} }).config.flows[0] as unknown as Record<string, unknown>;
        for (const { spec, prefix, value } of settings) {
          if (spec.part !== undefined || spec.field === null) continue;
          expect(f[spec.field]).toEqual(spec.type.parse({ key: `${prefix}${spec.key}`, value, line: 0 }));
        }
      }),
      { seed: 20261130, numRuns: 300 },
    );
  });

  it('rejects one invalid value among valid ones with a ConfigError naming that key as written', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(setting((s) => samples(s).valid), { maxLength: 8, selector: (x) => x.spec.key }).filter(consistent),
        setting((s) => samples(s).invalid),
        (valid, bad) => {
          const others = valid.filter((s) => s.spec.key !== bad.spec.key);
          const lines = [...BASE, ...others.map((s) => `${s.prefix}${s.spec.key} = ${written(s.value)}`),
            `${bad.prefix}${bad.spec.key} = ${written(bad.value)}`];
          let error: unknown;
          try {
            parseMirrorConfig(lines.join('\n'), { env: {} });
          } catch (err) {
            error = err;
          }
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).key).toBe(`${bad.prefix}${bad.spec.key}`);
        },
      ),
      { seed: 20261130, numRuns: 400 },
    );
  });
});
