/**
 * The two clusters integration tests and measurement scripts run against, unique topic names, and the
 * independent kafkajs client the verification side uses (never the engine's librdkafka client).
 * Clusters come from the environment (franz-go's kfake style): `PRIMARY_BOOTSTRAP` / `STANDBY_BOOTSTRAP`,
 * or `127.0.0.1:${PRIMARY_PORT ?? 9092}` / `127.0.0.1:${STANDBY_PORT ?? 9093}` (the local clusters of
 * local-kafka/, started by test/global-setup.ts).
 */
import { randomBytes } from 'node:crypto';
import kafkajs, { type Kafka as KafkaClient } from 'kafkajs';

// kafkajs is CommonJS; Node's ESM loader does not see all its named exports.
const { Kafka, logLevel } = kafkajs;

/** Bootstrap servers (`host:port[,host:port]`) of the source (`primary`) cluster. */
export const PRIMARY = process.env.PRIMARY_BOOTSTRAP ?? `127.0.0.1:${process.env.PRIMARY_PORT ?? 9092}`;
/** Bootstrap servers (`host:port[,host:port]`) of the target (`standby`) cluster. */
export const STANDBY = process.env.STANDBY_BOOTSTRAP ?? `127.0.0.1:${process.env.STANDBY_PORT ?? 9093}`;

/** A topic (or group) name no other test uses: `<prefix>-<8 hex>`. */
export function uniqueTopic(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A kafkajs client for `bootstrap` (comma-separated `host:port`), its own logging silenced. */
export function kafkajsClient(bootstrap: string, clientId = 'kme-verifier'): KafkaClient {
  return new Kafka({ clientId, brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
}

/** Remote topic name of `topic` under the default replication policy of a `primary->standby` flow. */
export function remoteOf(topic: string): string {
  return `primary.${topic}`;
}
