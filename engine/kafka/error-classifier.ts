/**
 * The engine's two questions about a Kafka error, answered in one place (franz-go's `kerr` /
 * `isRetryable` style: one branch per reason, each with its comment):
 * - {@link isAuthFailure}: authentication or authorization failed — fatal, the flow stops with
 *   MirrorError(AUTH_FAILED) and the CLI exits 4 (DESIGN.md failure taxonomy);
 * - {@link isRetriable}: a transient condition (leader change, broker restart, timeout) — back off and
 *   retry (./retry.ts), nothing is lost.
 * Errors are librdkafka's (`code`, `isRetriable`), kafkajs' (`code`, `retriable`, `name`) or the engine's
 * MirrorError wrapping one of them as `cause`. Codes: ./error-codes.ts.
 */
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { KAFKA_ERROR_CODES as K } from './error-codes.ts';

/** The fields of a client error the classifiers read (LibrdKafkaError, KafkaJSError, or anything alike). */
export interface KafkaErrorLike {
  code?: number | string;
  message?: string;
  name?: string;
  /** librdkafka's own flag (`LibrdKafkaError.isRetriable`). */
  isRetriable?: boolean;
  /** kafkajs' flag (`KafkaJSError.retriable`). */
  retriable?: boolean;
  cause?: unknown;
}

/** Codes meaning "authentication or authorization failed" (broker protocol codes and librdkafka's local one). */
const AUTH_CODES: ReadonlySet<number> = new Set([
  K._AUTHENTICATION,
  K.TOPIC_AUTHORIZATION_FAILED,
  K.GROUP_AUTHORIZATION_FAILED,
  K.CLUSTER_AUTHORIZATION_FAILED,
  K.UNSUPPORTED_SASL_MECHANISM,
  K.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  K.SASL_AUTHENTICATION_FAILED,
]);

/**
 * The Kafka error code of `err`, looking through a MirrorError to its `cause`; undefined when there is none.
 * (kafkajs' protocol errors carry the numeric code too.)
 */
export function kafkaErrorCode(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  if (err instanceof MirrorError) return kafkaErrorCode(err.cause);
  const code = (err as KafkaErrorLike).code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Whether `err` means authentication or authorization failed. Never retried: credentials and ACLs do
 * not heal by themselves, and retrying only hides the cause until a timeout (exit 4 instead of 1).
 */
export function isAuthFailure(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const e = err as KafkaErrorLike;
  // Our own verdict, already classified where the client error was wrapped (kafka-clients.ts clientError).
  if (err instanceof MirrorError && err.code === ERROR_CODES.AUTH_FAILED) return true;
  // Any other MirrorError: decide on the client error it wraps (e.g. a per-topic TOPIC_AUTHORIZATION_FAILED in a describe result).
  if (err instanceof MirrorError) return isAuthFailure(err.cause);
  // Broker said no (SASL_AUTHENTICATION_FAILED, *_AUTHORIZATION_FAILED, UNSUPPORTED_SASL_MECHANISM) or librdkafka's _AUTHENTICATION.
  if (typeof e.code === 'number' && AUTH_CODES.has(e.code)) return true;
  // kafkajs' SASL handshake failure has no protocol code, only its class name.
  if (e.name === 'KafkaJSSASLAuthenticationError') return true;
  // librdkafka reports a failed SASL handshake in error events as code -1 with this text only.
  return /authentication fail|SASL authentication error/i.test(e.message ?? '');
}

/**
 * Whether retrying `err` after a backoff can succeed: leadership or metadata still moving (right after a
 * topic is created, a leader change, a broker restart) or a transient network / timeout condition.
 */
export function isRetriable(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const e = err as KafkaErrorLike;
  // Authentication / authorization: fatal, never retried (see isAuthFailure).
  if (isAuthFailure(err)) return false;
  // Our own wrapper of a client error: decide on the client error. Other MirrorErrors are verdicts (truncation, config, timeout).
  if (err instanceof MirrorError) return err.code === ERROR_CODES.KAFKA_ERROR && isRetriable(err.cause);
  switch (e.code) {
    case K.LEADER_NOT_AVAILABLE: // election in progress
    case K.NOT_LEADER_OR_FOLLOWER: // metadata not yet propagated to the broker asked
    case K.UNKNOWN_LEADER_EPOCH: // leader epoch still propagating
    case K.REQUEST_TIMED_OUT: // broker-side timeout
    case K.NETWORK_EXCEPTION: // the broker went away mid-request
    case K.NOT_CONTROLLER: // controller moved
    case K.COORDINATOR_NOT_AVAILABLE: // group coordinator elected / loading
    case K.COORDINATOR_LOAD_IN_PROGRESS:
    case K.NOT_COORDINATOR: // group coordinator moved
    case K._TIMED_OUT: // librdkafka: request timed out locally
    case K._TRANSPORT: // librdkafka: connection dropped
    case K._ALL_BROKERS_DOWN: // librdkafka: broker restarting
      return true;
    case K.UNKNOWN_TOPIC_OR_PARTITION: // retriable per the protocol, but to the engine an answer: a deleted topic surfaces at once (topic-reset detection)
    case K.UNKNOWN_TOPIC_ID: // likewise: the topic ID is gone, the topic was deleted or recreated
      return false;
    default:
      // Whatever the client library itself flags as retriable (librdkafka `isRetriable`, kafkajs `retriable`).
      return e.isRetriable === true || e.retriable === true;
  }
}
