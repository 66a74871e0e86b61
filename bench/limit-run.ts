/**
 * The old limit, kept as information (`--tool-limit`): the slower of the brokers' own tools doing each
 * half of a mirror alone with the same record count and size — `ProducerPerformance` (unthrottled, the
 * mirrors' producer batching and acks) into a scratch topic on the source, and `ConsumerPerformance`
 * reading the pre-filled topic. Not a ceiling for a mirror: one tool loads one broker and leaves the
 * other's core free, and MM2 has beaten it (issue 16). The limit the report uses is corrected-limit.ts.
 */
import type { KafkaAdmin } from '../engine/testing.ts';
import { createTopic, deleteTopicsExcept } from './bench-clusters.ts';
import { runConsumerPerf, runProducerPerf, type ConsumerPerfResult, type ProducerPerfResult, type ProducerTuning } from './perf-tools.ts';

/** One limit measurement; rates in records/s and MB/s (10^6 bytes). */
export interface LimitResult {
  round: number;
  producer: ProducerPerfResult;
  consumer: ConsumerPerfResult;
  /** min(producer, consumer fetch) records/s. */
  recordsPerSec: number;
  mbPerSec: number;
}

/** Name of the scratch topic the producer half writes (deleted afterwards). */
export const LIMIT_TOPIC = 'bench-limit';

/** Measures the limit once. */
export async function runLimit(o: {
  round: number;
  sourceAdmin: KafkaAdmin;
  sourceBootstrap: string;
  prefilledTopic: string;
  /** Source topics that must survive the scratch topic's clean-up (every pre-filled topic). */
  keepTopics: readonly string[];
  records: number;
  recordSizeBytes: number;
  partitions: number;
  tuning: ProducerTuning;
  fetchSizeBytes: number;
}): Promise<LimitResult> {
  await createTopic(o.sourceAdmin, LIMIT_TOPIC, o.partitions);
  const timeoutMs = 15 * 60_000;
  let producer: ProducerPerfResult;
  try {
    producer = await runProducerPerf({
      bootstrapServers: o.sourceBootstrap,
      topic: LIMIT_TOPIC,
      records: o.records,
      recordSizeBytes: o.recordSizeBytes,
      throughput: -1,
      tuning: o.tuning,
      timeoutMs,
    });
  } finally {
    await deleteTopicsExcept(o.sourceAdmin, o.keepTopics);
  }
  const consumer = await runConsumerPerf({ bootstrapServers: o.sourceBootstrap, topic: o.prefilledTopic, records: o.records, fetchSizeBytes: o.fetchSizeBytes, timeoutMs });
  const recordsPerSec = Math.min(producer.recordsPerSec, consumer.fetchRecordsPerSec);
  return { round: o.round, producer, consumer, recordsPerSec, mbPerSec: (recordsPerSec * o.recordSizeBytes) / 1e6 };
}
