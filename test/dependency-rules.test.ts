/**
 * The dependency rules of issue 11 can fail: ESLint (eslint.config.js) run on planted imports reports a
 * reverse import between engine/ folders, a client library outside engine/kafka/, an internal file
 * reached from outside engine/, and a tool importing scenarios/ or test/; dependency-cruiser
 * (.dependency-cruiser.mjs) run on a planted pair of modules reports their import cycle.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

/** Messages of no-restricted-imports for `code` linted as if it were the file at `path` (relative to the repo root). */
async function restrictedImports(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('dependency direction (ESLint no-restricted-imports)', () => {
  it('rejects an engine/ folder importing a later folder, type imports and re-exports included', async () => {
    expect(await restrictedImports('engine/mm2/planted.ts', "import { MirrorTask } from '../replicate/mirror-task.ts';\nexport const x = MirrorTask;\n")).toEqual([
      expect.stringContaining('engine/mm2/ may import only folders earlier in the dependency order'),
    ]);
    expect(await restrictedImports('engine/core/planted.ts', "import type { MirrorConfig } from '../config/config.ts';\nexport type X = MirrorConfig;\n")).toHaveLength(1);
    expect(await restrictedImports('engine/kafka/planted.ts', "export { ProgressStore } from '../progress/progress-store.ts';\n")).toHaveLength(1);
  });

  it('accepts imports of earlier folders and of the own folder', async () => {
    const code = "import { MirrorError } from '../core/errors.ts';\nimport { createReplicationPolicy } from '../mm2/replication-policy.ts';\nimport { x } from './sibling.ts';\nexport const y = [MirrorError, createReplicationPolicy, x];\n";
    expect(await restrictedImports('engine/runtime/planted.ts', code)).toEqual([]);
    expect(await restrictedImports('engine/cli/planted.ts', "import { MirrorEngine } from '../runtime/mirror-engine.ts';\nexport const e = MirrorEngine;\n")).toEqual([]);
  });

  it('lets only engine/kafka/ import a Kafka client library', async () => {
    const code = "import type { Message } from '@confluentinc/kafka-javascript';\nimport kafkajs from 'kafkajs';\nexport type M = Message;\nexport const k = kafkajs;\n";
    expect(await restrictedImports('engine/kafka/planted.ts', code)).toEqual([]);
    expect(await restrictedImports('engine/progress/planted.ts', code)).toEqual([
      expect.stringContaining('Only engine/kafka/ may import a Kafka client library'),
      expect.stringContaining('Only engine/kafka/ may import a Kafka client library'),
    ]);
    expect(await restrictedImports('engine/index.ts', "export { Kafka } from 'kafkajs';\n")).toHaveLength(1);
  });

  it('applies the same rules one folder deeper (engine/kafka/batch/), @platformatic/kafka counting as a client library', async () => {
    const ok = "import { MirrorError } from '../../core/errors.ts';\nimport { createAPI } from '@platformatic/kafka';\nimport { x } from '../kafka-admin.ts';\nexport const y = [MirrorError, createAPI, x];\n";
    expect(await restrictedImports('engine/kafka/batch/planted.ts', ok)).toEqual([]);
    expect(await restrictedImports('engine/kafka/batch/planted.ts', "import { MirrorTask } from '../../replicate/mirror-task.ts';\nexport const m = MirrorTask;\n")).toEqual([
      expect.stringContaining('engine/kafka/ may import only folders earlier in the dependency order'),
    ]);
    expect(await restrictedImports('engine/kafka/batch/planted.ts', "import { waitFor } from '../../../testkit/wait-for.ts';\nexport const w = waitFor;\n")).toHaveLength(1);
    expect(await restrictedImports('engine/kafka/batch/planted.ts', "import { MirrorEngine } from '../../index.ts';\nexport const e = MirrorEngine;\n")).toHaveLength(1);
    expect(await restrictedImports('engine/progress/planted.ts', "import { createAPI } from '@platformatic/kafka';\nexport const c = createAPI;\n")).toHaveLength(1);
  });

  it('keeps engine internals off the public entry files and off code outside engine/', async () => {
    expect(await restrictedImports('engine/runtime/planted.ts', "import { MirrorEngine } from '../index.ts';\nexport const e = MirrorEngine;\n")).toHaveLength(1);
    expect(await restrictedImports('engine/cli/planted.ts', "import { waitFor } from '../../testkit/wait-for.ts';\nexport const w = waitFor;\n")).toHaveLength(1);
  });

  it('lets code outside engine/ use only the public files, and keeps shared tools out of scenarios/ and test/', async () => {
    const deep = "import { KafkaAdmin } from '../engine/kafka/kafka-admin.ts';\nexport const a = KafkaAdmin;\n";
    for (const path of ['testkit/planted.ts', 'test/planted.test.ts', 'scenarios/planted.ts', 'bench/planted.ts', 'producer-cli/planted.ts']) {
      expect(await restrictedImports(path, deep), path).toEqual([expect.stringContaining('Outside engine/, import the public surface only')]);
    }
    const publicFiles = "import { MirrorEngine } from '../engine/index.ts';\nimport { KafkaAdmin } from '../engine/testing.ts';\nimport { EXIT_CODES } from '../engine/core/errors.ts';\nexport const a = [MirrorEngine, KafkaAdmin, EXIT_CODES];\n";
    expect(await restrictedImports('testkit/planted.ts', publicFiles)).toEqual([]);
    expect(await restrictedImports('test/planted.test.ts', "import { SOURCE_TOPIC } from '../scenarios/scenario.ts';\nexport const s = SOURCE_TOPIC;\n")).toHaveLength(1);
    expect(await restrictedImports('bench/planted.ts', "import { waitUntil } from '../scenarios/scenario.ts';\nexport const w = waitUntil;\n")).toHaveLength(1);
    expect(await restrictedImports('scenarios/planted.ts', "import { x } from '../test/mirror-fixture.ts';\nexport const y = x;\n")).toHaveLength(1);
  });
});

describe('no import cycles (dependency-cruiser)', () => {
  const dir = mkdtempSync(join(ROOT, '.planted-cycle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function violations(files: Record<string, string>): Promise<string[]> {
    for (const [name, code] of Object.entries(files)) writeFileSync(join(dir, name), code);
    // The project's own rules, as `npm run lint:deps` uses them (a .mjs file without types: typed here).
    const config = ((await import(join(ROOT, '.dependency-cruiser.mjs'))) as { default: IConfiguration }).default;
    const { output } = await cruise([relative(ROOT, dir)], { ruleSet: { forbidden: config.forbidden ?? [] }, validate: true, tsPreCompilationDeps: true });
    return (output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
  }

  it('reports a cycle, also one made only of type imports, and nothing once it is broken', async () => {
    const cycle = await violations({
      'a.ts': "import type { B } from './b.ts';\nexport interface A { b?: B }\n",
      'b.ts': "import type { A } from './a.ts';\nexport interface B { a?: A }\n",
    });
    expect(cycle.length).toBeGreaterThan(0);
    expect(cycle[0]).toMatch(/^no-circular: .*\.planted-cycle-[^/]*\/[ab]\.ts -> .*[ab]\.ts$/);
    expect(await violations({ 'b.ts': 'export interface B { n: number }\n' })).toEqual([]);
  });
});
