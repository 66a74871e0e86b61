import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE_MEANINGS, packageVersion, parseMirrorArgs, type MirrorCliCommand } from './cli-args.ts';

function parse(argv: string[], logLevelDefault?: string): { result: MirrorCliCommand; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const result = parseMirrorArgs(argv, { writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) }, logLevelDefault);
  return { result, stdout, stderr };
}

describe('parseMirrorArgs', () => {
  it('run is the default command; -c is --config; the log level defaults to the given default', () => {
    expect(parse(['-c', 'mm2.properties']).result).toEqual({ kind: 'run', options: { config: 'mm2.properties', logLevel: 'info' } });
    expect(parse(['run', '--config', 'x', '--log-file', 'e.log', '--log-level', 'debug']).result).toEqual({ kind: 'run', options: { config: 'x', logFile: 'e.log', logLevel: 'debug' } });
    expect(parse(['--config', 'x'], 'warn').result).toEqual({ kind: 'run', options: { config: 'x', logLevel: 'warn' } });
  });

  it('acknowledge-gap maps its flags', () => {
    expect(parse(['acknowledge-gap', '--config', 'x', '--topic', 'commit-log', '--partition', '2147483647', '--flow', 'primary->standby']).result).toEqual({
      kind: 'acknowledge-gap',
      options: { config: 'x', topic: 'commit-log', partition: 2147483647, flow: 'primary->standby' },
    });
  });

  it.each([
    // Issue 12: an empty --topic passed parsing and failed later against Kafka with exit 1.
    [['acknowledge-gap', '--config', 'x', '--topic', '', '--partition', '0'], `error: option '--topic <name>' argument '' is invalid. expected a Kafka topic name: 1 to 249 of a-z A-Z 0-9 . _ - (not "." or "..")`],
    [['acknowledge-gap', '--config', 'x', '--topic', '..', '--partition', '0'], "error: option '--topic <name>' argument '..' is invalid."],
    [['acknowledge-gap', '--config', 'x', '--topic', 't', '--partition', '2147483648'], "error: option '--partition <n>' argument '2147483648' is invalid. expected a partition number from 0 to 2147483647"],
    [['acknowledge-gap', '--config', 'x', '--topic', 't', '--partition', '0', '--flow', 'primary'], "error: option '--flow <source->target>' argument 'primary' is invalid. expected <source>-><target>, e.g. primary->standby"],
    [['acknowledge-gap', '--config', '', '--topic', 't', '--partition', '0'], "error: option '-c, --config <path>' argument '' is invalid. expected a path to an mm2.properties file"],
    [['--config', 'x', '--log-level', 'verbose'], "error: option '--log-level <level>' argument 'verbose' is invalid."],
    [['--config', 'x', '--log-file', ''], "error: option '--log-file <path>' argument '' is invalid. expected a file path"],
    [[], "error: required option '-c, --config <path>' not specified (or --worker <path> for a Connect-style worker)"],
    [['--config', 'x', '--worker', 'w'], "error: options '--config' and '--worker' cannot be used together (an mm2.properties engine or a Connect-style worker)"],
    [['--config', 'x', '--bogus'], "error: unknown option '--bogus'"],
    [['mirror', '--config', 'x'], "error: unexpected argument 'mirror' (commands: run, acknowledge-gap, status; all other inputs are --flags; see --help)"],
    [['help', 'mirror'], "error: unknown command 'mirror' (commands: run, acknowledge-gap, status)"],
  ])('%j → exit 2, one line naming what is wrong', (argv, message) => {
    const { result, stdout, stderr } = parse(argv);
    expect(result).toEqual({ kind: 'exit', exitCode: 2 });
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: [^\n]*\n$/);
    expect(stderr).toContain(message);
  });

  it('an invalid LOG_LEVEL default is named as LOG_LEVEL, unless --log-level overrides it', () => {
    const { result, stderr } = parse(['--config', 'x'], 'verbose');
    expect(result).toEqual({ kind: 'exit', exitCode: 2 });
    expect(stderr).toBe("error: LOG_LEVEL must be one of trace, debug, info, warn, error, critical, fatal, silent, got 'verbose' (or pass --log-level)\n");
    expect(parse(['--config', 'x', '--log-level', 'error'], 'verbose').result).toEqual({ kind: 'run', options: { config: 'x', logLevel: 'error' } });
  });

  it('--version / -V print the package.json version and exit 0 (issue 12: it used to demand --config)', () => {
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(packageVersion()).toBe(version);
    for (const flag of ['--version', '-V']) expect(parse([flag])).toEqual({ result: { kind: 'exit', exitCode: 0 }, stdout: `${version}\n`, stderr: '' });
  });

  it('top-level --help shows --config and the exit-code table (issue 12); run --help the table too', () => {
    const { result, stdout } = parse(['--help']);
    expect(result).toEqual({ kind: 'exit', exitCode: 0 });
    expect(stdout).toContain('kafka-mirror [run] -c, --config <mm2.properties>');
    expect(stdout).toContain('kafka-mirror acknowledge-gap -c, --config <mm2.properties> --topic <name> --partition <n>');
    for (const [code, meaning] of EXIT_CODE_MEANINGS) expect(stdout).toContain(`  ${code}  ${meaning}\n`);
    const run = parse(['run', '--help']).stdout;
    expect(run).toContain('-c, --config <path>');
    for (const [code, meaning] of EXIT_CODE_MEANINGS) expect(run).toContain(`  ${code}  ${meaning}\n`);
  });

  it("the exit-code table is the README's", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('## Exit codes (`kafka-mirror`)');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const rows = [...section.matchAll(/^\| (\d) \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2]!.replaceAll('`', '')]);
    expect(rows).toEqual(EXIT_CODE_MEANINGS.map(([code, meaning]) => [code, meaning]));
  });
});
