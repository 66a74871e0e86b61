/**
 * Shared helpers of the integration tests: cluster addresses, unique topic names, waiting for a
 * condition with a deadline (never sleeping), and an independent kafkajs client for verification.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/** Bootstrap servers of the source (`primary`) cluster. */
export const PRIMARY = process.env.PRIMARY_BOOTSTRAP ?? `127.0.0.1:${process.env.PRIMARY_PORT ?? 9092}`;
/** Bootstrap servers of the target (`standby`) cluster. */
export const STANDBY = process.env.STANDBY_BOOTSTRAP ?? `127.0.0.1:${process.env.STANDBY_PORT ?? 9093}`;

/** A topic name no other test uses: `<prefix>-<8 hex>`. */
export function uniqueTopic(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export { waitFor } from '../testkit/wait-for.ts';

/** An independent kafkajs client (the verification side never uses the engine's client). */
export function kafkajsClient(bootstrap: string): Kafka {
  return new Kafka({ clientId: 'kme-test', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
}
