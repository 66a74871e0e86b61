/**
 * What the loaded librdkafka build can do. With `CKJS_LINKING=dynamic` (the offline install this
 * project uses) librdkafka links the system's codec libraries and silently leaves out a codec whose
 * headers were missing at build time (`libzstd-dev` for zstd): npm install succeeds, and a source
 * partition compressed with that codec later fails every fetch with `Local: Not implemented`
 * (librdkafka's RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, -170). This module names the gap at start.
 * Source: librdkafka CONFIGURATION.md `builtin.features`; `Kafka.features` in the binding.
 */
import Kafka from '@confluentinc/kafka-javascript';
import { KAFKA_ERROR_CODES } from './error-codes.ts';

/** Compression codecs a Kafka producer may use (KIP-110 zstd, Kafka 2.1+): a mirror must read all of them. */
export const REQUIRED_CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;

/** Security features the README's SASL / TLS settings rely on. */
export const REQUIRED_SECURITY = ['ssl', 'sasl_plain', 'sasl_scram'] as const;

/** librdkafka's `builtin.features` of the loaded binding, e.g. `['gzip', 'snappy', 'ssl', …]`. */
export function builtinFeatures(): readonly string[] {
  return Kafka.features ?? [];
}

/** librdkafka version string of the loaded binding, e.g. `2.15.1`. */
export function librdkafkaVersion(): string {
  return Kafka.librdkafkaVersion;
}

/** The entries of `required` that `features` (default: the loaded build's) lacks, in `required` order. */
export function missingFeatures(required: readonly string[], features: readonly string[] = builtinFeatures()): string[] {
  const have = new Set(features);
  return required.filter((f) => !have.has(f));
}

/**
 * A source consumer error as the operator should read it: librdkafka's message, plus — for
 * `Local: Not implemented` (-170), which is what a fetch of a batch compressed with a codec missing from
 * this build returns, without naming topic, partition or codec — the codecs this build lacks and the fix.
 */
export function describeConsumeError(err: { code?: number; message: string }, features: readonly string[] = builtinFeatures()): string {
  if (err.code !== KAFKA_ERROR_CODES._NOT_IMPLEMENTED) return err.message;
  const missing = missingFeatures(REQUIRED_CODECS, features);
  if (missing.length === 0) return err.message;
  return `${err.message}: this librdkafka build lacks ${missing.join(', ')}, so a source partition compressed with it cannot be fetched `
    + `(librdkafka names no partition; its fetch position stops advancing). Install the codec's headers (e.g. libzstd-dev) and rebuild: npm rebuild @confluentinc/kafka-javascript`;
}
