/**
 * Which data path an engine run really used. The benchmark asks for it with the flow key
 * `data.path = records|batches` (issue 16); an engine that does not know the key only warns
 * ("unknown key 'data.path' (line N); ignored", engine/config/config.ts) and copies records, so a run
 * asked for `batches` counts as the batch path only when the engine confirms it:
 * - before any run, this checkout's config parser is probed (no warning naming the key, value accepted);
 * - after each run, the engine's log must show the key in the start-up config echo (the
 *   `kafka-mirror starting` line logs the parsed config: a flow field named `dataPath` or `data.path`
 *   with the value asked for) and no warning naming the key.
 * Anything else marks the batch path "not available" with the reason, and its figures are not reported.
 * `records` is also confirmed by the unknown-key warning: an engine without the key has only the record path.
 */
import { engineAcceptsKey } from '../chaos/engine-capabilities.ts';

/** The flow key choosing the data path (issue 16). */
export const DATA_PATH_KEY = 'data.path';

/** The two data paths of issue 16. */
export type DataPath = 'records' | 'batches';

/** The mm2.properties line asking for `path`. */
export function dataPathLine(path: DataPath): string {
  return `${DATA_PATH_KEY} = ${path}`;
}

/** Pre-flight: does this checkout's config parser accept `data.path = <path>`? */
export function thisCheckoutAcceptsDataPath(path: DataPath): boolean {
  return engineAcceptsKey(DATA_PATH_KEY, path);
}

/** What one engine log says about the data path it ran. */
export interface DataPathCheck {
  confirmed: boolean;
  /** Why not (or how it was confirmed): quoted from the log where possible. */
  reason: string;
}

/** Reads the engine's JSON log lines (`text`) for the data path it ran; see the module doc. */
export function checkDataPath(text: string, path: DataPath): DataPathCheck {
  let echoed: unknown[] | undefined;
  for (const line of text.split('\n')) {
    if (!line.includes(DATA_PATH_KEY) && !line.includes('kafka-mirror starting')) continue;
    let entry: { level?: unknown; msg?: unknown; config?: { flows?: unknown[] } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    const msg = typeof entry.msg === 'string' ? entry.msg : '';
    if (msg.includes(`'${DATA_PATH_KEY}'`)) {
      return path === 'records'
        ? { confirmed: true, reason: `the engine has no data.path key, so only the record path ("${msg}")` }
        : { confirmed: false, reason: `the engine ignored the key: "${msg}"` };
    }
    if (msg === 'kafka-mirror starting' && Array.isArray(entry.config?.flows)) echoed = entry.config.flows;
  }
  if (echoed === undefined) return { confirmed: false, reason: "no 'kafka-mirror starting' config echo in the engine log" };
  const values = echoed.map((flow) => dataPathField(flow));
  if (values.length > 0 && values.every((v) => v === path)) return { confirmed: true, reason: `config echo: data path '${path}' in every flow` };
  return { confirmed: false, reason: `the config echo does not show data path '${path}' (found: ${values.map((v) => v ?? 'none').join(', ') || 'no flows'})` };
}

/** The value of a flow's `dataPath` / `data.path` field in the config echo, if any. */
function dataPathField(flow: unknown): unknown {
  if (flow === null || typeof flow !== 'object') return undefined;
  const entry = Object.entries(flow).find(([k]) => k.toLowerCase().replace(/[^a-z]/g, '') === 'datapath');
  return entry?.[1];
}
