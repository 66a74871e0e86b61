import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN_MARKER, END_MARKER, renderFlowKeyTable, withGeneratedKeyTable } from './config-docs.ts';
import { FLOW_KEYS } from './config-keys.ts';

const README = new URL('../../README.md', import.meta.url);

describe('README key table', () => {
  it('is what engine/config/config-keys.ts generates (fix: npm run docs:config)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withGeneratedKeyTable(readme) === readme, 'README.md is stale: run `npm run docs:config` and commit README.md').toBe(true);
  });

  it('has one row per key with its default, MM2 default where ours differs, and escaped pipes', () => {
    const rows = renderFlowKeyTable().split('\n').slice(2);
    expect(rows).toHaveLength(FLOW_KEYS.length);
    expect(rows).toContain('| `emit.checkpoints.interval.seconds` | seconds, 1–2147483 | `5` | MM2 (default `60`) '
      + '| checkpoint staleness is at most this plus a round trip; a round writes only what changed |');
    expect(rows.find((r) => r.startsWith('| `truncation.policy`'))).toContain('| `fail` or `continue` | `fail` | ours |');
    expect(rows.every((r) => r.split(/(?<!\\)\|/).length === 7)).toBe(true);
  });

  it('replaces only the text between the markers and refuses a README without them', () => {
    const text = `intro\n${BEGIN_MARKER}\nold table\n${END_MARKER}\noutro\n`;
    expect(withGeneratedKeyTable(text)).toBe(`intro\n${BEGIN_MARKER}\n${renderFlowKeyTable()}\n${END_MARKER}\noutro\n`);
    expect(() => withGeneratedKeyTable('no markers')).toThrow('README.md needs the lines');
  });
});
