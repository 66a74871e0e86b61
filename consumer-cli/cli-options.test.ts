import { describe, expect, it } from 'vitest';
import { parseCli, type ParsedCli } from './cli-options.ts';

function parse(...argv: string[]): { result: ParsedCli; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const result = parseCli(argv, { writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  return { result, stdout, stderr };
}

describe('commit-log-consumer parseCli', () => {
  it('applies the defaults', () => {
    expect(parse('--topic', 'commit-log', '--group', 'g').result).toEqual({
      kind: 'run', quiet: false, printRecords: false, options: { bootstrapServers: '127.0.0.1:9092', topic: 'commit-log', groupId: 'g' },
    });
  });

  it('maps every flag', () => {
    const { result } = parse('--broker', 'h:1,h:2', '--topic', 't', '--group', 'g', '--failover', '--source-alias', 'primary', '--count', '600', '--until-end', '--idle-timeout-ms', '3000', '--print-records', '--quiet');
    expect(result).toEqual({
      kind: 'run', quiet: true, printRecords: true,
      options: { bootstrapServers: 'h:1,h:2', topic: 't', groupId: 'g', failover: { sourceAlias: 'primary' }, count: 600, untilEnd: true, idleTimeoutMs: 3000 },
    });
  });

  it.each([
    [['--topic', 't', '--group', 'g', '--count', '0'], "error: --count must be a positive integer, got '0'"],
    [['--topic', 't', '--group', 'g', '--count', '1e3'], "error: --count must be a positive integer, got '1e3'"],
    [['--topic', 't', '--group', 'g', '--idle-timeout-ms', 'soon'], "error: --idle-timeout-ms must be a positive integer number of milliseconds, got 'soon'"],
    [['--topic', 't', '--group', 'g', '--failover'], "error: --source-alias must be the alias of the cluster the group consumed from (required with --failover), e.g. primary, got ''"],
    [['--topic', 't', '--group', 'g', '--source-alias', 'primary'], "error: --source-alias must be to be used with --failover, got 'primary'"],
    [['--topic', 't', '--group', ''], "error: --group must be a non-empty group id, got ''"],
  ])('%j → exit 2 with one message naming the flag', (argv, message) => {
    const { result, stderr } = parse(...argv);
    expect(result).toEqual({ kind: 'exit', exitCode: 2 });
    expect(stderr.trim()).toBe(message);
  });

  it('refuses a missing --group and unexpected arguments, shows help with exit 0', () => {
    expect(parse('--topic', 't').result).toEqual({ kind: 'exit', exitCode: 2 });
    expect(parse('--topic', 't', '--group', 'g', 'extra').result).toEqual({ kind: 'exit', exitCode: 2 });
    const help = parse('--help');
    expect(help.result).toEqual({ kind: 'exit', exitCode: 0 });
    expect(help.stdout).toContain('--failover');
  });
});
