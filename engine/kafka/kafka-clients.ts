/**
 * Builds and connects the rdkafka-style clients of @confluentinc/kafka-javascript from a cluster's
 * settings (bootstrap servers + librdkafka properties from mm2.properties), with the engine's
 * non-negotiable settings applied last. Only the rdkafka-style API offers manual assignment, seek,
 * watermarks and ordered headers (../shared/KAFKA-FACTS.md).
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, LibrdKafkaError, Message, Producer } from '@confluentinc/kafka-javascript';
import { MirrorError, ERROR_CODES } from '../core/errors.ts';
import { isAuthFailure } from './error-classifier.ts';

/** The client-facing part of a cluster's config: what every client of that cluster needs. */
export interface ClusterClientSettings {
  alias: string;
  bootstrapServers: string;
  /** librdkafka properties for every client of the cluster (security.protocol, sasl.*, ssl.*). */
  client: Readonly<Record<string, string>>;
  consumer: Readonly<Record<string, string>>;
  producer: Readonly<Record<string, string>>;
  admin: Readonly<Record<string, string>>;
}

/** A librdkafka global config. */
export type Conf = Record<string, string | number | boolean>;

/** librdkafka config for an admin client of `cluster`. */
export function adminConfig(cluster: ClusterClientSettings, clientId: string): Conf {
  return { ...cluster.client, ...cluster.admin, 'bootstrap.servers': cluster.bootstrapServers, 'client.id': clientId };
}

/**
 * librdkafka config for the source consumer. Fixed on purpose: manual assignment without commits
 * (progress lives on the target), and `auto.offset.reset=error` so an out-of-range position is never
 * silently reset (MM2 hard-codes `earliest`, which hides truncation). It is set in the GLOBAL config:
 * passing any topic-config object would replace the default topic config and revert it to `largest`.
 */
export function sourceConsumerConfig(cluster: ClusterClientSettings, clientId: string, isolationLevel: string): Conf {
  return {
    'fetch.wait.max.ms': 100,
    'fetch.min.bytes': 1,
    'queued.max.messages.kbytes': 65536,
    'fetch.message.max.bytes': 4 * 1024 * 1024,
    ...cluster.client,
    ...cluster.consumer,
    'bootstrap.servers': cluster.bootstrapServers,
    'client.id': clientId,
    'group.id': clientId,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'enable.partition.eof': false,
    'auto.offset.reset': 'error',
    'isolation.level': isolationLevel,
  };
}

/**
 * librdkafka config for a consumer that reads an internal topic (progress, offset syncs, checkpoints)
 * from `cluster` with assign() only: never commits, never joins (librdkafka requires a `group.id` for the
 * consumer type: a per-process one), read_committed: in exactly-once mode progress and target-side offset
 * syncs are written in the mirror task's transactions (engine/kafka/target-transactions.ts), and only
 * committed state may count. A reader waits for the high watermark read at its start (read_uncommitted
 * ListOffsets, internal-topics.ts), so a transaction still open below it — a commit in flight, or one left
 * by a killed or frozen instance — is waited for until it commits or aborts (at most `transaction.timeout.ms`):
 * like KIP-447's OffsetFetch `require_stable`, a new owner never reads progress that a pending commit is
 * about to replace. Topics never written transactionally read exactly as with read_uncommitted.
 */
export function internalReaderConfig(cluster: ClusterClientSettings, clientId: string): Conf {
  return {
    ...cluster.client,
    ...cluster.consumer,
    'bootstrap.servers': cluster.bootstrapServers,
    'client.id': clientId,
    'group.id': `${clientId}-${process.pid}`,
    'enable.auto.commit': false,
    'enable.partition.eof': false,
    'auto.offset.reset': 'earliest',
    'isolation.level': 'read_committed',
  };
}

/**
 * librdkafka config for the consumer that writes offsets of group `groupId` on `cluster` (it never
 * subscribes: its explicit commits are what `Admin.alterConsumerGroupOffsets` sends; consumer-groups.ts).
 */
export function groupCommitConfig(cluster: ClusterClientSettings, clientId: string, groupId: string): Conf {
  return {
    ...cluster.client,
    ...cluster.consumer,
    'bootstrap.servers': cluster.bootstrapServers,
    'client.id': clientId,
    'group.id': groupId,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
  };
}

/**
 * librdkafka config for the target producer: idempotent, `acks=all`, no delivery timeout
 * (`message.timeout.ms=0`: a down target is back-pressure, not loss), delivery reports on.
 * Users may tune batching/compression through `producer.*` overrides.
 */
export function targetProducerConfig(cluster: ClusterClientSettings, clientId: string): Conf {
  return {
    'linger.ms': 5,
    'batch.size': 1024 * 1024,
    'queue.buffering.max.messages': 200_000,
    'queue.buffering.max.kbytes': 262_144,
    ...cluster.client,
    ...cluster.producer,
    'bootstrap.servers': cluster.bootstrapServers,
    'client.id': clientId,
    'enable.idempotence': true,
    acks: 'all',
    'message.timeout.ms': 0,
    dr_cb: true,
  };
}

/** Creates and connects a consumer. Rejects with MirrorError(KAFKA_ERROR) (AUTH_FAILED on SASL/SSL failures). */
export function connectConsumer(conf: Conf): Promise<KafkaConsumer> {
  const consumer = new Kafka.KafkaConsumer(conf as never);
  return connectClient('consumer', consumer);
}

/** Connects a client; an authentication error event during the connect fails it at once (no 30 s wait). */
function connectClient<C extends KafkaConsumer | Producer>(what: string, client: C): Promise<C> {
  const events = client as unknown as {
    on(event: 'event.error', fn: (err: LibrdKafkaError) => void): void;
    removeListener(event: 'event.error', fn: (err: LibrdKafkaError) => void): void;
  };
  return new Promise((resolve, reject) => {
    const onError = (err: LibrdKafkaError) => {
      if (!isAuthFailure(err)) return;
      events.removeListener('event.error', onError);
      reject(clientError(`${what} connect`, err));
      void disconnect(client as never);
    };
    events.on('event.error', onError);
    (client as KafkaConsumer).connect({ timeout: 30_000 }, (err) => {
      events.removeListener('event.error', onError);
      if (err) reject(clientError(`${what} connect`, err));
      else resolve(client);
    });
  });
}

/** Creates and connects a producer with background polling of delivery reports. */
export async function connectProducer(conf: Conf): Promise<Producer> {
  const producer = await connectClient('producer', new Kafka.Producer(conf as never));
  producer.setPollInBackground(true);
  return producer;
}

/**
 * One `consume(max)` call: waits up to the consumer's consume timeout for the first message, then
 * returns what is ready (timeout only for the first message). Errors reject; the caller decides.
 */
export function consumeBatch(consumer: KafkaConsumer, max: number): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    consumer.consume(max, (err, messages) => (err ? reject(err) : resolve(messages)));
  });
}

/**
 * Waits until `pendingReports()` reaches 0 (every delivery report of the records sent so far reached this
 * thread), within `timeoutMs`. Resolves `true` then, `false` at the deadline.
 *
 * It does NOT call librdkafka's flush: our producers poll in the background (the main queue forwarded to
 * the background queue, {@link connectProducer}), and `rd_kafka_flush` serves that same queue from the
 * calling worker thread (librdkafka rdkafka.c rd_kafka_flush → rd_kafka_poll, which serves a forwarded
 * queue's destination), so two threads hand delivery reports to the binding at once and whole batches of
 * them arrive out of produce order. The target writer matches a partition's reports to its records in
 * produce order (target-writer.ts), so an overtaking batch paired upstream offsets with other records'
 * downstream offsets: wrong offset syncs (seen under exactly-once, where every commit round drained this
 * way). The background thread sends and reports on its own; the cost is at most one `linger.ms`.
 */
export async function awaitDeliveryReports(timeoutMs: number, pendingReports: () => number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pendingReports() > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

/** Disconnects any client, resolving even when it was not connected. */
export function disconnect(client: { disconnect: (cb: () => void) => unknown; isConnected?: () => boolean }): Promise<void> {
  return new Promise((resolve) => {
    try {
      client.disconnect(() => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * Wraps a client error as MirrorError `${what} failed: <message>` with the error as `cause`: AUTH_FAILED
 * for authentication / authorization failures ({@link isAuthFailure}; the CLI exits 4), KAFKA_ERROR otherwise.
 */
export function clientError(what: string, err: LibrdKafkaError | Error): MirrorError {
  return new MirrorError(isAuthFailure(err) ? ERROR_CODES.AUTH_FAILED : ERROR_CODES.KAFKA_ERROR, `${what} failed: ${err.message}`, { cause: err });
}
