/**
 * `kafka-mirror acknowledge-gap`: an operator accepts a detected log truncation so mirroring of that
 * partition can resume. Under `truncation.policy=fail` the engine stops on a truncation and, until the
 * gap is acknowledged, reports it again on every restart (the stored next offset stays below the log
 * start offset). Acknowledging records the gap in the progress store with the time and `operator`, and
 * moves the stored next offset to the first offset still in the log, so the next start resumes there
 * and does not report that gap again.
 *
 * Run it while the engine is stopped: a running engine keeps its own in-memory view of the progress
 * store and would overwrite the acknowledgement with its next progress write. Under `fail` (the only
 * policy that leaves gaps to acknowledge) a truncation stops the whole process, so this is the normal case.
 */
import type { FlowConfig, MirrorConfig } from '../config/config.ts';
import type { PartitionOffsets, TopicDescription, TopicPartition } from '../kafka/kafka-admin.ts';
import type { GapRecord, ProgressRecord } from './progress-store.ts';
import { ClusterConnections } from '../kafka/cluster-connections.ts';
import { ProgressStore } from './progress-store.ts';
import { silentLogger } from '../core/logger.ts';
import { ConfigError } from '../core/errors.ts';

/** What the operator asked for: one partition of one source topic in one flow. */
export interface GapAcknowledgementRequest {
  topic: string;
  partition: number;
}

/** An acknowledged gap: the upstream offsets `[expectedOffset, resumeOffset)` are accepted as lost. */
export interface GapAcknowledged {
  status: 'acknowledged';
  flow: string;
  topic: string;
  partition: number;
  topicId: string;
  /** The gap as now stored (acknowledgedAt/acknowledgedBy set; logStartOffset = resumeOffset). */
  gap: GapRecord;
  /** Where mirroring of the partition resumes (upstream offset). */
  resumeOffset: number;
  /** True when the engine had not recorded the gap yet (stored next offset below the log start, found here). */
  recordedNow: boolean;
}

/** Nothing to acknowledge; `reason` says why, for the operator. */
export interface NothingToAcknowledge {
  status: 'nothing-to-acknowledge';
  reason: string;
}

/** Outcome of {@link acknowledgeGap}. */
export type GapAcknowledgementResult = GapAcknowledged | NothingToAcknowledge;

/** The decision for one stored record, before anything is written. */
export type AcknowledgementPlan =
  | { kind: 'nothing'; reason: string }
  | { kind: 'acknowledge'; record: ProgressRecord; gap: GapRecord; resumeOffset: number; recordedNow: boolean };

/**
 * Decides what acknowledging means for the stored record of the current topic incarnation, given the
 * partition's current log start offset. Pure.
 * - An unacknowledged gap (recorded by the engine): accept it. Mirroring resumes at the greater of the
 *   gap's log start offset and the current log start (retention may have moved it since detection) —
 *   never below the stored next offset — and the stored gap is widened to what is actually skipped.
 * - No open gap, but the stored next offset is below the log start (the engine crashed or was never
 *   restarted after the records were deleted): record that gap now and accept it.
 * - Otherwise there is nothing to acknowledge.
 */
export function planAcknowledgement(record: ProgressRecord | undefined, key: string, logStartOffset: number, nowIso: string): AcknowledgementPlan {
  if (!record) return { kind: 'nothing', reason: `no progress is recorded for the current incarnation of ${key}: the engine has not mirrored it yet` };
  const open = record.gaps.filter((g) => !g.acknowledgedAt);
  if (open.length === 0 && record.nextOffset >= logStartOffset) {
    return {
      kind: 'nothing',
      reason: `${key} has no unacknowledged gap (next offset ${record.nextOffset}, log start offset ${logStartOffset})`,
    };
  }
  const expectedOffset = Math.min(record.nextOffset, ...open.map((g) => g.expectedOffset));
  const resumeOffset = Math.max(logStartOffset, record.nextOffset, ...open.map((g) => g.logStartOffset));
  const detectedAt = open.map((g) => g.detectedAt).sort()[0] ?? nowIso;
  const gap: GapRecord = {
    expectedOffset,
    logStartOffset: resumeOffset,
    gap: resumeOffset - expectedOffset,
    detectedAt,
    acknowledgedAt: nowIso,
    acknowledgedBy: 'operator',
  };
  return { kind: 'acknowledge', record, gap, resumeOffset, recordedNow: open.length === 0 };
}

/** Picks the flow to act on: `--flow` when given, else the only enabled flow. Throws ConfigError naming `--flow`. */
export function selectFlow(config: MirrorConfig, flowName: string | undefined): FlowConfig {
  const names = config.flows.map((f) => f.name);
  if (flowName === undefined) {
    if (config.flows.length === 1) return config.flows[0]!;
    throw new ConfigError('--flow', undefined, `one of the enabled flows: ${names.join(', ')}`);
  }
  const flow = config.flows.find((f) => f.name === flowName);
  if (!flow) throw new ConfigError('--flow', flowName, `one of the enabled flows: ${names.join(', ')}`);
  return flow;
}

/** The cluster reads acknowledgement needs from the source (a KafkaAdmin satisfies it). */
export interface SourceView {
  describeTopics(names: readonly string[]): Promise<Map<string, TopicDescription | undefined>>;
  partitionOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, PartitionOffsets>>;
}

/** The progress store operations acknowledgement needs (a loaded ProgressStore satisfies it). */
export interface ProgressView {
  get(topic: string, partition: number, topicId: string): ProgressRecord | undefined;
  write(record: Omit<ProgressRecord, 'sourceCluster' | 'updatedAt'>): Promise<void>;
  flush(): Promise<void>;
}

/**
 * Acknowledges the gap of `request` against an already loaded progress store: describes the source
 * topic for its current topic ID, reads the log start offset, applies {@link planAcknowledgement} and,
 * when there is something to acknowledge, writes and flushes the new progress record.
 */
export async function acknowledgeWith(
  options: { flow: string; source: SourceView; store: ProgressView; now?: () => Date },
  request: GapAcknowledgementRequest,
): Promise<GapAcknowledgementResult> {
  const { topic, partition } = request;
  const key = `${topic}-${partition}`;
  const description = (await options.source.describeTopics([topic])).get(topic);
  if (!description) return { status: 'nothing-to-acknowledge', reason: `source topic ${topic} does not exist in flow ${options.flow}` };
  if (partition >= description.partitionCount) {
    return { status: 'nothing-to-acknowledge', reason: `source topic ${topic} has ${description.partitionCount} partition(s); partition ${partition} does not exist` };
  }
  const offsets = (await options.source.partitionOffsets([{ topic, partition }])).get(key);
  if (!offsets) throw new Error(`no offsets returned for ${key}`);
  const nowIso = (options.now?.() ?? new Date()).toISOString();
  const plan = planAcknowledgement(options.store.get(topic, partition, description.topicId), key, offsets.logStartOffset, nowIso);
  if (plan.kind === 'nothing') return { status: 'nothing-to-acknowledge', reason: plan.reason };
  const { record, gap, resumeOffset } = plan;
  await options.store.write({
    topic,
    partition,
    topicId: record.topicId,
    nextOffset: resumeOffset,
    remoteTopic: record.remoteTopic,
    gaps: [...record.gaps.filter((g) => g.acknowledgedAt), gap],
  });
  await options.store.flush();
  return { status: 'acknowledged', flow: options.flow, topic, partition, topicId: record.topicId, gap, resumeOffset, recordedNow: plan.recordedNow };
}

/**
 * Acknowledges a gap for one flow against the real clusters: loads the flow's progress store from the
 * target cluster, then {@link acknowledgeWith}. Throws MirrorError on Kafka failures.
 */
export async function acknowledgeGap(flow: FlowConfig, request: GapAcknowledgementRequest): Promise<GapAcknowledgementResult> {
  const progressTopic = flow.replicationPolicy.progressTopic(flow.sourceAlias);
  const connections = new ClusterConnections({ logger: silentLogger() });
  try {
    const target = connections.of(flow.target, { adminTimeoutMs: flow.adminTimeoutMs });
    // Do not create the progress topic (ProgressStore.load would): no topic means nothing was ever mirrored.
    if (!(await target.admin.describeTopics([progressTopic])).get(progressTopic)) {
      return { status: 'nothing-to-acknowledge', reason: `no progress topic ${progressTopic} on ${flow.targetAlias}: flow ${flow.name} has never run` };
    }
    const store = new ProgressStore({
      topic: progressTopic,
      sourceCluster: flow.sourceAlias,
      target: flow.target,
      replicationFactor: flow.progressTopicReplicationFactor,
      logger: silentLogger(),
      clients: target,
    });
    try {
      await store.load();
      return await acknowledgeWith({ flow: flow.name, source: connections.of(flow.source, { adminTimeoutMs: flow.adminTimeoutMs }).admin, store }, request);
    } finally {
      await store.close();
    }
  } finally {
    await connections.close(5000);
  }
}

/** The one-line confirmation printed by the CLI. */
export function describeAcknowledgement(r: GapAcknowledged): string {
  const last = r.gap.logStartOffset - 1;
  const range = r.gap.gap > 0 ? `offsets ${r.gap.expectedOffset}..${last}` : `no offsets`;
  return (
    `Acknowledged gap for topic ${r.topic} partition ${r.partition} (flow ${r.flow}, topic ID ${r.topicId}): ` +
    `gap of ${r.gap.gap} messages, ${range} accepted as lost${r.recordedNow ? ' (gap recorded now)' : ''}; mirroring resumes at offset ${r.resumeOffset}`
  );
}
