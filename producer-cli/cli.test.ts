/**
 * The real binary on bad flags: exit 2, the flag named on stderr, nothing produced (no broker is
 * contacted: --broker points at a closed port, so any connection attempt would show up as exit 1).
 * Few cases on purpose — each spawns node + tsx; the full flag matrix is in cli-options.test.ts.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/commit-log-producer.js', import.meta.url));
const CLOSED_PORT_BROKER = '127.0.0.1:1';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe('commit-log-producer binary', () => {
  it.each([
    [['--topic', 't', '--count', 'abc'], '--count', "'abc'"],
    [['--topic', 't', '--count', '5', '--rate', '-5'], '--rate', "'-5'"],
    [['--topic', 't', '--count', '5', '--no-such-flag'], '--no-such-flag', ''],
    [['--count', '5'], '--topic', ''],
    // Issue 12: these created the topic and died with "Invalid string length" / were refused by the client (exit 1).
    [['--topic', 't', '--count', '5', '--size', '999999999'], '--size', "'999999999'"],
    [['--topic', 't', '--count', '5', '--partitions', '1000000'], '--partitions', "'1000000'"],
  ])('%j → exit 2 naming %s', async (args, flag, value) => {
    const { code, stdout, stderr } = await run(['--broker', CLOSED_PORT_BROKER, ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: /);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(flag);
    expect(stderr).toContain(value);
  });

  it('--help exits 0 with the usage', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: commit-log-producer [options]');
    expect(stdout).toContain('--rate <n>');
  });
});
