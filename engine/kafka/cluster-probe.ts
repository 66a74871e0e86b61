/**
 * The cheap question {@link ClusterHealth} asks each cluster: one Metadata request for no topics
 * (brokers and controller only, the smallest request every broker answers; Kafka protocol "Metadata"
 * API with an empty topic list), through a dedicated rdkafka-style AdminClient so that it never queues
 * behind the engine's slow admin calls. The client's own error events report a lost cluster faster
 * than the next probe: librdkafka raises ERR__ALL_BROKERS_DOWN (-187) once every broker connection is
 * down (rdkafka.h); the binding hands it to `event.error` as code -1 with the text "all broker
 * connections are down", so both the code and the text are matched.
 *
 * A broker certificate the client does not trust (wrong `ssl.ca.location`, host name not in the
 * certificate) is a verdict too, like a refused password: Kafka's Java client raises it as
 * `SslAuthenticationException`, an `AuthenticationException` that is never retried. The binding reduces
 * librdkafka's error event to "ssl error" (code -1); the reason is only in the FAIL log line ("SSL handshake
 * failed: …certificate verify failed…", rdkafka_ssl.c), so the probe reads its client's log events.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { adminConfig, type ClusterClientSettings } from './kafka-clients.ts';
import { KAFKA_ERROR_CODES } from './error-codes.ts';
import { isAuthFailure } from './error-classifier.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';

/** One cluster's probe. */
export interface ClusterProbe {
  /** Resolves when the cluster answered one metadata request within `timeoutMs`; rejects with the client's error (message names what failed). */
  check(timeoutMs: number): Promise<void>;
  /** Closes the probe's connection. Idempotent. */
  close(): void;
}

/** Creates the probe of `cluster`; `onConnectionLoss(message)` is called whenever the probe's client loses every broker. */
export type ClusterProbeFactory = (cluster: ClusterClientSettings, onConnectionLoss: (message: string) => void) => ClusterProbe;

/** librdkafka ERR__ALL_BROKERS_DOWN (rdkafka.h): every broker connection of the client is down. */
const ALL_BROKERS_DOWN = KAFKA_ERROR_CODES._ALL_BROKERS_DOWN;

/**
 * Whether a client error event means the whole cluster is out of reach (not just one broker: a single
 * ERR__TRANSPORT is a broker restart that the others cover).
 */
export function isConnectionLoss(err: { code?: number; message?: string } | undefined): boolean {
  return err?.code === ALL_BROKERS_DOWN || /all broker connections are down/i.test(err?.message ?? '');
}

/** A librdkafka log event as the binding's `event.log` delivers it. */
export interface LibrdkafkaLogEvent {
  severity?: number;
  fac?: string;
  message?: string;
}

/**
 * The reason, when `log` is librdkafka reporting that the broker's certificate failed verification during
 * the TLS handshake (OpenSSL "certificate verify failed": untrusted CA, expired, host name mismatch); else
 * undefined. The thread prefix (`[thrd:…]: `) is dropped; the text names the broker, never a secret.
 */
export function tlsTrustFailure(log: LibrdkafkaLogEvent): string | undefined {
  const message = log.message ?? '';
  if (log.fac !== 'FAIL' || !/SSL handshake failed: .*certificate verify failed/i.test(message)) return undefined;
  return message.replace(/^\[thrd:[^\]]*\]: /, '');
}

/**
 * librdkafka's reconnect backoff grows to `reconnect.backoff.max.ms` (10 s by default): the probe caps it
 * at this, so a cluster that is back is seen within about a probe interval, not up to 10 s later.
 */
const PROBE_RECONNECT_BACKOFF_MAX_MS = 2000;

/** The real probe: a librdkafka AdminClient with the cluster's client/admin settings (security included). */
export const librdkafkaProbe: ClusterProbeFactory = (cluster, onConnectionLoss) => {
  let lastEvent: string | undefined;
  /** An authentication failure the client reported: a verdict, not an outage (the probe answers it at once). */
  let authFailure: string | undefined;
  const client = Kafka.AdminClient.create(
    { ...adminConfig(cluster, `kafka-mirror-health-${cluster.alias}`), 'reconnect.backoff.max.ms': PROBE_RECONNECT_BACKOFF_MAX_MS } as never,
    {
      'event.error': (err: LibrdKafkaError) => {
        lastEvent = err.message;
        if (isAuthFailure(err)) authFailure = err.message;
        if (isConnectionLoss(err)) onConnectionLoss(err.message);
      },
      'event.log': (log: LibrdkafkaLogEvent) => {
        authFailure ??= tlsTrustFailure(log);
      },
    },
  );
  // getMetadata is on every client of the binding (lib/client.js), not in IAdminClient's typings.
  const metadata = client as unknown as { getMetadata(o: { allTopics: boolean; timeout: number }, cb: (err: LibrdKafkaError | null) => void): void };
  let closed = false;
  return {
    check: (timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        if (closed) return reject(new Error('probe closed'));
        lastEvent = undefined;
        metadata.getMetadata({ allTopics: false, timeout: timeoutMs }, (err) => {
          if (!err) return resolve();
          // librdkafka's messages name the mechanism, never the credentials.
          if (authFailure !== undefined || isAuthFailure(err)) {
            return reject(new MirrorError(ERROR_CODES.AUTH_FAILED, `authentication failed: ${authFailure ?? err.message}`, { cause: err }));
          }
          // "Local: Timed out" alone says nothing: add what the client saw meanwhile (refused, DNS, TLS, SASL).
          const seen = lastEvent && lastEvent !== err.message ? ` (client: ${lastEvent})` : '';
          reject(new Error(`${err.message}${seen}`));
        });
      }),
    close: () => {
      if (closed) return;
      closed = true;
      try {
        client.disconnect();
      } catch {
        /* already closed */
      }
    },
  };
};
