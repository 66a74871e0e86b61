/**
 * `kafka-mirror` as a process (bin/kafka-mirror.js): the exit codes and output of the flag paths.
 * Few cases on purpose — each spawns node + tsx; the flag matrix is in cli-args.test.ts and the fuzz
 * in cli-args.property.test.ts. No cluster: the config points at closed ports, so a run that got
 * past flag parsing would show up as a slow exit 1, not a fast exit 2.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/kafka-mirror.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), 'kme-cli-'));
const CONFIG = join(dir, 'mm2.properties');
writeFileSync(CONFIG, ['clusters = primary, standby', 'primary.bootstrap.servers = 127.0.0.1:1', 'standby.bootstrap.servers = 127.0.0.1:2', 'primary->standby.enabled = true'].join('\n'));

// Issue 12 item 3: a client setting librdkafka rejects started the engine, which created its internal topics,
// then exited 1 naming librdkafka's 'compression.codec'. Now: exit 2 naming the key as written, no cluster contact.
const BAD_SETTING = join(dir, 'bad-setting.properties');
writeFileSync(BAD_SETTING, [readFileSync(CONFIG, 'utf8'), 'standby.producer.compression.type = brotli'].join('\n'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe('kafka-mirror binary', () => {
  it('--version prints the package version and exits 0', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('--help shows --config and the exit codes, exit 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('kafka-mirror [run] -c, --config <mm2.properties>');
    expect(stdout).toMatch(/Exit codes:\n {2}0 {2}stopped by SIGINT\/SIGTERM after flushing\n/);
  });

  it.each([
    // Issue 12: exited 1 ("describeTopics failed: Local: Timed out") after trying the cluster for 20 s.
    ["acknowledge-gap --topic ''", ['acknowledge-gap', '--config', CONFIG, '--topic', '', '--partition', '0'], "option '--topic <name>' argument '' is invalid"],
    ['an unknown flag', ['--config', CONFIG, '--bogus'], "unknown option '--bogus'"],
    ['a missing config file', ['run', '--config', join(dir, 'missing.properties')], "kafka-mirror: Invalid config: 'config file'"],
    ['a client setting librdkafka rejects', ['--config', BAD_SETTING], "'standby.producer.compression.type' = 'brotli'"],
  ])('%s → exit 2 with one line naming it', async (_label, args, message) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(message);
  }, 15_000);
});
