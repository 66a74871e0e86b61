/**
 * The error of the embedded local clusters (local-kafka/): Maven missing or failing to fetch the jars,
 * a broker that does not come up, a port owned by something else. Not an engine error — the engine
 * never runs local clusters — so it lives here with its own stable code.
 */

/** Stable code of {@link LocalKafkaError}. Never rename it: scripts and people grep for it. */
export const LOCAL_KAFKA_ERROR_CODE = 'LOCAL_KAFKA';

/** A local cluster could not be fetched, started or used. `cause` keeps the underlying error; the message carries the evidence (Maven output, broker log tail). */
export class LocalKafkaError extends Error {
  readonly code = LOCAL_KAFKA_ERROR_CODE;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalKafkaError';
  }
}
