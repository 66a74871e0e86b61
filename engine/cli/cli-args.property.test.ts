/**
 * CLI-flag fuzz of `kafka-mirror` (fast-check, fixed seed) over both commands: generated flag vectors
 * run with exactly the values given or exit 2 with one `error:` line naming a flag at fault; token
 * soup (commands, known and unknown flags, missing values) never throws and never exits unexplained.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureOutput, chaosArgv, expectOneError, flagVector, integerString, namesFlag, notAnInteger, plainString, type FlagSpec } from '../../testkit/cli-flag-fuzz.ts';
import { LOG_LEVELS, parseMirrorArgs } from './cli-args.ts';

const blank = fc.constantFrom('', ' ', '   ');
const config: FlagSpec = { flag: '--config', valid: plainString(1, 40), invalid: blank, required: true };

const RUN: FlagSpec[] = [
  config,
  { flag: '--log-file', valid: plainString(1, 40), invalid: blank },
  { flag: '--log-level', valid: fc.constantFrom(...LOG_LEVELS), invalid: fc.constantFrom('', 'verbose', 'INFO', 'warning', 'crit') },
  { flag: '--task', valid: integerString(0, 100), invalid: notAnInteger },
  { flag: '--task-count', valid: integerString(1, 100), invalid: fc.oneof(notAnInteger, fc.constant('0')) },
];

const topicChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-'.split(''));
const alias = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 1, maxLength: 10 });
const ACKNOWLEDGE: FlagSpec[] = [
  config,
  {
    flag: '--topic',
    valid: fc.string({ unit: topicChars, minLength: 1, maxLength: 249 }).filter((t) => t !== '.' && t !== '..' && !t.startsWith('-')),
    invalid: fc.constantFrom('', '.', '..', 'a b', 'x'.repeat(250), 'tópico', 'a/b', 'commit log'),
    required: true,
  },
  { flag: '--partition', valid: integerString(0, 2_147_483_647), invalid: fc.oneof(notAnInteger, fc.constant('2147483648')), required: true },
  { flag: '--flow', valid: fc.tuple(alias, alias).map(([a, b]) => `${a}->${b}`), invalid: fc.constantFrom('', 'primary', '->standby', 'primary->', 'a -> b', 'a->b->c') },
];

describe('kafka-mirror flags (property, seed 42)', () => {
  it('run: a generated vector runs with exactly its values, or exits 2 naming a flag at fault', () => {
    fc.assert(
      fc.property(fc.boolean(), flagVector(RUN), (explicit, { argv, culprits, values }) => {
        const { output, stdout, stderr } = captureOutput();
        const result = parseMirrorArgs(explicit ? ['run', ...argv] : argv, output);
        expect(stdout()).toBe('');
        if (culprits.length > 0) {
          expect(result).toEqual({ kind: 'exit', exitCode: 2 });
          expectOneError(stderr());
          expect(culprits.some((flag) => namesFlag(stderr().split('\n')[0]!, flag)), `${JSON.stringify(stderr())} names one of ${culprits.join(', ')}`).toBe(true);
          return;
        }
        expect(stderr()).toBe('');
        expect(result).toEqual({
          kind: 'run',
          options: {
            config: values['--config'],
            logLevel: values['--log-level'] ?? 'info',
            ...(values['--log-file'] === undefined ? {} : { logFile: values['--log-file'] }),
            ...(values['--task'] === undefined ? {} : { task: Number(values['--task']) }),
            ...(values['--task-count'] === undefined ? {} : { taskCount: Number(values['--task-count']) }),
          },
        });
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('acknowledge-gap: a generated vector runs with exactly its values, or exits 2 naming a flag at fault', () => {
    fc.assert(
      fc.property(flagVector(ACKNOWLEDGE), ({ argv, culprits, values }) => {
        const { output, stdout, stderr } = captureOutput();
        const result = parseMirrorArgs(['acknowledge-gap', ...argv], output);
        expect(stdout()).toBe('');
        if (culprits.length > 0) {
          expect(result).toEqual({ kind: 'exit', exitCode: 2 });
          expectOneError(stderr());
          expect(culprits.some((flag) => namesFlag(stderr().split('\n')[0]!, flag)), `${JSON.stringify(stderr())} names one of ${culprits.join(', ')}`).toBe(true);
          return;
        }
        expect(stderr()).toBe('');
        expect(result).toEqual({
          kind: 'acknowledge-gap',
          options: {
            config: values['--config'],
            topic: values['--topic'],
            partition: Number(values['--partition']),
            ...(values['--flow'] === undefined ? {} : { flow: values['--flow'] }),
          },
        });
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('token soup never throws: help/version exit 0, anything refused exits 2 with one error line', () => {
    const specs = [...RUN, ...ACKNOWLEDGE.slice(1), { flag: '-c', valid: plainString(1, 10) }];
    const asksHelp = ['-h', '--help', '-V', '--version', 'help'];
    fc.assert(
      fc.property(chaosArgv(specs, ['run', 'acknowledge-gap', ...asksHelp]), (argv) => {
        const { output, stdout, stderr } = captureOutput();
        const result = parseMirrorArgs(argv, output);
        if (result.kind !== 'exit') expect(stderr()).toBe('');
        else if (result.exitCode === 0) {
          expect(argv.some((a) => asksHelp.includes(a))).toBe(true);
          expect(stdout()).toMatch(/Usage: kafka-mirror|^\d+\.\d+\.\d+\n$/);
        } else {
          expect(result.exitCode).toBe(2);
          expectOneError(stderr());
        }
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
