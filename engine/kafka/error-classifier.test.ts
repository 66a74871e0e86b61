import { describe, expect, it } from 'vitest';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { KAFKA_ERROR_CODES as K } from './error-codes.ts';
import { isAuthFailure, isRetriable, kafkaErrorCode } from './error-classifier.ts';

const rd = (code: number, message = 'x', extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });
const wrapped = (cause: unknown, code: MirrorError['code'] = ERROR_CODES.KAFKA_ERROR) => new MirrorError(code, 'wrapped', { cause });

describe('isAuthFailure', () => {
  it('is true for every authentication / authorization code', () => {
    for (const code of [K._AUTHENTICATION, K.TOPIC_AUTHORIZATION_FAILED, K.GROUP_AUTHORIZATION_FAILED, K.CLUSTER_AUTHORIZATION_FAILED, K.UNSUPPORTED_SASL_MECHANISM, K.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, K.SASL_AUTHENTICATION_FAILED]) {
      expect(isAuthFailure(rd(code)), `code ${code}`).toBe(true);
    }
  });

  it("is true for the engine's AUTH_FAILED verdict and for a MirrorError wrapping an auth failure", () => {
    expect(isAuthFailure(new MirrorError(ERROR_CODES.AUTH_FAILED, 'no'))).toBe(true);
    expect(isAuthFailure(wrapped(rd(K.TOPIC_AUTHORIZATION_FAILED)))).toBe(true);
    expect(isAuthFailure(wrapped(rd(K._TRANSPORT)))).toBe(false);
    expect(isAuthFailure(new MirrorError(ERROR_CODES.TIMEOUT, 'slow'))).toBe(false);
  });

  it("is true for kafkajs' SASL error (no code, only its class name)", () => {
    expect(isAuthFailure(Object.assign(new Error('SASL PLAIN authentication failed'), { name: 'KafkaJSSASLAuthenticationError' }))).toBe(true);
  });

  it("is true for librdkafka's code -1 error event that only says so in its text", () => {
    expect(isAuthFailure(rd(-1, 'sasl_plaintext://127.0.0.1:21292/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN'))).toBe(true);
    expect(isAuthFailure(rd(-1, 'Authentication failure'))).toBe(true);
    expect(isAuthFailure(rd(-1, 'Connection refused'))).toBe(false);
  });

  it('is false for non-errors and other codes', () => {
    expect(isAuthFailure(undefined)).toBe(false);
    expect(isAuthFailure(null)).toBe(false);
    expect(isAuthFailure('authentication failed')).toBe(false);
    expect(isAuthFailure(rd(K.LEADER_NOT_AVAILABLE))).toBe(false);
  });
});

describe('isRetriable', () => {
  it('is true for leadership, coordinator, timeout and transport conditions', () => {
    for (const code of [K.LEADER_NOT_AVAILABLE, K.NOT_LEADER_OR_FOLLOWER, K.UNKNOWN_LEADER_EPOCH, K.REQUEST_TIMED_OUT, K.NETWORK_EXCEPTION, K.NOT_CONTROLLER, K.COORDINATOR_NOT_AVAILABLE, K.COORDINATOR_LOAD_IN_PROGRESS, K.NOT_COORDINATOR, K._TIMED_OUT, K._TRANSPORT, K._ALL_BROKERS_DOWN]) {
      expect(isRetriable(rd(code)), `code ${code}`).toBe(true);
    }
  });

  it('is false for a topic or topic ID that does not exist, even when a client flags it retriable', () => {
    expect(isRetriable(rd(K.UNKNOWN_TOPIC_OR_PARTITION, 'x', { isRetriable: true, retriable: true }))).toBe(false);
    expect(isRetriable(rd(K.UNKNOWN_TOPIC_ID, 'x', { retriable: true }))).toBe(false);
  });

  it('is false for auth failures, even when flagged retriable or timing out', () => {
    expect(isRetriable(rd(K.SASL_AUTHENTICATION_FAILED, 'x', { retriable: true }))).toBe(false);
    expect(isRetriable(rd(-1, 'SASL authentication error', { isRetriable: true }))).toBe(false);
    expect(isRetriable(new MirrorError(ERROR_CODES.AUTH_FAILED, 'no'))).toBe(false);
  });

  it('decides a KAFKA_ERROR MirrorError on its cause; other MirrorErrors are verdicts', () => {
    expect(isRetriable(wrapped(rd(K._TRANSPORT)))).toBe(true);
    expect(isRetriable(wrapped(rd(K.TOPIC_ALREADY_EXISTS)))).toBe(false);
    expect(isRetriable(wrapped(rd(K._TRANSPORT), ERROR_CODES.TIMEOUT))).toBe(false);
    expect(isRetriable(wrapped(rd(K._TRANSPORT), ERROR_CODES.TRUNCATION_DETECTED))).toBe(false);
  });

  it("follows the client's own flag for other codes (librdkafka isRetriable, kafkajs retriable)", () => {
    expect(isRetriable(rd(K.TOPIC_ALREADY_EXISTS))).toBe(false);
    expect(isRetriable(rd(12345, 'x', { isRetriable: true }))).toBe(true);
    expect(isRetriable(rd(12345, 'x', { retriable: true }))).toBe(true);
    expect(isRetriable(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
  });

  it('is false for non-errors', () => {
    expect(isRetriable(undefined)).toBe(false);
    expect(isRetriable(null)).toBe(false);
    expect(isRetriable(7)).toBe(false);
  });
});

describe('kafkaErrorCode', () => {
  it('reads the numeric code, through MirrorError causes', () => {
    expect(kafkaErrorCode(rd(K.INVALID_REPLICATION_FACTOR))).toBe(38);
    expect(kafkaErrorCode(wrapped(wrapped(rd(K._NOENT))))).toBe(-156);
    expect(kafkaErrorCode(new MirrorError(ERROR_CODES.KAFKA_ERROR, 'no cause'))).toBeUndefined();
    expect(kafkaErrorCode(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBeUndefined();
    expect(kafkaErrorCode(undefined)).toBeUndefined();
  });
});
