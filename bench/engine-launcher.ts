/**
 * Our engine for one run, the way operators run it: `node bin/kafka-mirror.js --config <mm2.properties>`
 * as a child process, with its shipped defaults (producer `linger.ms=5`, `batch.size=1 MiB`, no
 * compression unless the benchmark asks for one), the same emitter keys as MM2 and any `--ours-prop` lines. With `--cpu-prof`
 * the child runs under `node --cpu-prof` and writes a V8 profile into the run folder on exit.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_MIRROR_BIN } from '../testkit/engine-process.ts';
import { startChild, type Child } from './java-process.ts';
import type { MirrorLauncher, MirrorTopology } from './mirror-run.ts';
import { emitterProperties } from './mm2-launcher.ts';
import { checkDataPath, dataPathLine, type DataPath } from './data-path.ts';

/** Our engine's mm2.properties for the benchmark (also written into the results). */
export function engineProperties(t: MirrorTopology, tasks: number, extra: readonly string[]): string[] {
  const s = t.sourceAlias;
  const d = t.targetAlias;
  return [
    `clusters = ${s}, ${d}`,
    `${s}.bootstrap.servers = ${t.sourceBootstrap}`,
    `${d}.bootstrap.servers = ${t.targetBootstrap}`,
    `${s}->${d}.enabled = true`,
    `${s}->${d}.topics = ${t.topics.join(', ')}`,
    'replication.factor = 1',
    'progress.topic.replication.factor = 1',
    'heartbeats.topic.replication.factor = 1',
    `tasks.max = ${tasks}`,
    ...Object.entries(emitterProperties(t.emitters)).map(([k, v]) => `${k} = ${v}`),
    ...(t.producer.compression === 'none' ? [] : [`${d}.producer.compression.codec = ${t.producer.compression}`]),
    // The HTTP listener on a free port (never the users' 8083); `--ours-prop listeners=` turns it off.
    ...(extra.some((l) => /^\s*listeners\s*=/.test(l)) ? [] : ['listeners = http://127.0.0.1:0']),
    ...extra,
  ];
}

/**
 * Launches our engine as mirror `name`: `bin` is its `kafka-mirror.js` (this checkout's by default, another
 * checkout's for `base`), `extra` are `--ours-prop` lines, `cpuProf` adds `--cpu-prof`. With `dataPath` the
 * config asks for it (`data.path = …`, after the `extra` lines so it wins) and {@link MirrorLauncher.checkDataPath}
 * reads the run's log for the engine's confirmation.
 */
export function engineLauncher(options: {
  name: 'ours' | 'batches' | 'base';
  bin?: string | undefined;
  tasks: number;
  extra: readonly string[];
  cpuProf: boolean;
  dataPath?: DataPath;
}): MirrorLauncher {
  const bin = options.bin ?? KAFKA_MIRROR_BIN;
  const extra = options.dataPath ? [...options.extra, dataPathLine(options.dataPath)] : options.extra;
  return {
    name: options.name,
    ...(options.dataPath ? { dataPath: options.dataPath, checkDataPath: (runDir: string) => checkDataPath(readLog(join(runDir, 'engine.log')), options.dataPath!) } : {}),
    settings: (t) => ({ bin, properties: engineProperties(t, options.tasks, extra), cpuProf: options.cpuProf }),
    start(t, runDir): Child {
      const config = join(runDir, 'mm2.properties');
      writeFileSync(config, `${engineProperties(t, options.tasks, extra).join('\n')}\n`);
      const node = options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', runDir] : [];
      const child = startChild(process.execPath, [...node, bin, '--config', config, '--log-file', join(runDir, 'engine.log'), '--log-level', 'info'], {
        logFile: join(runDir, 'engine-stderr.log'),
      });
      scrapeWhileRunning(child, join(runDir, 'engine.log'));
      return child;
    },
  };
}

/** How often the benchmark scrapes a running engine's /metrics and /status, as Prometheus would (docker/prometheus.yml: 5 s). */
export const SCRAPE_INTERVAL_MS = 5000;

/**
 * Scrapes `/metrics` and `/status` of an engine with a listener every {@link SCRAPE_INTERVAL_MS} until it exits, so
 * a run with the listener on pays what a monitored engine pays (the bound URL comes from the `http_listening` line).
 */
function scrapeWhileRunning(child: Child, logFile: string): void {
  let url: string | undefined;
  const timer = setInterval(() => {
    url ??= listenerUrl(logFile);
    if (url === undefined) return;
    for (const path of ['/metrics', '/status']) void fetch(`${url}${path}`, { signal: AbortSignal.timeout(SCRAPE_INTERVAL_MS) }).then((r) => r.arrayBuffer()).catch(() => undefined);
  }, SCRAPE_INTERVAL_MS);
  timer.unref();
  void child.exited.then(() => clearInterval(timer));
}

function readLog(logFile: string): string {
  return existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
}

function listenerUrl(logFile: string): string | undefined {
  if (!existsSync(logFile)) return undefined;
  const line = readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('"event":"http_listening"'));
  if (line === undefined) return undefined;
  try {
    return (JSON.parse(line) as { url?: string }).url;
  } catch {
    return undefined;
  }
}
