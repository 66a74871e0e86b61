/**
 * The data path the test suite runs the engine on: `KME_DATA_PATH=records|batches` (unset: the engine's
 * default). Every helper that builds an engine config adds it, so the whole suite — in-process engines,
 * engine processes, scenarios — runs on either path:
 * `KME_DATA_PATH=batches PRIMARY_PORT=… STANDBY_PORT=… npx vitest run test/`.
 */
import { parseMirrorConfig } from '../engine/index.ts';

/** `KME_DATA_PATH` when set (`records` or `batches`); throws on any other value, undefined when unset. */
export function testDataPath(): 'records' | 'batches' | undefined {
  const v = process.env.KME_DATA_PATH;
  if (v === undefined || v === '') return undefined;
  if (v !== 'records' && v !== 'batches') throw new Error(`KME_DATA_PATH=${v}: expected records or batches`);
  return v;
}

/** `{ 'data.path': … }` when `KME_DATA_PATH` is set, else `{}`: spread into a properties object before the test's own keys. */
export function dataPathProperties(): Record<string, string> {
  const path = testDataPath();
  return path === undefined ? {} : { 'data.path': path };
}

/** mm2.properties text with a `data.path` line added when `KME_DATA_PATH` is set and the text has none. */
export function withDataPath(properties: string): string {
  const path = testDataPath();
  if (path === undefined || /^\s*([^=\s]*\.)?data\.path\s*=/m.test(properties)) return properties;
  return `${properties.replace(/\n*$/, '')}\ndata.path = ${path}\n`;
}

/** {@link parseMirrorConfig} of `properties` with {@link withDataPath} applied: what tests that write their own mm2.properties call. */
export function parseTestConfig(properties: string): ReturnType<typeof parseMirrorConfig> {
  return parseMirrorConfig(withDataPath(properties));
}
