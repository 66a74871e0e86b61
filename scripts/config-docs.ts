/**
 * `npm run docs:config`: rewrites the flow-level key table in README.md (between the config-keys
 * markers) from engine/config/config-keys.ts. `npm run docs:config -- --check` only compares and exits 1
 * when README.md is stale (engine/config/config-docs.test.ts runs the same comparison in the unit suite).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withGeneratedKeyTable } from '../engine/testing.ts';

const readmeUrl = new URL('../README.md', import.meta.url);
const current = readFileSync(readmeUrl, 'utf8');
const next = withGeneratedKeyTable(current);
if (next === current) {
  console.log('README.md: the key table is up to date');
} else if (process.argv.includes('--check')) {
  console.error('README.md: the key table differs from engine/config/config-keys.ts; run npm run docs:config');
  process.exitCode = 1;
} else {
  writeFileSync(readmeUrl, next);
  console.log('README.md: key table rewritten from engine/config/config-keys.ts');
}
