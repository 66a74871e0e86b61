/**
 * The `commit-log-consumer` binary on bad flags and --help: exit 2 naming the flag with nothing
 * consumed (--broker is a closed port, so a connection attempt would show up as exit 1), exit 0 for help.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/commit-log-consumer.js', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe('commit-log-consumer binary', () => {
  it.each([
    [['--topic', 't', '--group', 'g', '--count', '0'], "error: --count must be a positive integer, got '0'"],
    [['--topic', 't', '--group', 'g', '--failover'], 'error: --source-alias must be'],
  ])('%j → exit 2 naming the flag', async (args, message) => {
    const { code, stdout, stderr } = await run(['--broker', '127.0.0.1:1', ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(message);
  });

  it('--help exits 0 with the usage', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: commit-log-consumer [options]');
  });
});
