/**
 * One rdkafka-style admin client of @confluentinc/kafka-javascript and the way every admin request
 * goes through it: retried with backoff ({@link retry}) while retriable, for at most the admin timeout
 * (`admin.timeout.ms`), and ended AT ONCE on an authentication failure. KafkaAdmin (topics, offsets) and
 * ConsumerGroups (the checkpoint path) are both views over an AdminConnection, so they share one client
 * per cluster and one fast exit on auth failure.
 *
 * Why the error event: librdkafka reports a failed SASL handshake as an `event.error` on the client;
 * the requests themselves only see transport failures (-195) and would be retried until the timeout.
 * The connection remembers the auth error, aborts every call in flight and every backoff, and
 * rejects later calls with it (MirrorError AUTH_FAILED → CLI exit 4).
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { IAdminClient, LibrdKafkaError } from '@confluentinc/kafka-javascript';
import type { MirrorError } from '../core/errors.ts';
import { isAuthFailure } from './error-classifier.ts';
import { clientError, type Conf } from './kafka-clients.ts';
import { retry } from './retry.ts';
import { withClusterLabel, type ClusterLabel } from './cluster-label.ts';

/** A librdkafka global config (`bootstrap.servers`, `client.id`, security settings …). */
export type ClientConfig = Conf;

/** The client events an admin connection listens to. */
export interface AdminClientEvents {
  'event.error': (err: LibrdKafkaError) => void;
}

/** Creates an admin client for `config` that reports its error events to `events` (default: the librdkafka one; tests pass a fake). */
export type AdminClientFactory = (config: ClientConfig, events: AdminClientEvents) => IAdminClient;

/** The real factory: `Kafka.AdminClient.create` (connects in the background). */
export const rdkafkaAdminClient: AdminClientFactory = (config, events) => Kafka.AdminClient.create(config as never, events as never);

/** Default of {@link AdminConnectionOptions.timeoutMs} when no `admin.timeout.ms` is given, ms. */
export const DEFAULT_ADMIN_TIMEOUT_MS = 10_000;

/**
 * Longest librdkafka timeout of ONE attempt of a request, ms; a longer admin timeout is spent on
 * several attempts. Why: librdkafka's AdminClient.disconnect() blocks the event loop until the requests
 * still in flight time out (measured: 59.6 s with a 60 s request timeout after a SASL failure), so an
 * attempt's timeout bounds how long closing the client can hang (shutdown, exit 4).
 */
export const MAX_ADMIN_ATTEMPT_TIMEOUT_MS = 10_000;

/** Options of {@link AdminConnection}. */
export interface AdminConnectionOptions {
  /**
   * `admin.timeout.ms`: the time budget of each request, its retries included, ms (default
   * {@link DEFAULT_ADMIN_TIMEOUT_MS}). Each attempt gets the rest of the budget as librdkafka timeout,
   * at most {@link MAX_ADMIN_ATTEMPT_TIMEOUT_MS}.
   */
  timeoutMs?: number;
  /** Creates the client (default {@link rdkafkaAdminClient}). */
  createClient?: AdminClientFactory;
  /** The cluster's alias and bootstrap servers: every error message starts with `cluster 'alias' (host:port):` (cluster-label.ts). */
  label?: ClusterLabel;
}

/** A librdkafka callback-style request: `run(cb, timeoutMs)` issues it with that librdkafka timeout (ms), `cb(err, value)` ends it. */
export type AdminRequest<T> = (cb: (err: LibrdKafkaError | null | undefined, value: T) => void, timeoutMs: number) => void;

/** One admin client and its request loop. Owned by whoever created it; `close()` once. */
export class AdminConnection {
  /** The client, for the request callbacks of its views. */
  readonly client: IAdminClient;
  /** `admin.timeout.ms`: time budget of each request, retries included, ms. */
  readonly timeoutMs: number;
  private readonly authAbort = new AbortController();
  private readonly label: ClusterLabel | undefined;
  private closed = false;

  /** `config` is a librdkafka global config (must include `bootstrap.servers`). */
  constructor(config: ClientConfig, options: AdminConnectionOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS;
    this.label = options.label === undefined ? undefined : { alias: options.label.alias, bootstrapServers: options.label.bootstrapServers };
    this.client = (options.createClient ?? rdkafkaAdminClient)(config, {
      'event.error': (err) => {
        if (isAuthFailure(err) && !this.authAbort.signal.aborted) this.authAbort.abort(err);
      },
    });
  }

  /** The authentication failure this client reported, if any (then every call fails with it). */
  get authFailure(): LibrdKafkaError | undefined {
    return this.authAbort.signal.aborted ? (this.authAbort.signal.reason as LibrdKafkaError) : undefined;
  }

  /**
   * Runs one admin request, retrying retriable errors with backoff for up to `timeoutMs` (default {@link timeoutMs}; each
   * attempt with the rest of it as librdkafka timeout, at most {@link MAX_ADMIN_ATTEMPT_TIMEOUT_MS}). Rejects
   * with MirrorError (`${what} failed: …`, the client error as `cause`): AUTH_FAILED at once on an
   * authentication failure (returned by the request or reported by the client meanwhile), KAFKA_ERROR otherwise.
   */
  async call<T>(what: string, run: AdminRequest<T>, timeoutMs: number = this.timeoutMs): Promise<T> {
    const signal = this.authAbort.signal;
    const deadline = Date.now() + timeoutMs;
    try {
      return await retry(
        () =>
          new Promise<T>((resolve, reject) => {
            const onAbort = () => reject(signal.reason);
            signal.addEventListener('abort', onAbort, { once: true });
            const attemptTimeoutMs = Math.max(1, Math.min(MAX_ADMIN_ATTEMPT_TIMEOUT_MS, deadline - Date.now()));
            run((err, value) => {
              signal.removeEventListener('abort', onAbort);
              if (err) reject(err);
              else resolve(value);
            }, attemptTimeoutMs);
          }),
        { timeoutMs, signal },
      );
    } catch (err) {
      throw this.wrap(what, err);
    }
  }

  /**
   * Wraps a client error of `what` as MirrorError (prefixed with the cluster's label when it has one);
   * once the client reported an auth failure, that one wins.
   */
  wrap(what: string, err: unknown): MirrorError {
    const error = clientError(what, this.authFailure ?? (err as Error));
    return this.label === undefined ? error : withClusterLabel(this.label, error);
  }

  /** Disconnects the client. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.client.disconnect();
    } catch {
      /* already closed */
    }
  }
}
