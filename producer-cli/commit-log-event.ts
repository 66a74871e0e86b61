/**
 * The commit-log event: the record format that `commit-log-producer` writes and that the
 * mirroring scenarios decode on the far side to prove nothing was lost, duplicated, reordered
 * or altered. A value module: {@link encodeCommitLogEvent} and {@link decodeCommitLogEvent} are
 * exact inverses (see the round-trip test), and {@link decodeCommitLogRecord} also checks that
 * key, headers and timestamp still agree with the value.
 *
 * Wire shape of one record:
 * - key: UTF-8 `${keyPrefix}${seq}`
 * - value: UTF-8 JSON `{"seq":N,"producedAt":<epoch ms>,"runId":"…","payload":"xxx…"}`, fields in
 *   that order; `payload` is ASCII `x` padding so the value is exactly `sizeBytes` long when asked
 * - timestamp: `producedAt` (CreateTime set explicitly, so it survives mirroring unchanged)
 * - headers, in this order: `seq` = String(N), `run-id` = runId, `producer` = `commit-log-producer`
 */

/** Value of the `producer` header on every commit-log record. */
export const COMMIT_LOG_PRODUCER_NAME = 'commit-log-producer';

/** Header keys of a commit-log record, in the order they are written. */
export const COMMIT_LOG_HEADER_KEYS = ['seq', 'run-id', 'producer'] as const;

/** Default key prefix: record `seq` N has key `key-N`. */
export const DEFAULT_KEY_PREFIX = 'key-';

/** The padding character; ASCII, so one character is one byte. */
const PADDING_CHAR = 'x';

/** The decoded content of one commit-log record value. */
export interface CommitLogEvent {
  /** Sequence number, a non-negative safe integer; unique within a run. */
  seq: number;
  /** Wall-clock time the record was handed to the producer, epoch milliseconds; also the record timestamp. */
  producedAt: number;
  /** Identifies one producer run, so scenarios can tell runs apart on a shared topic. */
  runId: string;
  /** Padding (`x` repeated); empty unless a value size was requested. */
  payload: string;
}

/** One header as the rdkafka-style client writes and reads it: a one-key object, order preserved. */
export type CommitLogHeader = Record<string, string | Buffer>;

/** A record ready for `Producer.produce`: key, value, timestamp and ordered headers. */
export interface EncodedCommitLogRecord {
  key: string;
  value: Buffer;
  /** Record timestamp (CreateTime), epoch ms; equals the event's `producedAt`. */
  timestamp: number;
  headers: CommitLogHeader[];
}

/** Encoding options. */
export interface EncodeCommitLogOptions {
  /** Prefix of the record key (default {@link DEFAULT_KEY_PREFIX}). */
  keyPrefix?: string;
  /**
   * Exact size of the value in bytes. The payload is padded to reach it. Absent: no padding.
   * Must be at least {@link minimumCommitLogValueBytes} of the event, otherwise a RangeError is thrown.
   */
  sizeBytes?: number;
}

/** A value, key, header or timestamp that is not a well-formed commit-log record. `field` names what is wrong. */
export class CommitLogFormatError extends Error {
  /** Stable code for callers and logs. */
  readonly code = 'COMMIT_LOG_MALFORMED';
  /** The part of the record at fault: `value`, `value.seq`, `key`, `headers`, `timestamp`, … */
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`malformed commit-log record: ${field}: ${message}`, options);
    this.name = 'CommitLogFormatError';
    this.field = field;
  }
}

/** The JSON text of an event; property order is fixed by construction. */
function eventJson(seq: number, producedAt: number, runId: string, payload: string): string {
  return JSON.stringify({ seq, producedAt, runId, payload });
}

/**
 * Size in bytes of the event's value with an empty payload: the smallest `sizeBytes` that
 * {@link encodeCommitLogEvent} accepts for it. Grows with the digits of `seq`/`producedAt` and with `runId`.
 */
export function minimumCommitLogValueBytes(event: Pick<CommitLogEvent, 'seq' | 'producedAt' | 'runId'>): number {
  return Buffer.byteLength(eventJson(event.seq, event.producedAt, event.runId, ''));
}

/** The key of record `seq`: `${keyPrefix}${seq}`. */
export function commitLogKey(seq: number, keyPrefix: string = DEFAULT_KEY_PREFIX): string {
  return `${keyPrefix}${seq}`;
}

function assertSafeNonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
}

/**
 * Encodes one event into a record ready to produce. `event.payload` is ignored: the padding is
 * derived from `options.sizeBytes`. Throws RangeError if `seq`/`producedAt` are not non-negative
 * safe integers or `sizeBytes` is smaller than {@link minimumCommitLogValueBytes}.
 */
export function encodeCommitLogEvent(
  event: Pick<CommitLogEvent, 'seq' | 'producedAt' | 'runId'>,
  options: EncodeCommitLogOptions = {},
): EncodedCommitLogRecord {
  const { seq, producedAt, runId } = event;
  assertSafeNonNegativeInteger('seq', seq);
  assertSafeNonNegativeInteger('producedAt', producedAt);
  let payload = '';
  if (options.sizeBytes !== undefined) {
    const minimum = minimumCommitLogValueBytes(event);
    if (!Number.isSafeInteger(options.sizeBytes) || options.sizeBytes < minimum) {
      throw new RangeError(`sizeBytes must be an integer >= ${minimum} for seq ${seq} (the event without padding), got ${options.sizeBytes}`);
    }
    payload = PADDING_CHAR.repeat(options.sizeBytes - minimum);
  }
  return {
    key: commitLogKey(seq, options.keyPrefix),
    value: Buffer.from(eventJson(seq, producedAt, runId, payload), 'utf8'),
    timestamp: producedAt,
    headers: [{ seq: String(seq) }, { 'run-id': runId }, { producer: COMMIT_LOG_PRODUCER_NAME }],
  };
}

function asText(field: string, raw: string | Uint8Array | null | undefined): string {
  if (raw === null || raw === undefined) throw new CommitLogFormatError(field, 'is missing (null)');
  if (typeof raw === 'string') return raw;
  // fatal: a mirror that mangled bytes must fail here rather than decode U+FFFD silently.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch (err) {
    throw new CommitLogFormatError(field, 'is not valid UTF-8', { cause: err });
  }
}

/**
 * Decodes a record value (Buffer, bytes or string) into a {@link CommitLogEvent}.
 * Throws {@link CommitLogFormatError} when the value is null, not UTF-8 JSON, not an object with
 * exactly the four fields in order, or a field has the wrong type (seq/producedAt: non-negative
 * safe integers; runId/payload: strings; payload only `x`).
 */
export function decodeCommitLogEvent(value: string | Uint8Array | null | undefined): CommitLogEvent {
  const text = asText('value', value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CommitLogFormatError('value', `is not JSON: ${JSON.stringify(text.slice(0, 80))}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CommitLogFormatError('value', `is not a JSON object: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const record = parsed as Record<string, unknown>;
  const keys = Object.keys(record).join(',');
  if (keys !== 'seq,producedAt,runId,payload') {
    throw new CommitLogFormatError('value', `expected fields seq,producedAt,runId,payload in that order, got ${keys}`);
  }
  const { seq, producedAt, runId, payload } = record;
  for (const [name, v] of [['seq', seq], ['producedAt', producedAt]] as const) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new CommitLogFormatError(`value.${name}`, `expected a non-negative safe integer, got ${JSON.stringify(v)}`);
    }
  }
  if (typeof runId !== 'string') throw new CommitLogFormatError('value.runId', `expected a string, got ${JSON.stringify(runId)}`);
  if (typeof payload !== 'string' || !/^x*$/.test(payload)) {
    throw new CommitLogFormatError('value.payload', `expected a string of '${PADDING_CHAR}', got ${JSON.stringify(String(payload).slice(0, 20))}`);
  }
  return { seq: seq as number, producedAt: producedAt as number, runId, payload };
}

/** A record as a consumer sees it, in the shape both the rdkafka-style and kafkajs clients can be mapped to. */
export interface CommitLogRecordInput {
  key: string | Uint8Array | null | undefined;
  value: string | Uint8Array | null | undefined;
  /** Record timestamp, epoch ms (kafkajs gives a string; both accepted). */
  timestamp: number | string | undefined;
  /** Ordered headers as `[name, value]` pairs (convert kafkajs' object or rdkafka's one-key objects first). */
  headers: ReadonlyArray<readonly [string, string | Uint8Array]>;
}

/**
 * Decodes a whole consumed record and checks it is intact: the value decodes, the key is
 * `${keyPrefix}${seq}`, the timestamp equals `producedAt`, and the headers are exactly
 * `seq`, `run-id`, `producer` in that order with matching values. Returns the event; throws
 * {@link CommitLogFormatError} naming the first field that disagrees.
 */
export function decodeCommitLogRecord(record: CommitLogRecordInput, keyPrefix: string = DEFAULT_KEY_PREFIX): CommitLogEvent {
  const event = decodeCommitLogEvent(record.value);
  const key = asText('key', record.key);
  const expectedKey = commitLogKey(event.seq, keyPrefix);
  if (key !== expectedKey) throw new CommitLogFormatError('key', `expected '${expectedKey}', got '${key}'`);
  if (Number(record.timestamp) !== event.producedAt) {
    throw new CommitLogFormatError('timestamp', `expected ${event.producedAt} (producedAt), got ${String(record.timestamp)}`);
  }
  const expectedHeaders = [String(event.seq), event.runId, COMMIT_LOG_PRODUCER_NAME];
  const got = record.headers.map(([name, v]) => [name, asText(`headers.${name}`, v)] as const);
  const intact =
    got.length === COMMIT_LOG_HEADER_KEYS.length &&
    got.every(([name, v], i) => name === COMMIT_LOG_HEADER_KEYS[i] && v === expectedHeaders[i]);
  if (!intact) {
    const show = (pairs: ReadonlyArray<readonly [string, string]>): string => JSON.stringify(pairs);
    const expected = COMMIT_LOG_HEADER_KEYS.map((name, i) => [name, expectedHeaders[i] ?? ''] as const);
    throw new CommitLogFormatError('headers', `expected ${show(expected)}, got ${show(got)}`);
  }
  return event;
}
