/**
 * Failover time of the engine itself (issue 15): two `kafka-mirror` processes of one flow group mirror a
 * 4-partition topic under a steady load; each round one of them is killed -9 (or stopped with SIGTERM,
 * or a second one joins), and the time from that moment to the first record of a moved partition
 * acknowledged by the target is measured: the target's high watermarks are polled every 25 ms with an
 * independent client (kafkajs), and the first increase after the survivor logged the partition's
 * assignment (partition-handover.ts `partitions_assigned`) marks it — writes of the old owner that
 * landed late never count. Default group settings unless flags say otherwise.
 *
 *   npx tsx bench/engine-failover.ts [--scenario kill|leave|join] [--protocol classic|consumer] [--rounds 5]
 *                                    [--session-timeout-ms N] [--heartbeat-interval-ms N]
 *
 * Needs the two local clusters (`npm run kafka:up`, ports from PRIMARY_PORT / STANDBY_PORT or
 * PRIMARY_BOOTSTRAP / STANDBY_BOOTSTRAP). Writes `bench/results/engine-failover-<scenario>-<protocol>.json`.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ClusterReader } from '../testkit/cluster-reader.ts';
import { ContinuousLoad } from '../testkit/continuous-load.ts';
import { lineTimeMs, type EngineLogLine } from '../testkit/engine-log.ts';
import { EngineProcess } from '../testkit/engine-process.ts';
import { assignedLine, ownedPartitions } from '../testkit/ownership-log.ts';
import { PRIMARY, STANDBY, kafkajsClient, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

const PARTITIONS = 4;
const POLL_MS = 25;

const { values: flags } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'kill' },
    protocol: { type: 'string', default: 'classic' },
    rounds: { type: 'string', default: '5' },
    'session-timeout-ms': { type: 'string' },
    'heartbeat-interval-ms': { type: 'string' },
  },
});
const scenario = flags.scenario as 'kill' | 'leave' | 'join';
const rounds = Number(flags.rounds);
if (!['kill', 'leave', 'join'].includes(scenario) || !['classic', 'consumer'].includes(flags.protocol!) || !(rounds > 0)) {
  process.stderr.write('usage: tsx bench/engine-failover.ts [--scenario kill|leave|join] [--protocol classic|consumer] [--rounds N]\n');
  process.exit(2);
}
// Heartbeats not mirrored: `heartbeats` is mirrored whatever `topics` says (MM2), its partition would break the even split.
const extra: Record<string, string> = { 'group.protocol': flags.protocol!, 'sync.topic.configs.enabled': 'false', 'heartbeats.replication.enabled': 'false' };
if (flags['session-timeout-ms']) extra['session.timeout.ms'] = flags['session-timeout-ms'];
if (flags['heartbeat-interval-ms']) extra['heartbeat.interval.ms'] = flags['heartbeat-interval-ms'];

const say = (line: string) => process.stdout.write(`${line}\n`);

/** High watermarks of the remote topic sampled every {@link POLL_MS} ms until stopped (sample time = when the request was sent). */
class Sampler {
  readonly samples: { atMs: number; hw: Map<number, number> }[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(target: ClusterReader, remote: string) {
    this.loop = (async () => {
      while (this.running) {
        const atMs = Date.now();
        const hw = await target.highWatermarks(remote).catch(() => undefined); // the remote topic may not exist yet
        if (hw) this.samples.push({ atMs, hw });
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
  }

  /** Epoch ms of the first sample after `sinceMs` in which one of `partitions` grew past its last value at or before `sinceMs`. */
  firstGrowthAfter(sinceMs: number, partitions: readonly number[]): number | undefined {
    const before = [...this.samples].reverse().find((s) => s.atMs <= sinceMs);
    if (!before) return undefined;
    return this.samples.find((s) => s.atMs > sinceMs && partitions.some((p) => (s.hw.get(p) ?? 0) > (before.hw.get(p) ?? 0)))?.atMs;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

const partitionOf = (key: string) => Number(key.split('-').at(-1));

async function main(): Promise<void> {
  const prefix = uniqueTopic('failover-bench');
  const topic = `${prefix}-data`;
  const remote = `primary.${topic}`;
  const source = await new ClusterReader(PRIMARY).connect();
  const target = await new ClusterReader(STANDBY).connect();
  await source.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafkajsClient(PRIMARY).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const load = new ContinuousLoad(producer, topic, PARTITIONS, { perPartitionPerSend: 5, pauseMs: 20 });
  const engines = [EngineProcess.inTempDir(`^${prefix}-.*`, extra), EngineProcess.inTempDir(`^${prefix}-.*`, extra)];
  const sampler = new Sampler(target, remote);
  const results: { round: number; victim?: number; moved: string[]; ms: number; assignedAfterMs: number }[] = [];
  const owned = (e: EngineProcess) => ownedPartitions(e.logLines());
  const running = (e: EngineProcess) => e.pid !== undefined;
  try {
    await engines[0]!.start();
    if (scenario !== 'join') await engines[1]!.start();
    for (let round = 1; round <= rounds; round++) {
      const live = engines.filter(running);
      await waitFor(() => live.every((e) => owned(e).size === PARTITIONS / live.length), { timeoutMs: 120_000, message: 'an even split' });
      await waitFor(async () => (await target.highWatermarks(remote)).size === PARTITIONS, { timeoutMs: 30_000, message: 'the remote topic' });
      let t0: number;
      let moved: string[];
      let survivor: EngineProcess;
      let victim: number | undefined;
      if (scenario === 'join') {
        survivor = engines.find((e) => !running(e))!;
        t0 = Date.now();
        await survivor.start();
        moved = await waitFor(() => (owned(survivor).size > 0 ? [...owned(survivor)] : undefined), { timeoutMs: 120_000, message: 'the new member to own partitions' });
      } else {
        victim = (round - 1) % 2;
        const v = engines[victim]!;
        survivor = engines[1 - victim]!;
        moved = [...owned(v)];
        t0 = Date.now();
        if (scenario === 'kill') await v.kill();
        else await v.stop();
      }
      const lines = (): EngineLogLine[] => survivor.logLines();
      const assigned = await waitFor(() => {
        const hits = moved.map((k) => assignedLine(lines(), k, t0));
        return hits.every(Boolean) ? hits.map((l) => lineTimeMs(l!)) : undefined;
      }, { timeoutMs: 120_000, message: `the survivor to take ${moved.join(', ')}` });
      const assignedAtMs = Math.min(...assigned);
      const firstMs = await waitFor(() => sampler.firstGrowthAfter(assignedAtMs, moved.map(partitionOf)), { timeoutMs: 60_000, intervalMs: POLL_MS, message: 'a record of a moved partition on the target' });
      results.push({ round, victim, moved, ms: firstMs - t0, assignedAfterMs: assignedAtMs - t0 });
      say(`round ${round}: ${scenario} ${victim === undefined ? 'join' : `instance ${victim}`} -> ${moved.join(', ')} moved; assigned after ${assignedAtMs - t0} ms, first record on the target after ${firstMs - t0} ms`);
      if (scenario === 'join') await engines.find((e) => e !== survivor && running(e))!.stop(); // back to one member for the next round
      else await engines[victim!]!.start();
    }
  } finally {
    await sampler.stop();
    await load.stop().catch(() => undefined);
    for (const e of engines) await e.dispose({ keep: process.env.KEEP_ENGINE_LOGS !== undefined });
    await producer.disconnect();
    await Promise.allSettled([source.deleteTopicsIfPresent([topic]), target.deleteTopicsIfPresent([remote])]);
    await Promise.allSettled([source.close(), target.close()]);
  }
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const summary = { scenario, protocol: flags.protocol, settings: extra, partitions: PARTITIONS, rounds: results, medianMs: median, minMs: sorted[0], maxMs: sorted.at(-1), measuredAt: new Date().toISOString() };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', `engine-failover-${scenario}-${flags.protocol}.json`);
  writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  say(`${scenario} (${flags.protocol}): median ${median} ms over ${results.length} rounds (min ${sorted[0]}, max ${sorted.at(-1)}); ${out}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`engine-failover: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
