/**
 * `produceCommitLog`: writes `count` commit-log events (see commit-log-event.ts) to one topic with
 * an idempotent, acks=all rdkafka-style producer, optionally paced, and returns what the delivery
 * reports confirmed. Never writes to the console: progress goes to `onProgress`, diagnostics to
 * an optional pino-style logger.
 *
 * Record `seq` goes to partition `seq % partitionCount` (the topic's count, read from metadata),
 * so per-partition order is deterministic; idempotence keeps it through retries (librdkafka
 * `enable.idempotence`, KIP-98). The rdkafka-style API is used on purpose: the KafkaJS-compatible
 * one folds headers into an object and loses their order (KAFKA-FACTS.md).
 */
import { randomUUID } from 'node:crypto';
import Kafka from '@confluentinc/kafka-javascript';
import type { DeliveryReport, LibrdKafkaError, Producer } from '@confluentinc/kafka-javascript';
import { ConfigError } from '../engine/core/errors.ts';
import { DEFAULT_KEY_PREFIX, encodeCommitLogEvent, minimumCommitLogValueBytes } from './commit-log-event.ts';
import { DeliveryTally, type PartitionDeliveries } from './delivery-tally.ts';
import { RateLimiter } from './rate-limiter.ts';
import { MAX_PARTITIONS, maximumSizeBytes } from './record-limits.ts';
import { ensureTopic, kafkaError, topicPartitionCount, type CommitLogLogger } from './topic-setup.ts';

/** Options of one run. Only `topic` and `count` are required; see {@link COMMIT_LOG_PRODUCER_DEFAULTS}. */
export interface CommitLogProducerOptions {
  /** `host:port[,host:port…]`. */
  bootstrapServers?: string;
  topic: string;
  /** Records to produce, a positive integer. */
  count: number;
  /** Target records per second; absent = as fast as possible with at most `maxInFlight` unconfirmed. */
  ratePerSec?: number;
  /** Exact value size in bytes (payload padding); absent = no padding (~100 bytes). */
  sizeBytes?: number;
  /** Partitions to create the topic with when it does not exist (existing topics keep theirs). */
  partitions?: number;
  keyPrefix?: string;
  /** Run id written into every event; absent = a random UUID. */
  runId?: string;
  /** First sequence number; records are `startSeq … startSeq + count - 1`. */
  startSeq?: number;
  /** Upper bound on records handed to the client but not yet confirmed. */
  maxInFlight?: number;
  /** librdkafka `message.timeout.ms`: a record not acknowledged within this is reported failed. */
  deliveryTimeoutMs?: number;
  /** Deadline for connecting, reading metadata and creating the topic. */
  connectTimeoutMs?: number;
  /** Stop producing new records when aborted; what was sent is still awaited and reported. */
  signal?: AbortSignal;
}

/** Defaults of every optional option, in one place. */
export const COMMIT_LOG_PRODUCER_DEFAULTS = Object.freeze({
  bootstrapServers: '127.0.0.1:9092',
  partitions: 1,
  keyPrefix: DEFAULT_KEY_PREFIX,
  startSeq: 0,
  // 10k records keeps a full pipeline (several 1 MB batches per partition) while bounding memory.
  maxInFlight: 10_000,
  deliveryTimeoutMs: 30_000,
  connectTimeoutMs: 15_000,
  progressIntervalMs: 250,
});

/** Options after defaults and validation (frozen). */
export type ResolvedCommitLogProducerOptions = Readonly<
  Required<Omit<CommitLogProducerOptions, 'ratePerSec' | 'sizeBytes' | 'signal'>> &
    Pick<CommitLogProducerOptions, 'ratePerSec' | 'sizeBytes' | 'signal'>
>;

/** What `onReady` learns once the topic is known and production starts. */
export interface CommitLogReadyInfo {
  topic: string;
  partitionCount: number;
  /** True when this run created the topic. */
  topicCreated: boolean;
  runId: string;
}

/** Progress snapshot passed to `onProgress` (every `progressIntervalMs` and once at the end). */
export interface CommitLogProgress {
  requested: number;
  sent: number;
  delivered: number;
  failed: number;
  elapsedMs: number;
}

/** Minimal pino-compatible logger; the library is silent without one. */
export type { CommitLogLogger };

/** Observers of a run. */
export interface CommitLogProducerHooks {
  onReady?: (info: CommitLogReadyInfo) => void;
  onProgress?: (progress: CommitLogProgress) => void;
  logger?: CommitLogLogger;
  progressIntervalMs?: number;
}

/** Result of a run. MB are 10^6 bytes of record values. */
export interface CommitLogSummary {
  topic: string;
  runId: string;
  partitionCount: number;
  topicCreated: boolean;
  requested: number;
  /** Records handed to the client. */
  sent: number;
  /** Records confirmed by a successful delivery report. */
  records: number;
  /** Records whose delivery failed (or that the client rejected outright). */
  failed: number;
  /** Sent records without any delivery report when the run gave up waiting (0 unless the cluster vanished). */
  unconfirmed: number;
  /** Failure count per client error message. */
  failureReasons: Record<string, number>;
  /** Value bytes confirmed. */
  bytes: number;
  /** From the first produce() to the last delivery report. */
  durationMs: number;
  recordsPerSec: number;
  mbPerSec: number;
  /** Confirmed offsets per partition. */
  partitions: PartitionDeliveries[];
  /** True when `signal` stopped the run early. */
  interrupted: boolean;
  /** Message of a fatal producer error (e.g. idempotence fenced) that stopped the run, if any. */
  fatalError?: string;
}

const ERR_QUEUE_FULL = -184; // RD_KAFKA_RESP_ERR__QUEUE_FULL: local queue full, retry after deliveries.

function requireInteger(key: string, value: number | undefined, min: number, expected: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) throw new ConfigError(key, String(value), expected);
}

/** Fills defaults and validates; throws {@link ConfigError} naming the option. */
export function resolveCommitLogProducerOptions(options: CommitLogProducerOptions): ResolvedCommitLogProducerOptions {
  const { progressIntervalMs: _notAnOption, ...defaults } = COMMIT_LOG_PRODUCER_DEFAULTS;
  const o = { ...defaults, runId: randomUUID(), ...stripUndefined(options), topic: options.topic, count: options.count };
  if (typeof o.topic !== 'string' || o.topic.length === 0) throw new ConfigError('topic', o.topic, 'a non-empty topic name');
  if (o.bootstrapServers.length === 0) throw new ConfigError('bootstrapServers', o.bootstrapServers, 'host:port[,host:port…]');
  requireInteger('count', o.count, 1, 'a positive integer');
  requireInteger('partitions', o.partitions, 1, `an integer from 1 to ${MAX_PARTITIONS}`);
  if (o.partitions > MAX_PARTITIONS) throw new ConfigError('partitions', String(o.partitions), `an integer from 1 to ${MAX_PARTITIONS}`);
  requireInteger('startSeq', o.startSeq, 0, 'a non-negative integer');
  if (o.count > Number.MAX_SAFE_INTEGER - o.startSeq + 1) throw new ConfigError('count', String(o.count), lastSeqExpectation(o.startSeq));
  requireInteger('maxInFlight', o.maxInFlight, 1, 'a positive integer');
  requireInteger('deliveryTimeoutMs', o.deliveryTimeoutMs, 1, 'a positive integer');
  requireInteger('connectTimeoutMs', o.connectTimeoutMs, 1, 'a positive integer');
  if (o.ratePerSec !== undefined && !(o.ratePerSec > 0 && Number.isFinite(o.ratePerSec))) {
    throw new ConfigError('ratePerSec', String(o.ratePerSec), 'a positive number of records per second');
  }
  if (o.sizeBytes !== undefined) {
    const maxSeq = o.startSeq + o.count - 1;
    const [minimum, maximum] = [minimumSizeBytes(maxSeq, o.runId), maximumSizeBytes(maxSeq, o.runId, o.keyPrefix)];
    const expected = sizeExpectation(minimum, maximum);
    requireInteger('sizeBytes', o.sizeBytes, minimum, expected);
    if (o.sizeBytes > maximum) throw new ConfigError('sizeBytes', String(o.sizeBytes), expected);
  }
  return Object.freeze(o);
}

/** What a count is checked against: the last seq (`startSeq + count - 1`) must be a safe integer (2^53 − 1), or the events could not carry it exactly. */
export function lastSeqExpectation(startSeq: number): string {
  return `a positive integer of at most ${Number.MAX_SAFE_INTEGER - startSeq + 1} with start seq ${startSeq} (the last seq must stay below 2^53)`;
}

/** What a value size is checked against: from the largest unpadded event to the record limit (record-limits.ts). */
export function sizeExpectation(minimum: number, maximum: number): string {
  return `an integer from ${minimum} (the largest event of this run without padding) to ${maximum} (librdkafka's message.max.bytes 1000000 minus key, headers and record framing)`;
}

/** Smallest `sizeBytes` that fits every event up to `maxSeq` (producedAt taken as now: 13 digits until 2286). */
export function minimumSizeBytes(maxSeq: number, runId: string): number {
  return minimumCommitLogValueBytes({ seq: maxSeq, producedAt: Date.now(), runId });
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Produces the run described by `options` and resolves with its {@link CommitLogSummary} once
 * every sent record has a delivery report (or `deliveryTimeoutMs` more has passed).
 * Rejects with {@link ConfigError} for invalid options and with a `KAFKA_ERROR` {@link MirrorError}
 * when the cluster cannot be reached or the topic cannot be created; delivery failures do not
 * reject, they are counted in `failed`.
 */
export async function produceCommitLog(options: CommitLogProducerOptions, hooks: CommitLogProducerHooks = {}): Promise<CommitLogSummary> {
  const o = resolveCommitLogProducerOptions(options);
  const producer = new Kafka.Producer({
    'bootstrap.servers': o.bootstrapServers,
    'client.id': 'commit-log-producer',
    dr_cb: true,
    'enable.idempotence': true,
    acks: -1, // = all: every in-sync replica has the record before it is reported delivered
    'message.timeout.ms': o.deliveryTimeoutMs,
  });
  const tally = new DeliveryTally();
  let fatalError: string | undefined;
  producer.on('delivery-report', (err: LibrdKafkaError | null, report: DeliveryReport) => {
    if (err) tally.recordFailed(err.message, true);
    else tally.recordDelivered(report.partition, report.offset, report.size);
  });
  producer.on('event.error', (err: LibrdKafkaError) => {
    // Fatal errors (e.g. an idempotent producer fenced, KIP-360) fail every queued record; stop sending.
    if (err.isFatal) fatalError ??= err.message;
    hooks.logger?.warn({ topic: o.topic, code: err.code, fatal: Boolean(err.isFatal) }, `producer error: ${err.message}`);
  });

  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: o.connectTimeoutMs }, (err) => (err ? reject(kafkaError(`cannot connect to ${o.bootstrapServers}`, err)) : resolve())),
  );
  let progressTimer: NodeJS.Timeout | undefined;
  try {
    const topicCreated = await ensureTopic({ ...o, timeoutMs: o.connectTimeoutMs }, hooks.logger);
    const partitionCount = await topicPartitionCount(producer, o.topic, o.connectTimeoutMs);
    hooks.onReady?.({ topic: o.topic, partitionCount, topicCreated, runId: o.runId });
    // Background polling: librdkafka's own thread serves delivery reports, no JS timer needed.
    producer.setPollInBackground(true);

    const startMs = performance.now();
    const progress = (elapsedMs = performance.now() - startMs): CommitLogProgress => {
      const c = tally.counts();
      return { requested: o.count, sent: c.sent, delivered: c.delivered, failed: c.failed, elapsedMs };
    };
    if (hooks.onProgress) {
      const onProgress = hooks.onProgress;
      progressTimer = setInterval(() => onProgress(progress()), hooks.progressIntervalMs ?? COMMIT_LOG_PRODUCER_DEFAULTS.progressIntervalMs);
      progressTimer.unref();
    }

    const stopped = (): boolean => o.signal?.aborted === true || fatalError !== undefined;
    await sendAll(producer, o, partitionCount, tally, stopped);
    const unconfirmed = await awaitDeliveries(producer, tally, o.deliveryTimeoutMs + 5_000);
    const durationMs = performance.now() - startMs;
    clearInterval(progressTimer);
    hooks.onProgress?.(progress(durationMs));

    const c = tally.counts();
    const seconds = Math.max(durationMs, 1) / 1000;
    return {
      topic: o.topic,
      runId: o.runId,
      partitionCount,
      topicCreated,
      requested: o.count,
      sent: c.sent,
      records: c.delivered,
      failed: c.failed,
      unconfirmed,
      failureReasons: tally.failureReasons(),
      bytes: c.deliveredBytes,
      durationMs,
      recordsPerSec: c.delivered / seconds,
      mbPerSec: c.deliveredBytes / 1e6 / seconds,
      partitions: tally.partitionDeliveries(),
      interrupted: o.signal?.aborted === true,
      ...(fatalError === undefined ? {} : { fatalError }),
    };
  } finally {
    clearInterval(progressTimer);
    await new Promise<void>((resolve) => producer.disconnect(5_000, () => resolve()));
  }
}

/** Hands records to the client in seq order, paced by `ratePerSec` and bounded by `maxInFlight`. */
async function sendAll(
  producer: Producer,
  o: ResolvedCommitLogProducerOptions,
  partitionCount: number,
  tally: DeliveryTally,
  stopped: () => boolean,
): Promise<void> {
  const limiter = o.ratePerSec === undefined ? undefined : new RateLimiter({ ratePerSec: o.ratePerSec });
  // Refill to 3/4 before resuming so the loop wakes once per batch of reports, not per report.
  const resumeBelow = Math.max(1, Math.floor(o.maxInFlight * 0.75));
  const endSeq = o.startSeq + o.count;
  let seq = o.startSeq;
  while (seq < endSeq && !stopped()) {
    if (tally.inFlight >= o.maxInFlight) {
      await tally.waitUntilInFlightBelow(resumeBelow);
      continue;
    }
    let batch = Math.min(endSeq - seq, o.maxInFlight - tally.inFlight);
    if (limiter) {
      batch = limiter.take(batch);
      if (batch === 0) {
        await delay(Math.max(1, limiter.msUntilAvailable()), o.signal);
        continue;
      }
    }
    for (const last = seq + batch; seq < last; seq++) {
      const record = encodeCommitLogEvent({ seq, producedAt: Date.now(), runId: o.runId }, { keyPrefix: o.keyPrefix, sizeBytes: o.sizeBytes });
      try {
        producer.produce(o.topic, seq % partitionCount, record.value, record.key, record.timestamp, undefined, record.headers);
        tally.recordSent();
      } catch (err) {
        const e = err as LibrdKafkaError;
        if (e.code === ERR_QUEUE_FULL) {
          // Not sent: wait for reports to free the local queue, then retry this same seq.
          await tally.waitUntilInFlightBelow(Math.max(1, tally.inFlight));
          break;
        }
        tally.recordFailed(e.message ?? String(err), false);
      }
    }
    // Yield so delivery reports and signals are served even when nothing else awaits.
    if (!limiter) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Flushes until every sent record has a report or `timeoutMs` passes; returns how many are still unreported. */
async function awaitDeliveries(producer: Producer, tally: DeliveryTally, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (tally.inFlight > 0 && performance.now() < deadline) {
    await new Promise<void>((resolve) => producer.flush(1_000, () => resolve()));
    // Reports reach JS asynchronously after flush returns; let them in before re-checking.
    await Promise.race([tally.waitUntilInFlightBelow(1), delay(50)]);
  }
  return tally.inFlight;
}

/** Node's largest timer delay (2^31 − 1 ms); a longer one fires after 1 ms (TimeoutOverflowWarning) and would spin. */
const MAX_TIMER_MS = 2_147_483_647;

/** Resolves after `ms` (at most {@link MAX_TIMER_MS}; callers re-check), or as soon as `signal` aborts (a slow --rate must not delay Ctrl-C). */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
    signal?.addEventListener('abort', done, { once: true });
  });
}
