import { describe, expect, it } from 'vitest';
import { parseCli, type ParsedCli } from './cli-options.ts';

function parse(...argv: string[]): { result: ParsedCli; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const result = parseCli(argv, { writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  return { result, stdout, stderr };
}

describe('parseCli', () => {
  it('applies the defaults', () => {
    const { result } = parse('--topic', 'commit-log', '--count', '500');
    expect(result.kind).toBe('run');
    if (result.kind !== 'run') return;
    expect(result.quiet).toBe(false);
    expect(result.options).toMatchObject({
      bootstrapServers: '127.0.0.1:9092',
      topic: 'commit-log',
      count: 500,
      ratePerSec: undefined,
      sizeBytes: undefined,
      partitions: 1,
      keyPrefix: 'key-',
      startSeq: 0,
    });
    expect(result.options.runId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('maps every flag', () => {
    const { result } = parse(
      '--broker', 'h:1,h:2', '--topic', 't', '--count', '10', '--rate', '2.5', '--size', '300',
      '--partitions', '3', '--key-prefix', 'k/', '--run-id', 'r1', '--start-seq', '100', '--quiet',
    );
    expect(result).toEqual({
      kind: 'run',
      quiet: true,
      options: { bootstrapServers: 'h:1,h:2', topic: 't', count: 10, ratePerSec: 2.5, sizeBytes: 300, partitions: 3, keyPrefix: 'k/', runId: 'r1', startSeq: 100 },
    });
  });

  it.each([
    [['--topic', 't', '--count', 'abc'], "error: --count must be a positive integer, got 'abc'"],
    [['--topic', 't', '--count', '0'], "error: --count must be a positive integer, got '0'"],
    [['--topic', 't', '--count', '1e3'], "error: --count must be a positive integer, got '1e3'"],
    [['--topic', 't', '--count', '5', '--rate', '-5'], "error: --rate must be a positive number of records per second, got '-5'"],
    [['--topic', 't', '--count', '5', '--rate', 'fast'], "error: --rate must be a positive number of records per second, got 'fast'"],
    [['--topic', 't', '--count', '5', '--partitions', '0'], "error: --partitions must be an integer from 1 to 10000 (the most one CreateTopics request may create), got '0'"],
    // Issue 12: 1000000 used to reach librdkafka ("num_partitions out of expected range", exit 1, flag not named).
    [['--topic', 't', '--count', '5', '--partitions', '1000000'], "error: --partitions must be an integer from 1 to 10000 (the most one CreateTopics request may create), got '1000000'"],
    [['--topic', 't', '--count', '5', '--partitions', '10001'], "error: --partitions must be an integer from 1 to 10000"],
    // The last seq (start-seq + count - 1) must stay a safe integer, or the events could not carry it.
    [['--topic', 't', '--count', '5', '--start-seq', '9007199254740990'], "error: --count must be a positive integer of at most 2 with start seq 9007199254740990 (the last seq must stay below 2^53), got '5'"],
    [['--topic', 't', '--count', '5', '--start-seq', '-1'], "error: --start-seq must be a non-negative integer, got '-1'"],
    [['--topic', 't', '--count', '5', '--run-id', 'r', '--size', '10'], "error: --size must be an integer from 61 (the largest event of this run without padding) to 999915 (librdkafka's message.max.bytes 1000000 minus key, headers and record framing), got '10'"],
    // Issue 12: 999999999 used to create the topic and then die with "Invalid string length" (exit 1).
    [['--topic', 't', '--count', '5', '--run-id', 'r', '--size', '999999999'], "error: --size must be an integer from 61 (the largest event of this run without padding) to 999915 (librdkafka's message.max.bytes 1000000 minus key, headers and record framing), got '999999999'"],
    [['--topic', 't', '--count', '5', '--bogus'], "error: unknown option '--bogus'"],
    [['--count', '5'], "error: required option '--topic <name>' not specified"],
    [['--bogus', '--topic', 't', '--count', '5'], "error: unknown option '--bogus'"],
    [['--topic', 't', '--count', '5', 'extra'], "error: unexpected argument 'extra'"],
  ])('%j → exit 2 with one message naming the flag', (argv, message) => {
    const { result, stdout, stderr } = parse(...argv);
    expect(result).toEqual({ kind: 'exit', exitCode: 2 });
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(message);
  });

  it('sizes the --size minimum by the largest seq of the run', () => {
    // seq 9 vs seq 10: one more digit → one more byte needed.
    expect(parse('--topic', 't', '--count', '10', '--run-id', 'r', '--size', '61').result.kind).toBe('run');
    expect(parse('--topic', 't', '--count', '11', '--run-id', 'r', '--size', '61').result).toEqual({ kind: 'exit', exitCode: 2 });
  });

  it('bounds --size by the largest record librdkafka accepts (key and headers of the largest seq count)', () => {
    // 1000000 − 36 framing − key 'key-4' (5) − headers seq=4 (6), run-id=r (9), producer=commit-log-producer (29).
    expect(parse('--topic', 't', '--count', '5', '--run-id', 'r', '--size', '999915').result.kind).toBe('run');
    expect(parse('--topic', 't', '--count', '5', '--run-id', 'r', '--size', '999916').result).toEqual({ kind: 'exit', exitCode: 2 });
    // A longer key prefix leaves less room for the value.
    expect(parse('--topic', 't', '--count', '5', '--run-id', 'r', '--key-prefix', 'key--', '--size', '999915').result).toEqual({ kind: 'exit', exitCode: 2 });
    expect(parse('--topic', 't', '--count', '5', '--run-id', 'r', '--partitions', '10000').result.kind).toBe('run');
  });

  it('--help prints usage to stdout and exits 0', () => {
    const { result, stdout } = parse('--help');
    expect(result).toEqual({ kind: 'exit', exitCode: 0 });
    expect(stdout).toContain('Usage: commit-log-producer [options]');
  });
});
