import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseMirrorConfig } from './config.ts';
import { FLOW_KEYS, FLOW_KEY_NAMES } from './config-keys.ts';

const BASE = ['clusters = primary, standby', 'primary.bootstrap.servers = 127.0.0.1:9092',
  'standby.bootstrap.servers = 127.0.0.1:9093', 'primary->standby.enabled = true'];

/**
 * Fields whose key is parsed but not read yet in this branch: other engineers wire them in parallel
 * (h1: refreshTopicsEnabled and consumerPollTimeoutMs in the mirror task; h3: adminTimeoutMs in the
 * kafka adapters; h6: syncTopicConfigsIntervalMs as a periodic topic-config sync).
 * The lead removes each entry when merging the branch that reads it — the test below fails as soon
 * as a listed field is read, so the list cannot go stale.
 */
const PENDING_WIRING: readonly string[] = [];

/** engine/**\/*.ts outside engine/config/, tests excluded: path relative to engine/ without `.ts` → source text. */
function engineSources(): Map<string, string> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, d.name);
      if (d.isDirectory()) walk(path);
      else if (d.name.endsWith('.ts') && !d.name.endsWith('.test.ts')) out.set(relative(root, path).slice(0, -3), readFileSync(path, 'utf8'));
    }
  };
  for (const d of readdirSync(root, { withFileTypes: true })) if (d.isDirectory() && d.name !== 'config') walk(join(root, d.name));
  return out;
}

describe('FLOW_KEYS', () => {
  it('has unique keys and unique scalar fields, and composite parts unique per field', () => {
    expect(FLOW_KEY_NAMES.size).toBe(FLOW_KEYS.length);
    const scalars = FLOW_KEYS.filter((s) => s.part === undefined && s.field !== null).map((s) => s.field);
    expect(new Set(scalars).size).toBe(scalars.length);
    const parts = FLOW_KEYS.flatMap((s) => (s.part === undefined ? [] : [`${s.field}.${s.part}`]));
    expect(new Set(parts).size).toBe(parts.length);
  });

  it('fills every field it names from the defaults (and nothing for the keys it marks unread)', () => {
    const f = parseMirrorConfig(BASE.join('\n'), { env: {} }).config.flows[0] as unknown as Record<string, unknown>;
    for (const spec of FLOW_KEYS) {
      if (spec.field === null) {
        expect(spec.unreadBecause.length).toBeGreaterThan(0);
        expect(spec.origin).toBe('mm2'); // only MM2 keys may be accepted for compatibility alone
      } else {
        expect(f[spec.field], spec.key).toBeDefined();
      }
    }
  });

  it('has a non-empty doc, a readBy and no mm2Default on our own keys', () => {
    for (const spec of FLOW_KEYS) {
      expect(spec.doc, spec.key).not.toBe('');
      if (spec.field !== null) expect(spec.readBy.length, spec.key).toBeGreaterThan(0);
      if (spec.origin === 'ours') expect('mm2Default' in spec, spec.key).toBe(false);
    }
  });
});

describe('a key parsed but read by nothing is impossible', () => {
  const sources = engineSources();
  const readers = (fieldName: string): string[] =>
    [...sources].filter(([, text]) => new RegExp(`\\.${fieldName}\\b`).test(text)).map(([path]) => path);

  it.each(FLOW_KEYS.filter((s) => s.field !== null).map((s) => [s.key, s.field as string, s.readBy] as const))(
    '%s → FlowConfig.%s is read outside engine/config/, by a module its readBy names',
    (key, fieldName, readBy) => {
      const found = readers(fieldName);
      if (PENDING_WIRING.includes(fieldName)) {
        expect(found, `${fieldName} is now read by ${found.join(', ')}: remove it from PENDING_WIRING`).toEqual([]);
        return;
      }
      expect(found, `nothing in engine/ outside engine/config/ reads .${fieldName}: wire ${key} or remove it`).not.toEqual([]);
      expect(found.some((path) => readBy.some((module) => path === module || path.startsWith(`${module}/`))),
        `${key}: readBy ${readBy.join(', ')} but read by ${found.join(', ')}`).toBe(true);
    },
  );

  it('lists only fields still being wired in a parallel branch as pending', () => {
    expect([...PENDING_WIRING].sort()).toEqual([]);
    for (const name of PENDING_WIRING) expect(FLOW_KEYS.some((s) => s.field === name)).toBe(true);
  });
});
