/**
 * The two requests of the batch data path, on @platformatic/kafka's framing (its `createAPI`, `Writer`,
 * `Reader` and `Connection`: correlation ids, pipelining, SASL, TLS) with our own bodies:
 * - Fetch v17 by topic ID (KIP-516: a recreated topic answers UNKNOWN_TOPIC_ID instead of being read
 *   by name), whose `records` stay raw bytes — the library's own Fetch decodes every record.
 * - Produce v11 whose `records` are one pre-encoded v2 batch per partition (the broker accepts only one
 *   per partition per request: `LogValidator.getFirstBatchAndMaybeValidateNoMoreBatches`).
 * Field layouts: Kafka protocol doc (FetchRequest/FetchResponse v17, ProduceRequest/ProduceResponse v11).
 * Errors are reported per partition in the results (error codes as numbers, 0 = none), never thrown:
 * the caller decides what is retriable.
 */
import { createAPI, Writer, type Reader } from '@platformatic/kafka';
import type { AbortedTransaction } from './aborted-filter.ts';
import type { BatchBytes, RecordsBytes } from './record-batch.ts';

/** Fetch isolation levels (Kafka protocol doc, Fetch `isolation_level`). */
export const ISOLATION = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const;

/** One partition to fetch. */
export interface FetchPartitionRequest {
  partition: number;
  /** Offset of the first record wanted. */
  fetchOffset: number;
  /** Leader epoch the client knows (-1: unknown; fences a stale leader with FENCED_LEADER_EPOCH, KIP-320). */
  currentLeaderEpoch: number;
  /** Upper bound of the bytes returned for this partition (the broker still returns one whole first batch, KIP-74). */
  partitionMaxBytes: number;
}

/** Fetch request body: topics by ID (dashed UUID strings, as {@link BatchClient.metadata} returns them). */
export interface FetchRequestBody {
  /** Longest time the broker waits for `minBytes` (ms). */
  maxWaitMs: number;
  minBytes: number;
  /** Upper bound of the whole response (bytes). */
  maxBytes: number;
  isolationLevel: number;
  topics: { topicId: string; partitions: FetchPartitionRequest[] }[];
}

/** One partition of a Fetch response, `records` kept as the raw bytes the broker sent. */
export interface FetchPartitionResult {
  topicId: string;
  partition: number;
  /** Kafka error code (0 none; e.g. 100 UNKNOWN_TOPIC_ID, 1 OFFSET_OUT_OF_RANGE, 6 NOT_LEADER_OR_FOLLOWER). */
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** read_committed only: aborted transactions overlapping the returned range; null otherwise. */
  abortedTransactions: AbortedTransaction[] | null;
  /**
   * Zero or more v2 batches, possibly ending in a partial one, as the consecutive views of the socket chunks
   * they arrived in (never copied); an empty Buffer when none.
   */
  records: RecordsBytes;
}

/** A Fetch response: top-level error code and every partition result. */
export interface FetchResult {
  throttleTimeMs: number;
  errorCode: number;
  partitions: FetchPartitionResult[];
}

const EMPTY = Buffer.alloc(0);

/** Reads an int64 as a number (exact within ±2^53: offsets, producer ids). */
function int64(r: Reader): number {
  return Number(r.readInt64());
}

function createFetchRequest(body: FetchRequestBody): Writer {
  return Writer.create()
    .appendInt32(body.maxWaitMs)
    .appendInt32(body.minBytes)
    .appendInt32(body.maxBytes)
    .appendInt8(body.isolationLevel)
    .appendInt32(0) // session_id: no fetch session (KIP-227), every fetch is full
    .appendInt32(-1) // session_epoch: -1 = FINAL_EPOCH, no session
    .appendArray(body.topics, (w, t) => {
      w.appendUUID(t.topicId).appendArray(t.partitions, (w, p) => {
        w.appendInt32(p.partition)
          .appendInt32(p.currentLeaderEpoch)
          .appendInt64(BigInt(p.fetchOffset))
          .appendInt32(-1) // last_fetched_epoch: followers only
          .appendInt64(-1n) // log_start_offset: followers only
          .appendInt32(p.partitionMaxBytes);
      });
    })
    .appendArray([], () => undefined) // forgotten_topics_data
    .appendString('') // rack_id
    .appendTaggedFields();
}

/**
 * Skips a flexible structure's tagged fields (KIP-482): UNSIGNED_VARINT count, then per field UNSIGNED_VARINT
 * tag, UNSIGNED_VARINT size and `size` bytes. Not the library's `Reader.readTaggedFields`: @platformatic/kafka
 * 1.35.0 reads the count as a zigzag VARINT and skips that many bytes, which is right only for an empty set — a
 * count of 1 decodes as -1 and nothing is skipped, so every later field is misread ("Out of bounds."). Brokers
 * send non-empty sets e.g. in NOT_LEADER_OR_FOLLOWER answers (KIP-951: Fetch partition tag 1 CurrentLeader,
 * Produce partition tag 0 CurrentLeader, top-level NodeEndpoints) — whenever leadership moves, a broker stopping included.
 */
export function skipTaggedFields(r: Reader): void {
  for (let n = r.readUnsignedVarInt(); n > 0; n--) {
    r.readUnsignedVarInt(); // tag
    r.skip(r.readUnsignedVarInt());
  }
}

/** Compact array whose entries end in tagged fields, skipped with {@link skipTaggedFields} (not the library's). */
function readCompactArray<T>(r: Reader, entry: (r: Reader) => T): T[] | null {
  return r.readNullableArray((r) => {
    const value = entry(r);
    skipTaggedFields(r);
    return value;
  }, true, false);
}

/** Parses a Fetch v17 response body (after the response header); exported for tests. Throws on malformed input. */
export function parseFetchResponse(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): FetchResult {
  const throttleTimeMs = reader.readInt32();
  const errorCode = reader.readInt16();
  reader.readInt32(); // session_id
  const partitions: FetchPartitionResult[] = [];
  readCompactArray(reader, (r) => {
    const topicId = r.readUUID();
    readCompactArray(r, (r) => {
      const partition = r.readInt32();
      const errorCode = r.readInt16();
      const highWatermark = int64(r);
      const lastStableOffset = int64(r);
      const logStartOffset = int64(r);
      const aborted = readCompactArray(r, (r) => ({ producerId: int64(r), firstOffset: int64(r) }));
      r.readInt32(); // preferred_read_replica
      const size = r.readUnsignedVarInt() - 1; // COMPACT_RECORDS: length + 1, 0 = null
      // Views of the socket chunks the bytes arrived in (DynamicBuffer.subarray: no copy; .slice would join them).
      const records = size > 0 ? r.buffer.subarray(r.position, r.position + size).buffers : EMPTY;
      if (size > 0) r.skip(size);
      partitions.push({ topicId, partition, errorCode, highWatermark, lastStableOffset, logStartOffset, abortedTransactions: aborted, records });
    });
  });
  return { throttleTimeMs, errorCode, partitions };
}

/** Fetch (api key 1) v17 with raw records. */
export const fetchRawV17 = createAPI<[FetchRequestBody], FetchResult>(1, 17, createFetchRequest, parseFetchResponse);

/** One partition's batch in a Produce request. */
export interface ProducePartitionRequest {
  partition: number;
  /** Exactly one v2 batch (the broker rejects more with INVALID_RECORD), whole or as chunks (appended as they are, no copy here). */
  batch: Buffer | BatchBytes;
}

/** Produce request body (topics by name: Produce by topic ID needs v13, KIP-516, not in the pinned brokers' range we rely on). */
export interface ProduceRequestBody {
  /**
   * The producer's `transactional.id` when the batches are transactional (KIP-98: the broker refuses
   * transactional batches of a request without one, TRANSACTIONAL_ID_AUTHORIZATION_FAILED); absent or null otherwise.
   */
  transactionalId?: string | null;
  /** -1 all in-sync replicas (idempotence requires it), 1 leader. */
  acks: number;
  /** How long the broker waits for replication (ms). */
  timeoutMs: number;
  topics: { topic: string; partitions: ProducePartitionRequest[] }[];
}

/** One partition of a Produce response. */
export interface ProducePartitionResult {
  topic: string;
  partition: number;
  /** Kafka error code (0 none; 45 OUT_OF_ORDER_SEQUENCE_NUMBER, 46 DUPLICATE_SEQUENCE_NUMBER, 2 CORRUPT_MESSAGE, 87 INVALID_RECORD). */
  errorCode: number;
  /** Offset the broker assigned to the batch's first record (-1 on error). */
  baseOffset: number;
  logStartOffset: number;
  /** The broker's message for an error (e.g. LogValidator's reason), or null. */
  errorMessage: string | null;
}

function createProduceRequest(body: ProduceRequestBody): Writer {
  const w = Writer.create()
    .appendString(body.transactionalId ?? null) // transactional_id
    .appendInt16(body.acks)
    .appendInt32(body.timeoutMs)
    .appendArray(body.topics, (w, t) => {
      w.appendString(t.topic).appendArray(t.partitions, (w, p) => {
        w.appendInt32(p.partition);
        if (Buffer.isBuffer(p.batch)) w.appendUnsignedVarInt(p.batch.length + 1).append(p.batch);
        else {
          w.appendUnsignedVarInt(p.batch.size + 1);
          for (const c of p.batch.chunks) w.append(c);
        }
      });
    })
    .appendTaggedFields();
  return w;
}

/** Parses a Produce v11 response body (after the response header); exported for tests. Throws on malformed input. */
export function parseProduceResponse(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): ProducePartitionResult[] {
  const results: ProducePartitionResult[] = [];
  readCompactArray(reader, (r) => {
    const topic = r.readString();
    readCompactArray(r, (r) => {
      const partition = r.readInt32();
      const errorCode = r.readInt16();
      const baseOffset = int64(r);
      int64(r); // log_append_time_ms
      const logStartOffset = int64(r);
      const recordErrors = readCompactArray(r, (r) => {
        r.readInt32(); // batch_index
        return r.readNullableString();
      }) ?? [];
      const errorMessage = r.readNullableString() ?? (recordErrors.find((m) => m !== null) ?? null);
      results.push({ topic, partition, errorCode, baseOffset, logStartOffset, errorMessage });
    });
  });
  reader.readInt32(); // throttle_time_ms
  return results;
}

/** Produce (api key 0) v11 with pre-encoded batches. */
export const produceRawV11 = createAPI<[ProduceRequestBody], ProducePartitionResult[]>(0, 11, createProduceRequest, parseProduceResponse);
