/**
 * One error hierarchy for the engine. Every error has a stable `code` (from {@link ERROR_CODES})
 * that callers, logs and exit codes key on, and carries its evidence as typed fields, so a log
 * line or an operator can act on it without parsing the message.
 */

/** Stable error codes. Never rename one: operators grep for them and alerts key on them. */
export const ERROR_CODES = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  TRUNCATION_DETECTED: 'TRUNCATION_DETECTED',
  TOPIC_RESET: 'TOPIC_RESET',
  LOG_DIVERGENCE: 'LOG_DIVERGENCE',
  AUTH_FAILED: 'AUTH_FAILED',
  /** A cluster did not answer (start-up wait ran out, or a Kafka failure while it was unreachable): engine/kafka/cluster-health.ts. */
  CLUSTER_UNREACHABLE: 'CLUSTER_UNREACHABLE',
  KAFKA_ERROR: 'KAFKA_ERROR',
  DELIVERY_FAILED: 'DELIVERY_FAILED',
  TIMEOUT: 'TIMEOUT',
  RECORD_REJECTED: 'RECORD_REJECTED',
  /** A Connect REST request the worker refuses (unknown connector, conflict, bad input): engine/connect/. */
  REQUEST_REJECTED: 'REQUEST_REJECTED',
  /** Exactly-once: a transaction could not be committed (fenced zombie, aborted by the coordinator, timeout); it was aborted. */
  TRANSACTION_ABORTED: 'TRANSACTION_ABORTED',
} as const;

/** One of the stable error codes. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/**
 * Process exit codes of the `kafka-mirror` CLI (documented in the README).
 * 0 clean shutdown; 1 unexpected internal error; 2 invalid config or CLI input (nothing started);
 * 3 a flow stopped on log truncation (`truncation.policy=fail`); 4 authentication/authorization failure;
 * 5 a flow stopped on log divergence (log end below the mirrored position with an unchanged topic ID);
 * 6 a flow stopped on a record the target rejects for good (`record.rejected.policy=fail`).
 */
export const EXIT_CODES = {
  OK: 0,
  INTERNAL: 1,
  CONFIG_INVALID: 2,
  TRUNCATION_DETECTED: 3,
  AUTH_FAILED: 4,
  LOG_DIVERGENCE: 5,
  RECORD_REJECTED: 6,
} as const;

/** Base class of every error the engine throws on purpose. `cause` keeps the underlying error. */
export class MirrorError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Invalid configuration or CLI input. `key` is the property or flag at fault, `value` what was
 * given (already redacted when the key is a secret), `expected` what would have been accepted.
 */
export class ConfigError extends MirrorError {
  readonly key: string;
  readonly value: string | undefined;
  readonly expected: string;

  constructor(key: string, value: string | undefined, expected: string) {
    super(
      ERROR_CODES.CONFIG_INVALID,
      value === undefined
        ? `Invalid config: '${key}' is required (expected ${expected})`
        : `Invalid config: '${key}' = '${value}' (expected ${expected})`,
    );
    this.key = key;
    this.value = value;
    this.expected = expected;
  }
}

/**
 * Records deleted on the source (retention, DeleteRecords) before they were mirrored. The evidence:
 * the next expected upstream offset, the partition's log start offset and the gap between them
 * (`gap = logStartOffset − expectedOffset` records).
 */
export class TruncationError extends MirrorError {
  readonly flow: string;
  readonly topic: string;
  readonly partition: number;
  readonly expectedOffset: number;
  readonly logStartOffset: number;
  readonly gap: number;
  readonly detectedAt: string;

  constructor(evidence: { flow: string; topic: string; partition: number; expectedOffset: number; logStartOffset: number; gap: number; detectedAt: string }) {
    super(
      ERROR_CODES.TRUNCATION_DETECTED,
      `Log truncation detected for ${evidence.topic}-${evidence.partition}: expected offset ${evidence.expectedOffset}, log start offset ${evidence.logStartOffset}, ${evidence.gap} records lost`,
    );
    this.flow = evidence.flow;
    this.topic = evidence.topic;
    this.partition = evidence.partition;
    this.expectedOffset = evidence.expectedOffset;
    this.logStartOffset = evidence.logStartOffset;
    this.gap = evidence.gap;
    this.detectedAt = evidence.detectedAt;
  }
}

/** The source log went below the mirrored position with an unchanged topic ID (e.g. unclean leader election). */
export class DivergenceError extends MirrorError {
  readonly topic: string;
  readonly partition: number;
  readonly expectedOffset: number;
  readonly logEndOffset: number;

  constructor(evidence: { topic: string; partition: number; expectedOffset: number; logEndOffset: number }) {
    super(
      ERROR_CODES.LOG_DIVERGENCE,
      `Log divergence for ${evidence.topic}-${evidence.partition}: log end offset ${evidence.logEndOffset} is below the next expected offset ${evidence.expectedOffset} with the same topic ID`,
    );
    this.topic = evidence.topic;
    this.partition = evidence.partition;
    this.expectedOffset = evidence.expectedOffset;
    this.logEndOffset = evidence.logEndOffset;
  }
}

/** Evidence of a {@link RecordRejectedError}. Offsets are upstream offsets; sizes in bytes. */
export interface RecordRejection {
  flow: string;
  /** Target cluster alias (names the producer setting, `<target>.producer.max.request.size`). */
  targetAlias: string;
  topic: string;
  partition: number;
  /** Upstream offset of the rejected record. */
  offset: number;
  /** Key + value bytes of the record. */
  bytes: number;
  remoteTopic: string;
  /** Who refused it: the target broker, or the target producer before sending (its own `message.max.bytes`). */
  rejectedBy: 'broker' | 'producer';
  /** Kafka / librdkafka error code and text of the rejection (e.g. 10, `Broker: Message size too large`). */
  errorCode: number;
  error: string;
  /** The remote topic's `max.message.bytes` (DescribeConfigs), undefined when it could not be read. */
  remoteMaxMessageBytes: number | undefined;
  /** The target producer's `message.max.bytes` (librdkafka; Java `max.request.size`). */
  producerMaxMessageBytes: number;
}

/** Kafka error codes meaning a record or batch is too large: MESSAGE_TOO_LARGE (10), RECORD_LIST_TOO_LARGE (18) (Kafka protocol error codes). */
const SIZE_ERROR_CODES: ReadonlySet<number> = new Set([10, 18]);

/**
 * A record the target rejects for good (Kafka: MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_RECORD,
 * INVALID_TIMESTAMP): the flow stops with nothing after it written to its remote partition (DESIGN.md
 * invariant 7). The message names the record, the limits on both sides and the settings to change.
 */
export class RecordRejectedError extends MirrorError {
  readonly flow: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly bytes: number;
  readonly remoteTopic: string;
  readonly rejectedBy: 'broker' | 'producer';
  readonly errorCode: number;
  readonly error: string;
  readonly remoteMaxMessageBytes: number | undefined;
  readonly producerMaxMessageBytes: number;

  constructor(evidence: RecordRejection) {
    super(ERROR_CODES.RECORD_REJECTED, recordRejectedMessage(evidence));
    this.flow = evidence.flow;
    this.topic = evidence.topic;
    this.partition = evidence.partition;
    this.offset = evidence.offset;
    this.bytes = evidence.bytes;
    this.remoteTopic = evidence.remoteTopic;
    this.rejectedBy = evidence.rejectedBy;
    this.errorCode = evidence.errorCode;
    this.error = evidence.error;
    this.remoteMaxMessageBytes = evidence.remoteMaxMessageBytes;
    this.producerMaxMessageBytes = evidence.producerMaxMessageBytes;
  }
}

/**
 * `Target rejected record commit-log-0@2 (2097152 bytes of key and value) for primary.commit-log-0: …`
 * with, for size errors, both limits and the two settings to raise; for others, the remote topic's
 * configs to check. Always ends with the opt-in alternative.
 */
export function recordRejectedMessage(e: RecordRejection): string {
  const who = e.rejectedBy === 'producer' ? 'The target producer refused' : 'The target rejected';
  const head = `${who} record ${e.topic}-${e.partition}@${e.offset} (${e.bytes} bytes of key and value) for ${e.remoteTopic}-${e.partition}: ${e.error}.`;
  const remoteLimit = e.remoteMaxMessageBytes === undefined ? 'unknown (could not be read)' : String(e.remoteMaxMessageBytes);
  const fix = SIZE_ERROR_CODES.has(e.errorCode)
    ? ` Limits: remote topic ${e.remoteTopic} max.message.bytes = ${remoteLimit}, target producer message.max.bytes = ${e.producerMaxMessageBytes}.`
      + ` Raise max.message.bytes on ${e.remoteTopic} and ${e.targetAlias}.producer.max.request.size above the record,`
    : ` Check the configs of ${e.remoteTopic} (message.timestamp.*, cleanup.policy, max.message.bytes = ${remoteLimit}),`;
  return `${head}${fix} or set record.rejected.policy = skip to skip such records (each is logged and kept as a gap with the progress). Nothing after it was written to ${e.remoteTopic}-${e.partition}.`;
}

/**
 * Exactly-once (KIP-98): the open transaction of the target producer could not be committed and was (or
 * must be) aborted; nothing of it is visible to `read_committed` readers. `stage`: the step that failed
 * (`init`: initTransactions at connect, `send-offsets`: the group coordinator refused the member's
 * generation — a zombie fenced by KIP-447, `commit`, `abort`, `produce`). `producerUnusable`: the producer raised a fatal error (e.g.
 * PRODUCER_FENCED: another producer with the same `transactional.id` initialised) and must be replaced.
 * `kafkaCode`: librdkafka's error code, when there was one.
 */
export class TransactionError extends MirrorError {
  readonly stage: 'init' | 'send-offsets' | 'commit' | 'abort' | 'produce';
  readonly producerUnusable: boolean;
  readonly kafkaCode: number | undefined;

  constructor(message: string, evidence: { stage: TransactionError['stage']; producerUnusable: boolean; kafkaCode?: number | undefined }, options?: { cause?: unknown }) {
    super(ERROR_CODES.TRANSACTION_ABORTED, message, options);
    this.stage = evidence.stage;
    this.producerUnusable = evidence.producerUnusable;
    this.kafkaCode = evidence.kafkaCode;
  }
}
