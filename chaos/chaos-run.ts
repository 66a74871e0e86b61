/**
 * One chaos run of one delivery mode (at-least-once or exactly-once): a fresh source topic, K engine
 * instances, Kafka's VerifiableProducer writing at a fixed rate, the fault loop, then — once every
 * instance that is still up has stored progress up to the source's high watermarks — a graceful stop and
 * a `read_committed` audit of source against remote topic per partition (testkit/delivery-audit.ts: lost,
 * duplicated, out of order, longest re-copy after a restart).
 *
 * Used by `npm run chaos` (chaos/cli.ts, own clusters, random faults) and scenario test5 (the challenge's
 * clusters, one scripted kill).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';
import { auditTopic, type TopicAudit } from '../testkit/delivery-audit.ts';
import { withClusterReader, type ReadRecord } from '../testkit/cluster-reader.ts';
import { latestProgress, PROGRESS_TOPIC } from '../testkit/progress-records.ts';
import { EngineFleet } from './engine-fleet.ts';
import { EXACTLY_ONCE_KEY } from './engine-capabilities.ts';
import { FaultLoop, type FaultKind, type FaultRecord } from './fault-loop.ts';
import { VerifiableProducer } from './verifiable-producer.ts';

/** The two delivery modes of the engine (`exactly.once.source.support` off / `enabled`). */
export type DeliveryMode = 'at-least-once' | 'exactly-once';

/** Options of {@link runChaos}. Durations in ms, rates in records/s. */
export interface ChaosRunOptions {
  mode: DeliveryMode;
  primary: string;
  standby: string;
  /** The run's own clusters, for broker faults; absent = no broker faults. */
  clusters?: { primary: LocalKafkaCluster; standby: LocalKafkaCluster } | undefined;
  /** Source topic, created fresh (it must not exist); the remote topic is `primary.<topic>`. */
  topic: string;
  partitions: number;
  instances: number;
  /** The engine shares partitions among instances (the harness adds `membershipKey` = a group id per run). */
  membership: boolean;
  membershipKey: string;
  recordsPerSec: number;
  /** How long the producer writes at least; it goes on until the last fault is over, so every fault hits a stream. */
  durationMs: number;
  /** Fault moments (ms after the producer started), with a fixed kind or one chosen at random among `faultKinds`. */
  plan: readonly { atMs: number; kind?: FaultKind }[];
  faultKinds: readonly FaultKind[];
  random: () => number;
  freezeMs: number;
  maxDowntimeMs: number;
  /** Least time between the end of one fault and the next, ms. */
  minGapMs: number;
  /** Extra mm2.properties lines for every instance (`key = value`). */
  engineProps: readonly string[];
  /** Folder for configs and logs of this run. */
  dir: string;
  /** Log file of instance `id` (default `<dir>/instance-<id>.log`). */
  logFile?: ((id: number) => string) | undefined;
  /** How long the engine may take to catch up after the producer finished. */
  catchUpTimeoutMs: number;
  say: (line: string) => void;
}

/** The outcome of one run. */
export interface ChaosResult {
  mode: DeliveryMode;
  topic: string;
  instances: number;
  membership: boolean;
  recordsPerSec: number;
  durationMs: number;
  /** What VerifiableProducer did: records sent, acknowledged, failed; its exit code (143: stopped by SIGTERM, as the harness does). */
  produced: { sent: number; acked: number; failed: number; exitCode: number; avgRecordsPerSec: number; firstError?: string | undefined };
  /** How long the producer wrote, ms (≥ `durationMs`). */
  producedForMs: number;
  /** Acknowledged by the producer but absent from the source topic (a broker lost them: not the engine's doing). */
  sourceLost: number;
  audit: TopicAudit;
  faults: FaultRecord[];
  /** From the producer's end until every partition's stored progress reached the source high watermark. */
  catchUpMs: number;
  /** Exits nobody asked for, `critical` log lines, and a failed final stop. */
  engineProblems: string[];
  /** Starts that ended before the mirror task started (restarted by the harness; see EngineFleet.failedStarts). */
  failedStarts: string[];
  logFiles: string[];
}

/** mm2.properties of a chaos run: `primary->standby` mirroring `topic`, internal topics with RF 1. */
export function chaosProperties(o: Pick<ChaosRunOptions, 'primary' | 'standby' | 'topic' | 'mode' | 'membership' | 'membershipKey' | 'engineProps'>, groupId: string): string {
  return [
    '# written by the chaos harness (chaos/chaos-run.ts)',
    'clusters = primary, standby',
    `primary.bootstrap.servers = ${o.primary}`,
    `standby.bootstrap.servers = ${o.standby}`,
    'primary->standby.enabled = true',
    `primary->standby.topics = ${o.topic}`,
    'replication.factor = 1',
    'progress.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1',
    'checkpoints.topic.replication.factor = 1',
    'heartbeats.topic.replication.factor = 1',
    ...(o.membership ? [`${o.membershipKey} = ${groupId}`] : []),
    ...(o.mode === 'exactly-once' ? [`${EXACTLY_ONCE_KEY} = enabled`] : []),
    ...o.engineProps,
    '',
  ].join('\n');
}

/** Runs one mode; see the module doc. Throws when the setup fails (topic creation, first start, catch-up timeout). */
export async function runChaos(o: ChaosRunOptions): Promise<ChaosResult> {
  mkdirSync(o.dir, { recursive: true });
  const remoteTopic = `primary.${o.topic}`;
  await withClusterReader(o.primary, async (r) => {
    await r.admin.createTopics({ topics: [{ topic: o.topic, numPartitions: o.partitions, replicationFactor: 1 }], waitForLeaders: true });
  });
  const fleet = new EngineFleet({ dir: o.dir, properties: chaosProperties(o, `chaos-${o.topic}`), logFile: o.logFile });
  const engineProblems: string[] = [];
  let producer: VerifiableProducer | undefined;
  try {
    for (let i = 0; i < o.instances; i++) await fleet.add(false);
    o.say(`${o.instances} instance(s) running (${o.mode}${o.membership ? `, membership ${o.membershipKey}` : ''}); producing ${o.recordsPerSec} records/s for ${o.durationMs / 1000} s or until the last fault is over`);
    producer = VerifiableProducer.start({ bootstrapServers: o.primary, topic: o.topic, records: -1, recordsPerSec: o.recordsPerSec, configFile: join(o.dir, 'producer.properties') });
    const t0 = Date.now();
    const loop = new FaultLoop({ fleet, clusters: o.clusters, instances: o.instances, membership: o.membership, allowed: o.faultKinds, random: o.random, freezeMs: o.freezeMs, maxDowntimeMs: o.maxDowntimeMs, minGapMs: o.minGapMs, say: o.say });
    await loop.run(t0, o.plan);
    while (Date.now() < t0 + o.durationMs) {
      await loop.restartUnexpectedExits();
      await delay(Math.min(250, t0 + o.durationMs - Date.now()));
    }
    const produced = await producer.stop();
    const producedForMs = Date.now() - t0;
    o.say(`producer stopped after ${(producedForMs / 1000).toFixed(1)} s: ${produced.acked} acked, ${produced.failed} failed, ${Math.round(produced.avgRecordsPerSec)} records/s`);
    await loop.restartUnexpectedExits();
    if (fleet.inState('running').length === 0) await fleet.add();
    const caughtUpAt = Date.now();
    await waitForProgress(o, fleet);
    const catchUpMs = Date.now() - caughtUpAt;
    o.say(`every partition's progress reached the source high watermark ${catchUpMs} ms after the producer finished; stopping the fleet`);
    for (const [id, code] of await fleet.stopAll()) if (code !== 0) engineProblems.push(`instance ${id} exited ${code} on SIGTERM (expected 0)`);
    engineProblems.push(...fleet.unexpectedExits, ...criticalLines(fleet));
    const [source, remote] = await Promise.all([readIds(o.primary, o.topic), readIds(o.standby, remoteTopic)]);
    const audit = auditTopic(source, remote);
    const sourceIds = new Set([...source.values()].flat());
    const sourceLost = [...produced.ackedByPartition.values()].flat().filter((v) => !sourceIds.has(String(v))).length;
    return {
      mode: o.mode,
      topic: o.topic,
      instances: o.instances,
      membership: o.membership,
      recordsPerSec: o.recordsPerSec,
      durationMs: o.durationMs,
      producedForMs,
      produced: { exitCode: produced.exitCode, sent: produced.sent, acked: produced.acked, failed: produced.failed, avgRecordsPerSec: produced.avgRecordsPerSec, firstError: produced.firstError },
      sourceLost,
      audit,
      faults: loop.applied,
      catchUpMs,
      engineProblems,
      failedStarts: [...fleet.failedStarts],
      logFiles: fleet.logFiles,
    };
  } finally {
    await producer?.stop();
    await fleet.dispose();
  }
}

/**
 * Waits until the stored progress of every source partition (the engine's progress topic on the target,
 * read with kafkajs) reached the source high watermark: every record is then acknowledged by the target.
 * Instances that exit on their own meanwhile are started again (and recorded as unexpected exits).
 * Throws after `catchUpTimeoutMs` naming the partitions still behind.
 */
async function waitForProgress(o: ChaosRunOptions, fleet: EngineFleet): Promise<void> {
  const deadline = Date.now() + o.catchUpTimeoutMs;
  const hw = await withClusterReader(o.primary, (r) => r.highWatermarks(o.topic));
  let behind = '';
  while (Date.now() < deadline) {
    const stored = await withClusterReader(o.standby, async (r) => latestProgress(await r.readRecords(PROGRESS_TOPIC), o.topic)).catch(() => []);
    const at = new Map<number, number>();
    for (const e of stored) at.set(e.partition, Math.max(at.get(e.partition) ?? 0, e.nextOffset));
    const lagging = [...hw].filter(([p, end]) => (at.get(p) ?? 0) < end);
    if (lagging.length === 0) return;
    behind = lagging.map(([p, end]) => `${p}: ${at.get(p) ?? 0}/${end}`).join(', ');
    for (const i of fleet.reapUnexpectedExits()) await fleet.start(i);
    await delay(1000);
  }
  throw new Error(`the engine did not catch up within ${o.catchUpTimeoutMs} ms after the producer finished (stored progress / high watermark by partition: ${behind})`);
}

/** `critical` lines (truncation, reset trouble) of every instance log. */
function criticalLines(fleet: EngineFleet): string[] {
  return fleet.instances.flatMap((i) => i.engine.lines().filter((l) => l.level === 'critical').map((l) => `instance ${i.id}: critical: ${l.msg}`));
}

/** Values (VerifiableProducer's integers) per partition in offset order, read `read_committed` with kafkajs. */
async function readIds(bootstrap: string, topic: string): Promise<Map<number, (string | null)[]>> {
  const all = await withClusterReader(bootstrap, (r) => r.readAll(topic, 180_000));
  return new Map([...all].map(([p, records]) => [p, records.map(idOf)]));
}

function idOf(r: ReadRecord): string | null {
  return r.value === null ? null : r.value.toString('utf8');
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
