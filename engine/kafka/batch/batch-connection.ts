/**
 * Connection settings of the batch data path for one cluster, derived from the same librdkafka-style
 * client properties as every other client of the cluster (`security.protocol`, `sasl.*`, `ssl.*`): the
 * translation of ../kafkajs-config.ts (TLS options read from PEM / PKCS#12 files, SASL PLAIN and
 * SCRAM-SHA-256/512) mapped onto @platformatic/kafka's `ConnectionOptions` (`tls`, `sasl`).
 */
import type { ConnectionOptions } from '@platformatic/kafka';
import { kafkajsConfig } from '../kafkajs-config.ts';
import type { ClusterClientSettings } from '../kafka-clients.ts';
import type { BatchClientOptions } from './batch-client.ts';

/** kafkajs mechanism names → the SASL mechanism names @platformatic/kafka expects. */
const MECHANISMS: Readonly<Record<string, 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'>> = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' };

/**
 * {@link BatchClientOptions} for `cluster` with client id `clientId`. Throws ConfigError (naming the key,
 * secrets redacted) for a setting that cannot be honoured, as ../kafkajs-config.ts does.
 */
export function batchClientOptions(cluster: ClusterClientSettings, clientId: string): BatchClientOptions {
  const k = kafkajsConfig(cluster, clientId);
  // requestTimeout: above the Produce timeout (15 s) and any fetch wait (≤ 1 s); a frozen broker holds the task loop at most this long.
  const connection: ConnectionOptions = { connectTimeout: 10_000, requestTimeout: 30_000, maxInflights: 64 };
  if (k.ssl) connection.tls = k.ssl === true ? {} : (k.ssl as NonNullable<ConnectionOptions['tls']>);
  const sasl = k.sasl as { mechanism: string; username?: string; password?: string } | undefined;
  if (sasl) connection.sasl = { mechanism: MECHANISMS[sasl.mechanism] ?? 'PLAIN', username: sasl.username, password: sasl.password };
  return { bootstrap: (k.brokers as string[]).join(','), clientId, connection };
}
