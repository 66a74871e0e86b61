/**
 * The one owner of the engine's long-lived Kafka clients per cluster alias: ONE librdkafka admin client
 * (behind KafkaAdmin and ConsumerGroups views: discovery, offsets, internal topics, consumer groups of
 * the checkpoint path), ONE producer for internal records (offset syncs, checkpoints, heartbeats,
 * progress) and, only when asked, ONE kafkajs admin (DescribeConfigs). Each is created on first use and
 * closed once, by {@link ClusterConnections.close}. Before this, every flow opened four long-lived admin
 * clients, four producers and six short-lived admins of its own (issue 11).
 *
 * The mirror consumer and the mirror producer are not here: they belong to the mirror task (hot path,
 * rebuilt on topic resets, configured per flow). Neither are the short-lived readers of internal topics.
 *
 * Sharing is per alias AND settings: two flows that give the same alias different client settings
 * (flow-level `A->B.target.admin.*` overrides) or different `admin.timeout.ms` get one set each.
 */
import { createHash } from 'node:crypto';
import kafkajs, { type Admin as KafkajsAdmin, type KafkaConfig } from 'kafkajs';
import type { Logger } from '../core/logger.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { AdminConnection, DEFAULT_ADMIN_TIMEOUT_MS, type AdminClientFactory } from './admin-connection.ts';
import { ConsumerGroups } from './consumer-groups.ts';
import { KafkaAdmin } from './kafka-admin.ts';
import { adminConfig, type ClusterClientSettings } from './kafka-clients.ts';
import { kafkajsConfig } from './kafkajs-config.ts';
import { RecordSink } from './record-sink.ts';

// kafkajs is CommonJS; Node's ESM loader cannot see all its named exports.
const { Kafka } = kafkajs;

/** Collaborators of {@link ClusterClients} (defaults: the real clients; unit tests pass fakes). */
export interface ClusterClientsOptions {
  logger: Logger;
  /** `admin.timeout.ms` of the cluster's admin clients, ms (default 10 000). */
  adminTimeoutMs?: number;
  /** Creates the librdkafka admin client (default `Kafka.AdminClient.create`). */
  createAdminClient?: AdminClientFactory;
  /** Connects the internal-record producer (default {@link RecordSink.connect}). */
  connectSink?: (cluster: ClusterClientSettings, clientId: string, logger: Logger) => Promise<RecordSink>;
  /** Creates the kafkajs admin client (default `new Kafka(config).admin()`). */
  createKafkajsAdmin?: (config: KafkaConfig) => KafkajsAdmin;
}

/** The shared clients of one cluster alias. Get it from {@link ClusterConnections.of}; its owner closes it. */
export class ClusterClients {
  readonly cluster: ClusterClientSettings;
  /** `admin.timeout.ms`, ms. */
  readonly adminTimeoutMs: number;
  private readonly o: ClusterClientsOptions;
  private connection: AdminConnection | undefined;
  private kafkaAdmin: KafkaAdmin | undefined;
  private consumerGroups: ConsumerGroups | undefined;
  private sink: Promise<RecordSink> | undefined;
  private kafkajs: Promise<KafkajsAdmin> | undefined;
  private kafkajsConf: KafkaConfig | undefined;
  private clusterIdRead: Promise<string> | undefined;
  private closing: Promise<void> | undefined;

  constructor(cluster: ClusterClientSettings, options: ClusterClientsOptions) {
    this.cluster = cluster;
    this.o = options;
    this.adminTimeoutMs = options.adminTimeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS;
  }

  /** The cluster alias. */
  get alias(): string {
    return this.cluster.alias;
  }

  /** The cluster's admin (created on first use; `close()` on it does nothing: the owner closes). */
  /**
   * A view over the same admin client whose requests each get at most `timeoutMs` (ms): for callers that
   * retry on their own and must not hold a shutdown for the whole `admin.timeout.ms` (the mirror task's checks).
   */
  adminView(timeoutMs: number): KafkaAdmin {
    return new KafkaAdmin(this.adminConnection(), { timeoutMs });
  }

  get admin(): KafkaAdmin {
    return (this.kafkaAdmin ??= new KafkaAdmin(this.adminConnection()));
  }

  /** The cluster's consumer groups, over the same admin client (`close()` on it does nothing). */
  get groups(): ConsumerGroups {
    return (this.consumerGroups ??= new ConsumerGroups(this.cluster, { clientId: `kafka-mirror-${this.alias}-groups`, connection: this.adminConnection() }));
  }

  /**
   * The producer for internal records on this cluster, connected on first call (concurrent callers share
   * it; a failed connect is retried by the next call). Throws MirrorError (KAFKA_ERROR / AUTH_FAILED).
   */
  internalSink(): Promise<RecordSink> {
    this.assertOpen();
    const connect = this.o.connectSink ?? ((cluster, clientId, logger) => RecordSink.connect(cluster, clientId, logger));
    this.sink ??= connect(this.cluster, `kafka-mirror-${this.alias}-internal`, this.o.logger.child({ component: 'internal-records', cluster: this.alias })).catch((err: unknown) => {
      this.sink = undefined;
      throw err;
    });
    return this.sink;
  }

  /**
   * kafkajs options for this cluster ({@link kafkajsConfig}, `requestTimeout` = admin.timeout.ms),
   * computed once. Throws ConfigError naming the key when a setting cannot be honoured by kafkajs.
   */
  kafkajsConfig(): KafkaConfig {
    return (this.kafkajsConf ??= kafkajsConfig(this.cluster, `kafka-mirror-${this.alias}-configs`, { requestTimeoutMs: this.adminTimeoutMs }));
  }

  /** The kafkajs admin (DescribeConfigs), connected on first call; none is opened unless asked. */
  kafkajsAdmin(): Promise<KafkajsAdmin> {
    this.assertOpen();
    this.kafkajs ??= (async () => {
      const admin = (this.o.createKafkajsAdmin ?? ((config) => new Kafka(config).admin()))(this.kafkajsConfig());
      await admin.connect();
      return admin;
    })().catch((err: unknown) => {
      this.kafkajs = undefined;
      throw err;
    });
    return this.kafkajs;
  }

  /**
   * The Kafka cluster ID (Metadata v2+ `ClusterId`, KIP-78: a base64url UUID fixed when the storage was
   * formatted), read once through the kafkajs admin — librdkafka's JS binding does not expose it
   * (confluent-kafka-javascript #451). Throws the client's error (a failed read is retried on the next call).
   */
  clusterId(): Promise<string> {
    this.clusterIdRead ??= this.kafkajsAdmin()
      .then(async (admin) => (await admin.describeCluster()).clusterId)
      .catch((err: unknown) => {
        this.clusterIdRead = undefined;
        throw err;
      });
    return this.clusterIdRead;
  }

  /** What is open now (for tests and the report of connections). */
  openClients(): { admin: boolean; internalProducer: boolean; kafkajsAdmin: boolean } {
    return { admin: this.connection !== undefined, internalProducer: this.sink !== undefined, kafkajsAdmin: this.kafkajs !== undefined };
  }

  /**
   * Closes every client opened here, once (idempotent; later calls wait for the first). Internal records
   * still pending after `sinkTimeoutMs` (their owners flushed already: the cluster is down) are dropped, logged.
   */
  close(sinkTimeoutMs = 1000): Promise<void> {
    return (this.closing ??= this.closeOnce(sinkTimeoutMs));
  }

  private async closeOnce(sinkTimeoutMs: number): Promise<void> {
    const sink = this.sink?.catch(() => undefined);
    const kafkajsAdmin = this.kafkajs?.catch(() => undefined);
    await Promise.all([
      sink?.then((s) => s?.close(sinkTimeoutMs)),
      kafkajsAdmin?.then((a) => a?.disconnect()).catch((err: unknown) => this.o.logger.warn({ err, cluster: this.alias }, `closing the kafkajs admin of ${this.alias} failed`)),
    ]);
    this.connection?.close();
  }

  private adminConnection(): AdminConnection {
    this.assertOpen();
    return (this.connection ??= new AdminConnection(adminConfig(this.cluster, `kafka-mirror-${this.alias}-admin`), {
      timeoutMs: this.adminTimeoutMs,
      createClient: this.o.createAdminClient,
      label: this.cluster,
    }));
  }

  private assertOpen(): void {
    if (this.closing) throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `the connections to ${this.alias} are closed`);
  }
}

/** The engine's {@link ClusterClients}, one per cluster alias (and settings). Close once at the end. */
export class ClusterConnections {
  private readonly o: Omit<ClusterClientsOptions, 'adminTimeoutMs'>;
  private readonly byKey = new Map<string, ClusterClients>();
  private closing: Promise<void> | undefined;

  constructor(options: Omit<ClusterClientsOptions, 'adminTimeoutMs'>) {
    this.o = options;
  }

  /** The shared clients of `cluster` with admin timeout `adminTimeoutMs` (ms; default 10 000), created on first call. */
  of(cluster: ClusterClientSettings, options: { adminTimeoutMs?: number } = {}): ClusterClients {
    if (this.closing) throw new MirrorError(ERROR_CODES.KAFKA_ERROR, `the connections to ${cluster.alias} are closed`);
    const key = connectionKey(cluster, options.adminTimeoutMs);
    let clients = this.byKey.get(key);
    if (!clients) {
      clients = new ClusterClients(cluster, { ...this.o, adminTimeoutMs: options.adminTimeoutMs });
      this.byKey.set(key, clients);
    }
    return clients;
  }

  /** Every set of clients handed out so far. */
  all(): readonly ClusterClients[] {
    return [...this.byKey.values()];
  }

  /** Closes every client of every cluster, once (idempotent). `sinkTimeoutMs`: see {@link ClusterClients.close}. */
  close(sinkTimeoutMs = 1000): Promise<void> {
    return (this.closing ??= Promise.all(this.all().map((c) => c.close(sinkTimeoutMs))).then(() => undefined));
  }
}

/** Identity of a set of clients: alias, admin timeout and every client setting (key order ignored), hashed (settings hold secrets). */
function connectionKey(cluster: ClusterClientSettings, adminTimeoutMs: number | undefined): string {
  const sorted = (m: Readonly<Record<string, string>>) => Object.keys(m).sort().map((k) => [k, m[k]]);
  const settings = JSON.stringify([cluster.bootstrapServers, adminTimeoutMs ?? null, sorted(cluster.client), sorted(cluster.consumer), sorted(cluster.producer), sorted(cluster.admin)]);
  return `${cluster.alias}\u0000${createHash('sha256').update(settings).digest('hex')}`;
}
