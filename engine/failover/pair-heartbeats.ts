/**
 * Heartbeats of a cluster pair whose replication is not enabled, as MM2 4.1.1 emits them: its
 * `MirrorMakerConfig.clusterPairs` starts a `MirrorHeartbeatConnector` for every ordered pair with
 * `emit.heartbeats.enabled`, enabled or not ("for a given replication flow A->B with heartbeats, 2
 * herders are required: B->A for the MirrorHeartbeatConnector (emits heartbeats into A for monitoring
 * replication health), A->B for the MirrorSourceConnector"). So a one-way `primary->standby` setup
 * writes `Heartbeat{sourceClusterAlias: standby, targetClusterAlias: primary}` to `heartbeats` on
 * PRIMARY every `emit.heartbeats.interval.seconds`; the flow mirrors that topic (heartbeats are mirrored
 * whatever `topics` says) to `primary.heartbeats` on standby, where a consumer sees the flow is alive.
 *
 * Unlike a flow, a pair never stops the engine: a cluster that refuses the topic or the records (a
 * read-only principal on the source, say) costs a warning and a retry, never the replication (MM2
 * reports the heartbeat connector FAILED and keeps the other connectors running).
 */
import type { HeartbeatPairConfig } from '../config/config.ts';
import type { Logger } from '../core/logger.ts';
import { KafkaAdmin } from '../kafka/kafka-admin.ts';
import { adminConfig } from '../kafka/kafka-clients.ts';
import { ensureInternalTopic } from '../kafka/internal-topics.ts';
import { RecordSink, type InternalRecordSink } from '../kafka/record-sink.ts';
import { HeartbeatEmitter } from './heartbeat-emitter.ts';
import type { ClusterConnections } from '../kafka/cluster-connections.ts';

/** First retry after a failed start, ms; doubles up to {@link MAX_RETRY_MS}. */
const FIRST_RETRY_MS = 5_000;
/** Longest wait between two start attempts, ms. */
const MAX_RETRY_MS = 300_000;

/** What {@link PairHeartbeats} needs to reach the pair's target cluster (the real ones by default; tests substitute). */
export interface PairHeartbeatsClients {
  /** Creates the heartbeats topic if missing (1 partition, compacted). */
  ensureTopic(pair: HeartbeatPairConfig): Promise<'exists' | 'created' | 'created-with-broker-default'>;
  /** A connected producer on the pair's target. */
  connectSink(pair: HeartbeatPairConfig, logger: Logger): Promise<ClosableSink>;
}

/** A producer of internal records that can be closed (RecordSink). */
export type ClosableSink = InternalRecordSink & { close(timeoutMs?: number): Promise<void> };

const realClients: PairHeartbeatsClients = {
  async ensureTopic(pair) {
    const admin = new KafkaAdmin(adminConfig(pair.target, `kafka-mirror-${pair.name}-heartbeats-admin`));
    try {
      return await ensureInternalTopic(admin, pair.heartbeatsTopic, pair.heartbeatsTopicReplicationFactor);
    } finally {
      admin.close();
    }
  },
  connectSink: (pair, logger) => RecordSink.connect(pair.target, `kafka-mirror-${pair.name}-heartbeats`, logger),
};

/**
 * Clients of heartbeat-only pairs taken from the engine's shared per-cluster connections (one admin and
 * one internal-record producer per cluster alias, engine/kafka/cluster-connections.ts): the pair's
 * `close()` leaves the shared producer to its owner. `adminTimeoutMs`: the flows' `admin.timeout.ms`, so the
 * pair shares the very clients a flow of the same cluster uses.
 */
export function sharedPairClients(connections: ClusterConnections, adminTimeoutMs?: number): PairHeartbeatsClients {
  return {
    ensureTopic: (pair) => ensureInternalTopic(connections.of(pair.target, { adminTimeoutMs }).admin, pair.heartbeatsTopic, pair.heartbeatsTopicReplicationFactor),
    async connectSink(pair) {
      const sink = await connections.of(pair.target, { adminTimeoutMs }).internalSink();
      return {
        send: (topic, key, value, timestampMs, onDelivery) => sink.send(topic, key, value, timestampMs, onDelivery),
        flush: (timeoutMs) => sink.flush(timeoutMs),
        close: async () => undefined,
      };
    },
  };
}

/**
 * Emits the heartbeats of one heartbeat-only pair. `start()` returns at once (the first attempt runs in
 * the background; failures are retried with backoff), `stop()` ends everything.
 */
export class PairHeartbeats {
  readonly pair: HeartbeatPairConfig;
  private readonly log: Logger;
  private readonly clients: PairHeartbeatsClients;
  private emitter: HeartbeatEmitter | undefined;
  private sink: ClosableSink | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(options: { pair: HeartbeatPairConfig; logger: Logger; clients?: PairHeartbeatsClients }) {
    this.pair = options.pair;
    this.log = options.logger.child({ component: 'heartbeats', pair: options.pair.name });
    this.clients = options.clients ?? realClients;
  }

  /** Heartbeats handed to the producer so far. */
  get heartbeatsSent(): number {
    return this.emitter?.heartbeatsSent ?? 0;
  }

  /** Whether heartbeats are being emitted (the topic exists and the producer is connected). */
  get emitting(): boolean {
    return this.emitter !== undefined;
  }

  /** Starts emitting in the background. Idempotent. */
  start(): void {
    if (this.stopped || this.attempt || this.emitter) return;
    this.attempt = this.tryStart().finally(() => (this.attempt = undefined));
  }

  /**
   * Stops the heartbeats and closes the producer. Idempotent. Does not wait for a start attempt in
   * progress (against a cluster that is down it can take the client's timeouts): that attempt closes
   * what it opened once it sees the stop.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.emitter?.stop();
    this.emitter = undefined;
    await this.sink?.close(1000);
    this.sink = undefined;
  }

  private async tryStart(): Promise<void> {
    const pair = this.pair;
    let sink: ClosableSink | undefined;
    try {
      const outcome = await this.clients.ensureTopic(pair);
      if (outcome !== 'exists') this.log.info({ topic: pair.heartbeatsTopic, cluster: pair.targetAlias, outcome }, `Created ${pair.heartbeatsTopic} on ${pair.targetAlias}`);
      if (this.stopped) return;
      sink = await this.clients.connectSink(pair, this.log);
    } catch (err) {
      this.failures++;
      const retryMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1));
      const fields = { event: 'heartbeats_unavailable', topic: pair.heartbeatsTopic, cluster: pair.targetAlias, retryMs, err: (err as Error).message };
      const msg = `Cannot emit heartbeats ${pair.name} to ${pair.heartbeatsTopic} on ${pair.targetAlias} (retry in ${retryMs} ms; '${pair.name}.emit.heartbeats.enabled = false' turns them off): ${(err as Error).message}`;
      if (this.failures === 1) this.log.warn(fields, msg);
      else this.log.debug(fields, msg);
      if (!this.stopped) {
        this.retryTimer = setTimeout(() => this.start(), retryMs);
        this.retryTimer.unref();
      }
      return;
    }
    if (this.stopped) {
      await sink.close(0);
      return;
    }
    this.sink = sink;
    this.emitter = new HeartbeatEmitter({
      sourceAlias: pair.sourceAlias,
      targetAlias: pair.targetAlias,
      topic: pair.heartbeatsTopic,
      intervalMs: pair.emitHeartbeatsIntervalMs,
      sink,
      logger: this.log,
    });
    this.emitter.start();
  }
}
