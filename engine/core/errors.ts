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
} as const;

/** One of the stable error codes. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/**
 * Process exit codes of the `kafka-mirror` CLI (documented in the README).
 * 0 clean shutdown; 1 unexpected internal error; 2 invalid config or CLI input (nothing started);
 * 3 a flow stopped on log truncation (`truncation.policy=fail`); 4 authentication/authorization failure;
 * 5 a flow stopped on log divergence (log end below the mirrored position with an unchanged topic ID).
 */
export const EXIT_CODES = {
  OK: 0,
  INTERNAL: 1,
  CONFIG_INVALID: 2,
  TRUNCATION_DETECTED: 3,
  AUTH_FAILED: 4,
  LOG_DIVERGENCE: 5,
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
