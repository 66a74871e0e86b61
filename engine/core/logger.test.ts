import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const LOGGER = resolve(import.meta.dirname, 'logger.ts');

/** Runs a tiny script under tsx that installs exitOnUncaughtError and then fails the way `body` does. */
function crash(body: string): { status: number | null; stderr: string; lines: Record<string, unknown>[] } {
  const dir = mkdtempSync(join(tmpdir(), 'kme-crash-'));
  dirs.push(dir);
  const logFile = join(dir, 'engine.log');
  const script = `
    import { createLogger, exitOnUncaughtError } from ${JSON.stringify(LOGGER)};
    const log = createLogger({ destination: ${JSON.stringify(logFile)}, level: 'info' });
    exitOnUncaughtError(log, 1);
    log.info('started');
    ${body}
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, stderr: r.stderr, lines };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('exitOnUncaughtError', () => {
  it('an exception thrown from a callback ends the process with exit code 1 after a fatal internal_error line', () => {
    const r = crash(`setTimeout(() => { throw new RangeError('Out of bounds.'); }, 10);`);
    expect(r.status).toBe(1);
    const fatal = r.lines.find((l) => l.event === 'internal_error');
    expect(fatal).toMatchObject({ level: 'fatal', component: 'engine', origin: 'uncaughtException', msg: 'kafka-mirror crashed (uncaughtException): Out of bounds.' });
    expect((fatal!.err as { stack: string }).stack).toContain('RangeError: Out of bounds.');
    expect(r.stderr).toContain('kafka-mirror: internal error (uncaughtException): RangeError: Out of bounds.');
  });

  it('an unhandled rejection is logged with its origin too', () => {
    const r = crash(`Promise.reject(new Error('nobody awaited this'));`);
    expect(r.status).toBe(1);
    expect(r.lines.find((l) => l.event === 'internal_error')).toMatchObject({ level: 'fatal', origin: 'unhandledRejection', msg: 'kafka-mirror crashed (unhandledRejection): nobody awaited this' });
  });
});
