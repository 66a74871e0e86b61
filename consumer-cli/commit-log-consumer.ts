/**
 * `consumeCommitLog`: reads commit-log events (producer-cli/commit-log-event.ts) as a member of a
 * consumer group, and commits exactly what it delivered. Never writes to the console: records go to
 * `onRecord`, the start positions to `onReady`, diagnostics to an optional pino-style logger.
 *
 * Failover (`failover.sourceAlias`): the group consumed `topic` on the cluster `sourceAlias` and now
 * moves to this cluster, where the engine (or MM2) mirrors it as `<sourceAlias>.<topic>`. The start
 * positions come from the group's checkpoints on this cluster ({@link translateOffsets}, what MM2's
 * RemoteClusterUtils does) — unless the group already committed further here (an earlier failover run,
 * or `sync.group.offsets.enabled`), which then wins. Without any checkpoint for the group the run stops
 * with {@link NoCheckpointError}: starting from the beginning would re-deliver everything.
 *
 * The rdkafka-style client is used with `subscribe`, so the group has a member while this runs (as a
 * real application's would), `isolation.level=read_committed`, `auto.offset.reset=earliest`, no
 * auto-commit: offsets are committed once, at the end, for the records delivered (at-least-once).
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { Assignment, KafkaConsumer, LibrdKafkaError, Message, Metadata, TopicPartitionOffset } from '@confluentinc/kafka-javascript';
import { ERROR_CODES, MirrorError, createReplicationPolicy, translateOffsets, type TranslatedOffset } from '../engine/index.ts';
import { decodeCommitLogEvent } from '../producer-cli/commit-log-event.ts';

/** Options of one run. `bootstrapServers`, `topic` and `groupId` are required. */
export interface CommitLogConsumerOptions {
  /** `host:port[,host:port…]`. */
  bootstrapServers: string;
  /** The topic as the producer wrote it (`commit-log`); under failover the remote name is derived. */
  topic: string;
  groupId: string;
  /** Fail over from cluster `sourceAlias`: read `<sourceAlias>.<topic>` from translated offsets. */
  failover?: { sourceAlias: string };
  /** Stop after this many records (and commit exactly those). */
  count?: number;
  /** Stop once every partition reached the end it had when consumption started. */
  untilEnd?: boolean;
  /** Stop after this long without a record, ms. */
  idleTimeoutMs?: number;
  /** Stop (commit what was delivered) when aborted. */
  signal?: AbortSignal;
  /** Deadline for connecting, reading checkpoints and getting the first assignment, ms (default 30 000). */
  connectTimeoutMs?: number;
}

/** Where a partition started, and why. */
export interface StartPosition {
  partition: number;
  /** Offset of the first record to read; -1 = the partition's earliest. */
  offset: number;
  source: 'checkpoint' | 'committed-here' | 'earliest';
  /** Under failover: the translated checkpoint, when there is one. */
  checkpoint?: TranslatedOffset;
}

/** What `onReady` learns once partitions are assigned. */
export interface CommitLogConsumerReady {
  topic: string;
  partitions: StartPosition[];
}

/** One delivered record. `seq` is undefined for a record that is not a commit-log event. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  seq: number | undefined;
  runId: string | undefined;
}

/** Result of a run. */
export interface CommitLogConsumerSummary {
  topic: string;
  records: number;
  /** Per partition: first and last offset delivered and the offset committed (next to read). */
  partitions: { partition: number; firstOffset: number; lastOffset: number; committed: number }[];
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  /** Sequence numbers delivered more than once. */
  duplicates: number;
  /** Records whose seq was not above the previous one of their partition. */
  outOfOrder: number;
  /** Records that are not commit-log events. */
  malformed: number;
  /** Epoch ms at which the commit was acknowledged (undefined when nothing was committed). */
  committedAtMs: number | undefined;
  durationMs: number;
  stoppedBy: 'count' | 'end' | 'idle' | 'signal';
}

/** Hooks of a run; all optional. */
export interface CommitLogConsumerHooks {
  onReady?: (info: CommitLogConsumerReady) => void;
  onRecord?: (record: ConsumedRecord) => void;
  logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** `--failover` found no checkpoint of the group (nothing says where it was). */
export class NoCheckpointError extends MirrorError {
  readonly groupId: string;
  readonly checkpointsTopic: string;

  constructor(groupId: string, checkpointsTopic: string, bootstrapServers: string) {
    super(ERROR_CODES.KAFKA_ERROR, `no checkpoint for group ${groupId} in ${checkpointsTopic} on ${bootstrapServers}: cannot fail over without re-reading the topic from the beginning`);
    this.groupId = groupId;
    this.checkpointsTopic = checkpointsTopic;
  }
}

const ERR_ASSIGN = -175;
/** librdkafka's logical offset "beginning". */
const OFFSET_BEGINNING = -2;

/** Runs the consumer; resolves with the summary. Throws MirrorError (NoCheckpointError under failover without checkpoints). */
export async function consumeCommitLog(o: CommitLogConsumerOptions, hooks: CommitLogConsumerHooks = {}): Promise<CommitLogConsumerSummary> {
  const t0 = Date.now();
  const connectTimeoutMs = o.connectTimeoutMs ?? 30_000;
  const policy = createReplicationPolicy(undefined);
  const topic = o.failover ? policy.formatRemoteTopic(o.failover.sourceAlias, o.topic) : o.topic;
  let checkpoints: TranslatedOffset[] = [];
  if (o.failover) {
    checkpoints = (await translateOffsets({ targetBootstrap: o.bootstrapServers, sourceAlias: o.failover.sourceAlias, groupId: o.groupId, timeoutMs: connectTimeoutMs })).filter((c) => c.topic === topic);
    if (checkpoints.length === 0) throw new NoCheckpointError(o.groupId, policy.checkpointsTopic(o.failover.sourceAlias), o.bootstrapServers);
  }

  let positions = new Map<number, StartPosition>();
  let assigned: StartPosition[] | undefined;
  const consumer: KafkaConsumer = new Kafka.KafkaConsumer(
    {
      'bootstrap.servers': o.bootstrapServers,
      'group.id': o.groupId,
      'client.id': 'commit-log-consumer',
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'auto.offset.reset': 'earliest', // global config: a topic config object would revert it (KAFKA-FACTS.md)
      'isolation.level': 'read_committed',
      'enable.partition.eof': false,
      rebalance_cb: function (this: KafkaConsumer, err: LibrdKafkaError, assignment: Assignment[]) {
        if (err.code !== ERR_ASSIGN) {
          this.unassign();
          return;
        }
        const mine = assignment.map((a) => positions.get(a.partition) ?? { partition: a.partition, offset: -1, source: 'earliest' as const });
        this.assign(mine.map((p) => ({ topic, partition: p.partition, offset: p.offset >= 0 ? p.offset : OFFSET_BEGINNING })));
        assigned = mine.sort((a, b) => a.partition - b.partition);
      } as never,
    } as never,
    {},
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: connectTimeoutMs }, (err) => (err ? reject(kafkaError('connect', err)) : resolve())));
  try {
    positions = await startPositions(consumer, topic, checkpoints, connectTimeoutMs);
  } catch (err) {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    throw err;
  }

  const delivered = new Map<number, { first: number; last: number; lastSeq: number | undefined }>();
  const seen = new Set<number>();
  const summary: CommitLogConsumerSummary = {
    topic, records: 0, partitions: [], firstSeq: undefined, lastSeq: undefined, duplicates: 0, outOfOrder: 0, malformed: 0,
    committedAtMs: undefined, durationMs: 0, stoppedBy: 'signal',
  };
  try {
    consumer.setDefaultConsumeTimeout(200);
    consumer.subscribe([topic]);
    const deadline = Date.now() + connectTimeoutMs;
    // The assignment arrives with the first consume calls (they serve the rebalance callback, which
    // positions the partitions); a record can come back from that same call.
    const first: Message[] = [];
    while (!assigned) {
      if (Date.now() > deadline) throw new MirrorError(ERROR_CODES.TIMEOUT, `no partition of ${topic} assigned to group ${o.groupId} within ${connectTimeoutMs} ms`);
      first.push(...(await consumeBatch(consumer, 1)));
    }
    for (const p of assigned) if (p.source === 'earliest' && o.failover) hooks.logger?.warn({ partition: p.partition }, `no checkpoint for ${topic}-${p.partition}: reading it from the beginning`);
    hooks.onReady?.({ topic, partitions: assigned });
    const ends = o.untilEnd ? await highWatermarks(consumer, topic, assigned) : new Map<number, number>();
    let lastRecordAtMs = Date.now();
    for (const m of first) if (o.count === undefined || summary.records < o.count) deliver(m, summary, delivered, seen, hooks);
    for (;;) {
      if (o.signal?.aborted) break;
      if (o.count !== undefined && summary.records >= o.count) {
        summary.stoppedBy = 'count';
        break;
      }
      if (o.untilEnd && caughtUp(consumer, topic, ends, delivered, assigned)) {
        summary.stoppedBy = 'end';
        break;
      }
      if (o.idleTimeoutMs !== undefined && Date.now() - lastRecordAtMs >= o.idleTimeoutMs) {
        summary.stoppedBy = 'idle';
        break;
      }
      const batch = await consumeBatch(consumer, o.count === undefined ? 1000 : Math.min(1000, o.count - summary.records));
      if (batch.length > 0) lastRecordAtMs = Date.now();
      for (const m of batch) {
        if (o.count !== undefined && summary.records >= o.count) break;
        deliver(m, summary, delivered, seen, hooks);
      }
    }
    const offsets = [...delivered].map(([partition, d]) => ({ topic, partition, offset: d.last + 1 }));
    if (offsets.length > 0) {
      consumer.commitSync(offsets);
      summary.committedAtMs = Date.now();
    }
    summary.partitions = [...delivered].sort(([a], [b]) => a - b).map(([partition, d]) => ({ partition, firstOffset: d.first, lastOffset: d.last, committed: d.last + 1 }));
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  summary.durationMs = Date.now() - t0;
  return summary;
}

function deliver(m: Message, s: CommitLogConsumerSummary, delivered: Map<number, { first: number; last: number; lastSeq: number | undefined }>, seen: Set<number>, hooks: CommitLogConsumerHooks): void {
  let seq: number | undefined;
  let runId: string | undefined;
  try {
    ({ seq, runId } = decodeCommitLogEvent(m.value));
  } catch {
    s.malformed++;
  }
  const d = delivered.get(m.partition);
  if (d) {
    if (seq !== undefined && d.lastSeq !== undefined && seq <= d.lastSeq) s.outOfOrder++;
    d.last = m.offset;
    if (seq !== undefined) d.lastSeq = seq;
  } else {
    delivered.set(m.partition, { first: m.offset, last: m.offset, lastSeq: seq });
  }
  if (seq !== undefined) {
    if (seen.has(seq)) s.duplicates++;
    seen.add(seq);
    s.firstSeq ??= seq;
    s.lastSeq = seq;
  }
  s.records++;
  hooks.onRecord?.({ topic: m.topic, partition: m.partition, offset: m.offset, seq, runId });
}

/**
 * Where each partition starts: under failover the checkpoint, unless the group committed further on
 * this cluster already; otherwise the group's committed offset here; otherwise the earliest offset.
 */
async function startPositions(consumer: KafkaConsumer, topic: string, checkpoints: readonly TranslatedOffset[], timeoutMs: number): Promise<Map<number, StartPosition>> {
  const md = await new Promise<Metadata>((resolve, reject) => consumer.getMetadata({ topic, timeout: timeoutMs }, (err, data) => (err ? reject(kafkaError('metadata', err)) : resolve(data))));
  const partitions = md.topics.find((t) => t.name === topic)?.partitions.map((p) => p.id) ?? [];
  if (partitions.length === 0) throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `topic ${topic} does not exist`);
  const committed = await new Promise<TopicPartitionOffset[]>((resolve, reject) =>
    consumer.committed(partitions.map((partition) => ({ topic, partition })), timeoutMs, (err, tps) => (err ? reject(kafkaError('reading committed offsets', err)) : resolve(tps))),
  );
  const out = new Map<number, StartPosition>();
  for (const partition of partitions) {
    const here = committed.find((c) => c.partition === partition)?.offset ?? -1;
    const checkpoint = checkpoints.find((c) => c.partition === partition);
    if (checkpoint && checkpoint.offset >= here) out.set(partition, { partition, offset: checkpoint.offset, source: 'checkpoint', checkpoint });
    else if (here >= 0) out.set(partition, { partition, offset: here, source: 'committed-here', ...(checkpoint ? { checkpoint } : {}) });
    else out.set(partition, { partition, offset: -1, source: 'earliest' });
  }
  return out;
}

/** High watermark per partition, or the start offset when that is beyond it (nothing to read there). */
async function highWatermarks(consumer: KafkaConsumer, topic: string, starts: readonly StartPosition[]): Promise<Map<number, number>> {
  const ends = new Map<number, number>();
  for (const s of starts) {
    const w = await new Promise<{ highOffset: number }>((resolve, reject) => consumer.queryWatermarkOffsets(topic, s.partition, 10_000, (err, offsets) => (err ? reject(kafkaError('queryWatermarkOffsets', err)) : resolve(offsets))));
    ends.set(s.partition, Math.max(Number(w.highOffset), s.offset));
  }
  return ends;
}

/** Every partition's fetch position reached its end (records delivered, or nothing left to fetch). */
function caughtUp(consumer: KafkaConsumer, topic: string, ends: ReadonlyMap<number, number>, delivered: ReadonlyMap<number, { last: number }>, starts: readonly StartPosition[]): boolean {
  const positions = consumer.position([...ends.keys()].map((partition) => ({ topic, partition })));
  for (const [partition, end] of ends) {
    const last = delivered.get(partition)?.last;
    if (last !== undefined && last + 1 >= end) continue;
    if ((starts.find((s) => s.partition === partition)?.offset ?? -1) >= end) continue;
    const position = positions.find((p) => p.partition === partition)?.offset;
    if (typeof position === 'number' && position >= end) continue;
    return false;
  }
  return true;
}

function consumeBatch(consumer: KafkaConsumer, max: number): Promise<Message[]> {
  return new Promise((resolve, reject) => consumer.consume(max, (err, messages) => (err ? reject(kafkaError('consume', err)) : resolve(messages))));
}

function kafkaError(what: string, err: unknown): MirrorError {
  return new MirrorError(ERROR_CODES.KAFKA_ERROR, `${what} failed: ${(err as Error).message ?? String(err)}`, { cause: err });
}
