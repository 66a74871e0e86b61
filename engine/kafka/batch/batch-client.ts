/**
 * Connections of the batch data path to one cluster, on @platformatic/kafka's `Connection` (framing,
 * pipelining up to `maxInflights` requests per connection, SASL PLAIN/SCRAM/OAUTHBEARER, TLS) for the
 * bootstrap broker and for leaders of SASL / TLS clusters, on ./wire-connection.ts (the same framing, requests
 * written as chunk lists without a join) for leaders of plaintext clusters: one connection per broker,
 * partition leaders and topic IDs from Metadata v12, an idempotent producer id from InitProducerId v5
 * (KIP-98), and the raw Fetch / Produce of ./batch-protocol.ts. No retries here: callers get Kafka error
 * codes per partition and decide (the record path's retry rules apply).
 */
import { Connection, findCoordinatorV4, initProducerIdV5, metadataV12, apiVersionsV3, type ConnectionOptions } from '@platformatic/kafka';
import { ERROR_CODES, MirrorError } from '../../core/errors.ts';
import { fetchRawV17, produceRawV11, type FetchRequestBody, type FetchResult, type ProducePartitionResult, type ProduceRequestBody } from './batch-protocol.ts';
import { WireConnection } from './wire-connection.ts';
import { causeChain, tlsTrustFailureCode } from './connection-failure.ts';

/** Options of a {@link BatchClient}. `connection` carries SASL / TLS and timeouts (never logged). */
export interface BatchClientOptions {
  /** `host:port[,host:port]`. */
  bootstrap: string;
  clientId: string;
  connection?: ConnectionOptions;
}

/**
 * The library's `Connection` for direct use (bootstrap, and leaders of SASL / TLS clusters). Outside its
 * ConnectionPool nobody listens to the `'error'` event it emits when its socket fails after connecting — a
 * broker restart can reset the socket (ECONNRESET) — and an `'error'` event without a listener ends the
 * process (seen in a chaos run: `internal_error` "Connection error: read ECONNRESET"). Requests in flight fail
 * through their callbacks at the `'close'` that follows, and the batch path reopens failed connections
 * (./batch-source.ts `reconnect`, BatchClient.dropConnection), so the listener only has to exist.
 */
export function libraryConnection(clientId: string, options?: ConnectionOptions): Connection {
  const c = new Connection(clientId, options);
  c.on('error', () => undefined);
  return c;
}

/** Leader and topic ID of a topic's partitions, from Metadata. */
export interface TopicLayout {
  topic: string;
  /** Kafka's topic ID as a dashed UUID string (the library's form; the CLI tools print base64url). */
  topicId: string;
  partitions: { partition: number; leaderId: number; leaderEpoch: number }[];
}

/** A Kafka error code in a response where no partition-level handling applies (metadata, init producer id). */
export class BatchProtocolError extends MirrorError {
  /** Kafka error code (protocol doc "Error Codes"). */
  readonly errorCode: number;
  /** The API that answered it, e.g. `InitProducerId`. */
  readonly api: string;

  constructor(api: string, errorCode: number, detail: string) {
    super(ERROR_CODES.KAFKA_ERROR, `${api} failed with Kafka error code ${errorCode}: ${detail}`);
    this.api = api;
    this.errorCode = errorCode;
  }
}

/**
 * A connection to a partition leader: {@link WireConnection} (requests written as chunk lists, no join) for
 * plaintext clusters, the library's `Connection` when SASL or TLS is configured (its SASL exchange, KIP-368
 * re-authentication and TLS are not re-implemented).
 */
export type LeaderConnection = Connection | WireConnection;

/** The library's API functions only call `connection.send` (`createAPI` in @platformatic/kafka `apis/definitions.js`), which both kinds implement alike. */
function asApiConnection(c: LeaderConnection): Connection {
  return c as Connection;
}

/** Lowest Fetch version that addresses topics by ID (KIP-516) and the versions this module speaks. */
const REQUIRED = [
  { api: 'Fetch', key: 1, version: 17 },
  { api: 'Produce', key: 0, version: 11 },
  { api: 'InitProducerId', key: 22, version: 5 },
  { api: 'Metadata', key: 3, version: 12 },
] as const;

/**
 * One cluster as the batch path sees it. Invariant: at most one Connection (open or opening) per broker node id;
 * `brokers` is refreshed by every {@link metadata} call.
 */
export class BatchClient {
  private readonly options: BatchClientOptions;
  private readonly connections = new Map<number, Promise<LeaderConnection>>();
  private brokers = new Map<number, { host: string; port: number }>();
  private bootstrapConnection: Connection | undefined;
  /** `keyType\0key` → coordinator node id (FindCoordinator), until {@link forgetCoordinator}. */
  private readonly coordinators = new Map<string, number>();

  constructor(options: BatchClientOptions) {
    this.options = options;
  }

  /**
   * Connects to the first reachable bootstrap broker and checks that it speaks Fetch v17, Produce v11,
   * InitProducerId v5 and Metadata v12 (Kafka ≥ 3.9 brokers do). Throws BatchProtocolError otherwise; when no
   * broker answers, MirrorError with the last failure's cause chain — AUTH_FAILED for an untrusted broker
   * certificate (./connection-failure.ts), KAFKA_ERROR for anything else.
   */
  async connect(): Promise<void> {
    let lastError: unknown;
    for (const hostPort of this.options.bootstrap.split(',')) {
      const [host, port] = splitHostPort(hostPort);
      const c = libraryConnection(this.options.clientId, this.options.connection);
      try {
        await c.connect(host, port);
        const versions = await apiVersionsV3.api.async(c, 'kafka-mirror-engine', '0');
        for (const need of REQUIRED) {
          const have = versions.apiKeys.find((k) => k.apiKey === need.key);
          if (!have || have.maxVersion < need.version || have.minVersion > need.version) {
            throw new BatchProtocolError('ApiVersions', 35, `${need.api} v${need.version} not supported by ${hostPort} (has ${have ? `v${have.minVersion}-v${have.maxVersion}` : 'none'})`);
          }
        }
        this.bootstrapConnection = c;
        return;
      } catch (err) {
        lastError = err;
        await c.close().catch(() => undefined);
        if (err instanceof BatchProtocolError) throw err;
      }
    }
    // The library's NetworkError says only "Connection to … failed."; the reason (refused, TLS) is in its cause.
    const code = tlsTrustFailureCode(lastError) !== undefined ? ERROR_CODES.AUTH_FAILED : ERROR_CODES.KAFKA_ERROR;
    throw new MirrorError(code, `no bootstrap broker of ${this.options.bootstrap} answered: ${causeChain(lastError)}`, { cause: lastError });
  }

  /** Leaders and topic IDs of `topics` (Metadata v12). Throws BatchProtocolError on a topic-level error. */
  async metadata(topics: readonly string[]): Promise<TopicLayout[]> {
    const c = this.requireBootstrap();
    const res = await metadataV12.api.async(c, [...topics], false, false);
    this.brokers = new Map(res.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]));
    return res.topics.map((t) => {
      if (t.errorCode !== 0) throw new BatchProtocolError('Metadata', t.errorCode, `topic ${t.name}`);
      return {
        topic: t.name ?? '',
        topicId: t.topicId,
        partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch })).sort((a, b) => a.partition - b.partition),
      };
    });
  }

  /**
   * A new idempotent producer identity (InitProducerId v5 without transactional id). Retries
   * COORDINATOR_LOAD_IN_PROGRESS (14) and COORDINATOR_NOT_AVAILABLE (15) — a freshly started broker
   * answers them while it allocates producer id blocks — with backoff until `timeoutMs`; throws
   * BatchProtocolError for any other error code or when the time is up.
   */
  async initProducerId(timeoutMs = 30_000): Promise<{ producerId: number; producerEpoch: number }> {
    const deadline = Date.now() + timeoutMs;
    for (let backoffMs = 50; ; backoffMs = Math.min(backoffMs * 2, 1000)) {
      let errorCode: number;
      try {
        const res = await initProducerIdV5.api.async(this.requireBootstrap(), null, 2147483647, -1n, -1);
        if (res.errorCode === 0) return { producerId: Number(res.producerId), producerEpoch: res.producerEpoch };
        errorCode = res.errorCode;
      } catch (err) {
        // the library throws its ResponseError for a non-zero error code, the response attached
        errorCode = (err as { response?: { errorCode?: number } }).response?.errorCode ?? -1;
        if (errorCode === -1) throw err;
      }
      if ((errorCode !== 14 && errorCode !== 15) || Date.now() + backoffMs > deadline) {
        throw new BatchProtocolError('InitProducerId', errorCode, 'idempotent producer id');
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
    }
  }

  /**
   * The connection to the coordinator of `key`: keyType 0 a consumer group, 1 a `transactional.id`
   * (FindCoordinator v4, KIP-699; the coordinator is the leader of the `__consumer_offsets` /
   * `__transaction_state` partition the key hashes to). Cached until {@link forgetCoordinator}. Throws
   * BatchProtocolError with the Kafka code (14 COORDINATOR_LOAD_IN_PROGRESS, 15 COORDINATOR_NOT_AVAILABLE: retriable),
   * or what the connection throws.
   */
  async coordinatorConnection(keyType: 0 | 1, key: string): Promise<Connection> {
    const cacheKey = `${keyType}\0${key}`;
    let nodeId = this.coordinators.get(cacheKey);
    if (nodeId === undefined) {
      let coordinator: { nodeId: number; host: string; port: number; errorCode: number } | undefined;
      try {
        [coordinator] = (await findCoordinatorV4.api.async(this.requireBootstrap(), keyType, [key])).coordinators;
      } catch (err) {
        coordinator = (err as { response?: { coordinators?: typeof coordinator[] } }).response?.coordinators?.[0];
        if (!coordinator) throw err;
      }
      if (!coordinator || coordinator.errorCode !== 0) throw new BatchProtocolError('FindCoordinator', coordinator?.errorCode ?? -1, `${keyType === 0 ? 'group' : 'transactional id'} ${key}`);
      nodeId = coordinator.nodeId;
      if (!this.brokers.has(nodeId)) this.brokers.set(nodeId, { host: coordinator.host, port: coordinator.port });
      this.coordinators.set(cacheKey, nodeId);
    }
    return asApiConnection(await this.connectionTo(nodeId));
  }

  /** The coordinator of `key` answered NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE or its connection failed: look it up again next time. */
  forgetCoordinator(keyType: 0 | 1, key: string, connectionFailed = false): void {
    const cacheKey = `${keyType}\0${key}`;
    const nodeId = this.coordinators.get(cacheKey);
    this.coordinators.delete(cacheKey);
    if (connectionFailed && nodeId !== undefined) this.dropConnection(nodeId);
  }

  /** Raw Fetch v17 to broker `nodeId` (the partitions' leader). */
  async fetch(nodeId: number, body: FetchRequestBody): Promise<FetchResult> {
    return fetchRawV17.async(asApiConnection(await this.connectionTo(nodeId)), body);
  }

  /** Raw Produce v11 to broker `nodeId` (the partitions' leader). */
  async produce(nodeId: number, body: ProduceRequestBody): Promise<ProducePartitionResult[]> {
    return produceRawV11.async(asApiConnection(await this.connectionTo(nodeId)), body);
  }

  /** The open connection to broker `nodeId` (opened on first use). Rejects when it cannot connect. */
  connection(nodeId: number): Promise<LeaderConnection> {
    return this.connectionTo(nodeId);
  }

  /**
   * Raw Produce v11 on `connection`, written to its socket before this returns (requests issued one after
   * the other on one connection reach the broker in that order, which handles them in order: idempotent
   * sequences stay in order). The promise is the response.
   */
  produceOn(connection: LeaderConnection, body: ProduceRequestBody): Promise<ProducePartitionResult[]> {
    return produceRawV11.async(asApiConnection(connection), body);
  }

  /** Closes the connection to broker `nodeId` (after a request on it failed): the next request opens a new one. */
  dropConnection(nodeId: number): void {
    const open = this.connections.get(nodeId);
    this.connections.delete(nodeId);
    open?.then((c) => c.close()).catch(() => undefined);
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    const all = [...this.connections.values(), ...(this.bootstrapConnection ? [Promise.resolve(this.bootstrapConnection)] : [])];
    this.connections.clear();
    this.bootstrapConnection = undefined;
    await Promise.all(all.map((c) => c.then((open) => open.close()).catch(() => undefined)));
  }

  private requireBootstrap(): Connection {
    if (!this.bootstrapConnection) throw new MirrorError(ERROR_CODES.KAFKA_ERROR, 'BatchClient used before connect()');
    return this.bootstrapConnection;
  }

  /** The connection to broker `nodeId`; concurrent callers share one connect (a request sent while it is still connecting would fail). */
  private connectionTo(nodeId: number): Promise<LeaderConnection> {
    const open = this.connections.get(nodeId);
    if (open) return open;
    const broker = this.brokers.get(nodeId);
    if (!broker) return Promise.reject(new MirrorError(ERROR_CODES.KAFKA_ERROR, `broker ${nodeId} unknown: call metadata() first`));
    const o = this.options.connection;
    const c: LeaderConnection = o?.sasl || o?.tls || o?.ssl ? libraryConnection(this.options.clientId, o) : new WireConnection(this.options.clientId, { connectTimeout: o?.connectTimeout, requestTimeout: o?.requestTimeout, maxInflights: o?.maxInflights });
    const connected = (async () => {
      await c.connect(broker.host, broker.port);
      return c;
    })();
    this.connections.set(nodeId, connected);
    connected.catch(() => this.connections.delete(nodeId));
    return connected;
  }
}

function splitHostPort(hostPort: string): [string, number] {
  const i = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, i), Number(hostPort.slice(i + 1))];
}
