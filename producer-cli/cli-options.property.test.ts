/**
 * CLI-flag fuzz of `commit-log-producer` (fast-check, fixed seed): generated flag vectors with valid
 * and invalid values, unknown flags and missing required flags either run with exactly the values given,
 * or exit 2 with one `error:` line naming a flag at fault; token soup never throws and never ends in an
 * unexplained exit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureOutput, chaosArgv, expectOneError, flagVector, integerString, namesFlag, notAnInteger, plainString, type FlagSpec } from '../testkit/cli-flag-fuzz.ts';
import { parseCli } from './cli-options.ts';

const blank = fc.constantFrom('', ' ', '   ');
// Ranges chosen so every valid combination is valid together: seq stays far below 2^53 and any valid
// --size (1000..990000) lies between the largest unpadded event (< 300 bytes) and the record limit (> 999700).
const SPECS: FlagSpec[] = [
  { flag: '--broker', valid: plainString(1, 30), invalid: blank },
  { flag: '--topic', valid: plainString(1, 30), invalid: blank, required: true },
  { flag: '--count', valid: integerString(1, 1e12), invalid: fc.oneof(notAnInteger, fc.constant('0')), required: true },
  {
    flag: '--rate',
    valid: fc.oneof(integerString(1, 1e6), fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: 999 })).map(([a, b]) => `${a}.${b}`)),
    invalid: fc.constantFrom('0', '0.0', '-5', 'fast', '', '1e3', 'Infinity', '.'),
  },
  { flag: '--size', valid: integerString(1000, 990_000), invalid: fc.oneof(notAnInteger, integerString(0, 50), integerString(1_000_001, 1e9)) },
  { flag: '--partitions', valid: integerString(1, 10_000), invalid: fc.oneof(notAnInteger, fc.constant('0'), integerString(10_001, 1e7)) },
  { flag: '--key-prefix', valid: plainString(0, 32) },
  { flag: '--run-id', valid: plainString(1, 64), invalid: fc.constant('') },
  { flag: '--start-seq', valid: integerString(0, 1e12), invalid: notAnInteger },
  { flag: '--quiet' },
];

describe('commit-log-producer flags (property, seed 42)', () => {
  it('a generated vector runs with exactly its values, or exits 2 naming a flag at fault', () => {
    fc.assert(
      fc.property(flagVector(SPECS), ({ argv, culprits, values }) => {
        const { output, stdout, stderr } = captureOutput();
        const result = parseCli(argv, output);
        expect(stdout()).toBe('');
        if (culprits.length === 0) {
          expect(stderr()).toBe('');
          expect(result.kind).toBe('run');
          if (result.kind !== 'run') return;
          const o = result.options;
          expect(o.topic).toBe(values['--topic']);
          expect(o.count).toBe(Number(values['--count']));
          if (values['--broker'] !== undefined) expect(o.bootstrapServers).toBe(values['--broker']);
          if (values['--rate'] !== undefined) expect(o.ratePerSec).toBe(Number(values['--rate']));
          if (values['--size'] !== undefined) expect(o.sizeBytes).toBe(Number(values['--size']));
          if (values['--partitions'] !== undefined) expect(o.partitions).toBe(Number(values['--partitions']));
          if (values['--key-prefix'] !== undefined) expect(o.keyPrefix).toBe(values['--key-prefix']);
          if (values['--run-id'] !== undefined) expect(o.runId).toBe(values['--run-id']);
          if (values['--start-seq'] !== undefined) expect(o.startSeq).toBe(Number(values['--start-seq']));
          expect(result.quiet).toBe(argv.includes('--quiet'));
        } else {
          expect(result).toEqual({ kind: 'exit', exitCode: 2 });
          expectOneError(stderr());
          const first = stderr().split('\n')[0]!;
          expect(culprits.some((flag) => namesFlag(first, flag)), `${JSON.stringify(stderr())} names one of ${culprits.join(', ')}`).toBe(true);
        }
      }),
      { seed: 42, numRuns: 400 },
    );
  });

  it('token soup never throws: help exits 0, anything refused exits 2 with one error line', () => {
    fc.assert(
      fc.property(chaosArgv(SPECS, ['-h', '--help']), (argv) => {
        const { output, stdout, stderr } = captureOutput();
        const result = parseCli(argv, output);
        if (result.kind === 'run') expect(stderr()).toBe('');
        else if (result.exitCode === 0) {
          expect(argv.some((a) => a === '-h' || a === '--help')).toBe(true);
          expect(stdout()).toContain('Usage: commit-log-producer');
        } else {
          expect(result.exitCode).toBe(2);
          expectOneError(stderr());
        }
      }),
      { seed: 42, numRuns: 400 },
    );
  });
});
