/**
 * The engine's JSON log lines as tests and scenarios read them: from an engine child process's log file
 * (testkit/engine-process.ts) or captured from an in-process engine (testkit/engine-harness.ts). Both are
 * written by the engine's own logger (engine/core/logger.ts): pino JSON, `level` as a label, ISO `time`.
 */

/** One parsed engine log line (pino JSON: `level` as a label, `time` ISO 8601, `msg`, plus fields). */
export type EngineLogLine = Record<string, unknown> & { level: string; time: string; msg: string };

/** Parses JSON log text line by line; blank and non-JSON lines (a partial last line while the engine writes) are skipped. */
export function parseLogLines(text: string): EngineLogLine[] {
  const out: EngineLogLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      out.push(JSON.parse(raw) as EngineLogLine);
    } catch {
      /* a partial last line */
    }
  }
  return out;
}

/** Epoch ms of a log line's `time` (ISO 8601 from the engine's logger; epoch ms accepted too). */
export function lineTimeMs(line: { time?: unknown }): number {
  return typeof line.time === 'number' ? line.time : Date.parse(String(line.time));
}
