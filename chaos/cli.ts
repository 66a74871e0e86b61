/**
 * `npm run chaos [-- options]` — the chaos harness (issue 15). On its OWN pair of local Kafka clusters
 * (default 127.0.0.1:19292 / :19293, data in a temporary folder removed afterwards), it runs K instances of
 * `kafka-mirror`, Kafka's VerifiableProducer as the independent source of records, and a seeded fault loop
 * (kill -9, restart, freeze past the session timeout, add and remove instances, broker restart); then a
 * `read_committed` audit per partition: lost, duplicated, out of order, longest re-copy. One table row for
 * at-least-once and one for exactly-once (skipped while the engine does not accept
 * `exactly.once.source.support = enabled`).
 *
 * K > 1 needs group membership (instances share the flow's partitions); while the engine has no membership
 * key (chaos/engine-capabilities.ts) the harness runs K = 1 and says so.
 *
 * Output: the tables on stdout, and `<out>/report.md` + `<out>/summary.json` (default `logs/chaos/<time>/`).
 * Exit code 0 when every mode run passed (nothing lost, nothing out of order, no unexpected engine exit,
 * no duplicates under exactly-once, re-copies within `--max-recopy` when given), 1 otherwise, 2 on bad options.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';
import { probeCapabilities, MEMBERSHIP_KEY } from './engine-capabilities.ts';
import { FAULT_KINDS, planFaultTimes, seededRandom, type FaultKind } from './fault-loop.ts';
import { runChaos, type ChaosResult, type DeliveryMode } from './chaos-run.ts';
import { fullReport, runProblems, type SkippedMode } from './report.ts';

interface Options {
  duration: number;
  instances: number;
  rate: number;
  seed: number;
  faults?: number;
  faultKinds: FaultKind[];
  partitions: number;
  freezeMs: number;
  maxDowntimeMs: number;
  minGapMs: number;
  modes: DeliveryMode[];
  exactlyOnce?: boolean;
  atLeastOnce?: boolean;
  membershipKey: string;
  engineProp: string[];
  primaryPort: number;
  standbyPort: number;
  maxRecopy?: number;
  out?: string;
}

const say = (line: string) => console.log(`[chaos] ${line}`);

/** The repository's logs/ folder (gitignored), as for the scenarios. */
const LOGS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'logs');

const positiveInt = (what: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer, got '${v}'`);
  return n;
};
const nonNegativeInt = (what: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a non-negative integer, got '${v}'`);
  return n;
};
const listOf = <T extends string>(allowed: readonly T[], what: string) => (v: string): T[] => {
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (bad.length > 0 || items.length === 0) throw new InvalidArgumentError(`${what}: expected a comma-separated list of ${allowed.join(', ')}, got '${v}'`);
  return items as T[];
};
const engineProp = (v: string, previous: string[]): string[] => {
  if (!/^[^=\s]+\s*=/.test(v)) throw new InvalidArgumentError(`--engine-prop expects key=value, got '${v}'`);
  return [...previous, v.replace(/^([^=\s]+)\s*=\s*/, '$1 = ')];
};

function program(): Command {
  return new Command('chaos')
    .description('Chaos harness: K kafka-mirror instances, VerifiableProducer, a seeded fault loop, a read_committed audit per partition')
    .option('--duration <s>', 'seconds the producer writes (faults happen during this time)', positiveInt('--duration'), 60)
    .option('--instances <k>', 'engine instances K (K > 1 needs group membership in the engine)', positiveInt('--instances'), 3)
    .option('--rate <records/s>', 'VerifiableProducer rate', positiveInt('--rate'), 5000)
    .option('--seed <n>', 'seed of the fault loop (same seed, same fault choices and moments)', nonNegativeInt('--seed'), 15)
    .option('--faults <n>', 'faults per mode (default: one per 4 s of --duration)', nonNegativeInt('--faults'))
    .option('--fault-kinds <list>', `fault kinds to draw from: ${FAULT_KINDS.join(',')}`, listOf(FAULT_KINDS, '--fault-kinds'), [...FAULT_KINDS])
    .option('--partitions <n>', 'partitions of the source topic', positiveInt('--partitions'), 6)
    .option('--freeze-ms <ms>', 'how long a freeze (SIGSTOP) lasts; set it past the session timeout', positiveInt('--freeze-ms'), 12_000)
    .option('--max-downtime-ms <ms>', 'longest pause between a kill -9 and the restart of that instance', nonNegativeInt('--max-downtime-ms'), 2000)
    .option('--min-gap-ms <ms>', 'least time between the end of one fault and the next', nonNegativeInt('--min-gap-ms'), 2000)
    .option('--modes <list>', 'delivery modes to run', listOf(['at-least-once', 'exactly-once'] as const, '--modes'), ['at-least-once', 'exactly-once'])
    .option('--exactly-once', 'run the exactly-once mode only (`exactly.once.source.support = enabled` for every instance); same as --modes exactly-once')
    .option('--at-least-once', 'run the at-least-once mode only; same as --modes at-least-once')
    .option('--membership-key <key>', 'mm2.properties key naming the flow group (probed; the harness sets it per run)', MEMBERSHIP_KEY)
    .option('--engine-prop <key=value>', 'extra mm2.properties line for every instance (repeatable)', engineProp, [])
    .option('--primary-port <port>', 'port of the harness\'s own primary cluster', positiveInt('--primary-port'), Number(process.env.CHAOS_PRIMARY_PORT ?? 19292))
    .option('--standby-port <port>', 'port of the harness\'s own standby cluster', positiveInt('--standby-port'), Number(process.env.CHAOS_STANDBY_PORT ?? 19293))
    .option('--max-recopy <n>', 'fail at-least-once when a restart re-copied more than n records of a partition', nonNegativeInt('--max-recopy'))
    .option('--out <dir>', 'folder for logs, report.md and summary.json (default logs/chaos/<time>)')
    .exitOverride();
}

async function main(argv: string[]): Promise<number> {
  const cmd = program();
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  const o = cmd.opts<Options>();
  const caps = probeCapabilities(o.membershipKey);
  let instances = o.instances;
  if (instances > 1 && !caps.membership) {
    say(`the engine does not accept the membership key '${o.membershipKey}': ${instances} instances would each mirror every partition; running K = 1 (faults add/remove need membership)`);
    instances = 1;
  }
  const skipped: SkippedMode[] = [];
  const wanted: DeliveryMode[] = o.exactlyOnce || o.atLeastOnce ? [...(o.atLeastOnce ? ['at-least-once' as const] : []), ...(o.exactlyOnce ? ['exactly-once' as const] : [])] : o.modes;
  const modes = wanted.filter((m) => {
    if (m === 'exactly-once' && !caps.exactlyOnce) skipped.push({ mode: m, reason: 'the engine does not accept exactly.once.source.support = enabled' });
    return m !== 'exactly-once' || caps.exactlyOnce;
  });
  const durationMs = o.duration * 1000;
  const faultCount = o.faults ?? Math.floor(o.duration / 4);
  const out = o.out ?? join(LOGS_DIR, 'chaos', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(out, { recursive: true });

  const dataRoot = mkdtempSync(join(tmpdir(), 'kme-chaos-'));
  const clusters = {
    primary: new LocalKafkaCluster({ alias: 'primary', port: o.primaryPort, dataRoot }),
    standby: new LocalKafkaCluster({ alias: 'standby', port: o.standbyPort, dataRoot }),
  };
  const results: ChaosResult[] = [];
  const t0 = Date.now();
  try {
    for (const c of [clusters.primary, clusters.standby]) {
      const { started, durationMs: upMs } = await c.start('process');
      if (!started) throw new Error(`something already answers on ${c.bootstrapServers}; the harness needs its own clusters (--primary-port / --standby-port)`);
      say(`${c.alias} cluster up on ${c.bootstrapServers} in ${upMs} ms`);
    }
    for (const mode of modes) {
      const random = seededRandom(o.seed);
      const plan = planFaultTimes(random, faultCount, durationMs).map((atMs) => ({ atMs }));
      say(`=== ${mode}: K = ${instances}, ${o.rate} records/s for ${o.duration} s, ${faultCount} faults from ${o.faultKinds.join(',')}, seed ${o.seed} ===`);
      results.push(
        await runChaos({
          mode, primary: clusters.primary.bootstrapServers, standby: clusters.standby.bootstrapServers, clusters,
          topic: mode === 'exactly-once' ? 'chaos-eos' : 'chaos-alo', partitions: o.partitions, instances, membership: caps.membership,
          membershipKey: o.membershipKey, recordsPerSec: o.rate, durationMs, plan, faultKinds: o.faultKinds, random, freezeMs: o.freezeMs,
          maxDowntimeMs: o.maxDowntimeMs, minGapMs: o.minGapMs, engineProps: o.engineProp, dir: join(out, mode), catchUpTimeoutMs: 180_000, say,
        }),
      );
    }
  } finally {
    for (const c of [clusters.primary, clusters.standby]) await c.destroy();
    rmSync(dataRoot, { recursive: true, force: true });
  }
  const settings = { instances, requestedInstances: o.instances, recordsPerSecond: o.rate, durationSeconds: o.duration, faultsPerMode: faultCount, faultKinds: o.faultKinds,
    seed: o.seed, partitions: o.partitions, freezeMs: o.freezeMs, maxDowntimeMs: o.maxDowntimeMs, minGapMs: o.minGapMs, engineProps: o.engineProp, capabilities: caps, wallClockSeconds: Math.round((Date.now() - t0) / 1000) };
  const report = fullReport({ title: 'Chaos run', settings, results, skipped, maxRecopy: o.maxRecopy });
  console.log(`\n${report}`);
  writeFileSync(join(out, 'report.md'), report);
  writeFileSync(join(out, 'summary.json'), JSON.stringify({ finishedAt: new Date().toISOString(), settings, skipped, results }, null, 2));
  say(`report written to ${join(out, 'report.md')}`);
  const failed = results.filter((r) => runProblems(r, o.maxRecopy).length > 0).length;
  say(failed === 0 ? `PASS (${results.length} mode run(s))` : `FAIL (${failed} of ${results.length} mode run(s))`);
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`chaos: ${(err as Error).message}`);
    process.exit(1);
  },
);
