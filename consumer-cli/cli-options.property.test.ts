/**
 * CLI-flag fuzz of `commit-log-consumer` (fast-check, fixed seed): generated flag vectors run with
 * exactly the values given or exit 2 with one `error:` line naming a flag at fault (including
 * `--failover` / `--source-alias`, valid only together); token soup never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureOutput, chaosArgv, expectOneError, flagVector, integerString, namesFlag, notAnInteger, plainString, type FlagSpec, type VectorPart } from '../testkit/cli-flag-fuzz.ts';
import { parseCli } from './cli-options.ts';

const blank = fc.constantFrom('', ' ', '   ');
const SPECS: FlagSpec[] = [
  { flag: '--broker', valid: plainString(1, 30), invalid: blank },
  { flag: '--topic', valid: plainString(1, 30), invalid: blank, required: true },
  { flag: '--group', valid: plainString(1, 30), invalid: blank, required: true },
  { flag: '--count', valid: integerString(1, 1e12), invalid: fc.oneof(notAnInteger, fc.constant('0')) },
  { flag: '--until-end' },
  { flag: '--idle-timeout-ms', valid: integerString(1, 1e9), invalid: fc.oneof(notAnInteger, fc.constant('0')) },
  { flag: '--print-records' },
  { flag: '--quiet' },
];

/** `--failover` and `--source-alias` are valid only together (and the alias not blank). */
const failover: fc.Arbitrary<VectorPart> = fc.oneof(
  fc.constant<VectorPart>({ argv: [], culprits: [] }),
  plainString(1, 12).map((alias): VectorPart => ({ argv: ['--failover', '--source-alias', alias], culprits: [] })),
  fc.constant<VectorPart>({ argv: ['--failover'], culprits: ['--source-alias'] }),
  plainString(1, 12).map((alias): VectorPart => ({ argv: ['--source-alias', alias], culprits: ['--source-alias'] })),
  blank.map((alias): VectorPart => ({ argv: ['--failover', `--source-alias=${alias}`], culprits: ['--source-alias'] })),
);

describe('commit-log-consumer flags (property, seed 42)', () => {
  it('a generated vector runs with exactly its values, or exits 2 naming a flag at fault', () => {
    fc.assert(
      fc.property(flagVector(SPECS, failover), ({ argv, culprits, values }) => {
        const { output, stdout, stderr } = captureOutput();
        const result = parseCli(argv, output);
        expect(stdout()).toBe('');
        if (culprits.length > 0) {
          expect(result).toEqual({ kind: 'exit', exitCode: 2 });
          expectOneError(stderr());
          expect(culprits.some((flag) => namesFlag(stderr().split('\n')[0]!, flag)), `${JSON.stringify(stderr())} names one of ${culprits.join(', ')}`).toBe(true);
          return;
        }
        expect(stderr()).toBe('');
        expect(result.kind).toBe('run');
        if (result.kind !== 'run') return;
        const o = result.options;
        expect([o.topic, o.groupId]).toEqual([values['--topic'], values['--group']]);
        if (values['--broker'] !== undefined) expect(o.bootstrapServers).toBe(values['--broker']);
        expect(o.count).toBe(values['--count'] === undefined ? undefined : Number(values['--count']));
        expect(o.idleTimeoutMs).toBe(values['--idle-timeout-ms'] === undefined ? undefined : Number(values['--idle-timeout-ms']));
        expect(o.untilEnd === true).toBe(argv.includes('--until-end'));
        expect(o.failover?.sourceAlias).toBe(argv.includes('--failover') ? argv[argv.indexOf('--source-alias') + 1] : undefined);
        expect([result.quiet, result.printRecords]).toEqual([argv.includes('--quiet'), argv.includes('--print-records')]);
      }),
      { seed: 42, numRuns: 400 },
    );
  });

  it('token soup never throws: help exits 0, anything refused exits 2 with one error line', () => {
    fc.assert(
      fc.property(chaosArgv([...SPECS, { flag: '--failover' }, { flag: '--source-alias', valid: plainString(1, 8) }], ['-h', '--help']), (argv) => {
        const { output, stdout, stderr } = captureOutput();
        const result = parseCli(argv, output);
        if (result.kind === 'run') expect(stderr()).toBe('');
        else if (result.exitCode === 0) {
          expect(argv.some((a) => a === '-h' || a === '--help')).toBe(true);
          expect(stdout()).toContain('Usage: commit-log-consumer');
        } else {
          expect(result.exitCode).toBe(2);
          expectOneError(stderr());
        }
      }),
      { seed: 42, numRuns: 400 },
    );
  });
});
