/**
 * Where a worker group keeps its connectors: two compacted single-partition topics on the worker's
 * `bootstrap.servers` cluster, with the record keys and value shapes of Kafka Connect's
 * `KafkaConfigBackingStore` / `KafkaStatusBackingStore` (apache/kafka `connect/runtime/.../storage/`), so
 * `kafka-console-consumer --property print.key=true` reads like a Connect cluster's:
 *
 * | topic | key | value |
 * |---|---|---|
 * | `config.storage.topic` | `connector-<name>` | `{"properties":{…connector config…}}`, tombstone on delete |
 * | `config.storage.topic` | `target-state-<name>` | `{"state":"STARTED"|"PAUSED","state.v2":"STARTED"|"PAUSED"|"STOPPED"}` |
 * | `status.storage.topic` | `status-connector-<name>`, `status-task-<name>-<id>` | `{"state":…,"trace":…,"worker_id":…,"generation":0}` |
 *
 * Only these records are written (no `task-…` / `commit-…` records): the topics are not shareable with a
 * real Connect cluster. Secrets in connector configs are stored as sent (as Connect does without config
 * providers): protect the topic with ACLs. Every write is flushed (acks=all) before the call resolves.
 */
import type { Logger } from '../core/logger.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { ClusterClients } from '../kafka/cluster-connections.ts';
import { ensureInternalTopic, readInternalTopic, untilSettled } from '../kafka/internal-topics.ts';
import type { WorkerConfig } from './worker-config.ts';

/** Connect's target states (`org.apache.kafka.connect.runtime.TargetState`; STARTED is shown as RUNNING). */
export type TargetState = 'RUNNING' | 'PAUSED' | 'STOPPED';

/** One connector as stored: its config (with `name`) and target state. */
export interface StoredConnector {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
  readonly targetState: TargetState;
}

/** A connector or task state as written to the status topic. */
export interface StoredStatus {
  readonly state: string;
  readonly trace: string | null;
  readonly workerId: string;
}

/** What the herder needs from the store; {@link KafkaConnectorStore} implements it, unit tests use a map. */
export interface ConnectorStore {
  /** Every connector in the config topic, by name. */
  readAll(): Promise<Map<string, StoredConnector>>;
  putConfig(name: string, config: Readonly<Record<string, string>>): Promise<void>;
  putTargetState(name: string, state: TargetState): Promise<void>;
  /** Tombstones the connector's config and target state (and its status records). */
  remove(name: string, taskIds: readonly number[]): Promise<void>;
  /** Writes the connector's status (`task` undefined) or a task's. */
  putStatus(name: string, task: number | undefined, status: StoredStatus): Promise<void>;
  /** The state cluster's id (Connect's `kafka_cluster_id`), null when it cannot be read. */
  clusterId(): Promise<string | null>;
  close(): Promise<void>;
}

/** The value of a `target-state-<name>` record (Connect writes `state` for old workers and `state.v2`). */
export function encodeTargetState(state: TargetState): Buffer {
  const v2 = state === 'RUNNING' ? 'STARTED' : state;
  return Buffer.from(JSON.stringify({ state: v2 === 'STOPPED' ? 'PAUSED' : v2, 'state.v2': v2 }));
}

/** Decodes a `target-state-<name>` value; unknown or malformed → RUNNING (Connect's default). */
export function decodeTargetState(value: Buffer): TargetState {
  try {
    const v = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
    const s = v['state.v2'] ?? v.state;
    return s === 'PAUSED' ? 'PAUSED' : s === 'STOPPED' ? 'STOPPED' : 'RUNNING';
  } catch {
    return 'RUNNING';
  }
}

/**
 * Replays config-topic records (key, value; null value = tombstone) in offset order into connectors.
 * A target state without a config (written first for `initial_state`) waits for it; a config without a
 * target state is RUNNING. Malformed configs are skipped.
 */
export function replayConfigRecords(records: Iterable<{ key: string; value: Buffer | null }>): Map<string, StoredConnector> {
  const configs = new Map<string, Record<string, string>>();
  const states = new Map<string, TargetState>();
  for (const { key, value } of records) {
    if (key.startsWith('connector-')) {
      const name = key.slice('connector-'.length);
      if (value === null) {
        configs.delete(name);
        states.delete(name);
        continue;
      }
      try {
        const props = (JSON.parse(value.toString('utf8')) as { properties?: unknown }).properties;
        if (props && typeof props === 'object') configs.set(name, Object.fromEntries(Object.entries(props).map(([k, v]) => [k, String(v)])));
      } catch {
        // not ours / malformed: skipped
      }
    } else if (key.startsWith('target-state-')) {
      const name = key.slice('target-state-'.length);
      if (value === null) states.delete(name);
      else states.set(name, decodeTargetState(value));
    }
  }
  return new Map([...configs].map(([name, config]) => [name, { name, config, targetState: states.get(name) ?? 'RUNNING' }]));
}

/** {@link ConnectorStore} on the worker's Kafka cluster. Create with {@link KafkaConnectorStore.open}. */
export class KafkaConnectorStore implements ConnectorStore {
  private readonly clients: ClusterClients;
  private readonly worker: WorkerConfig;
  private id: string | null | undefined;

  private constructor(worker: WorkerConfig, clients: ClusterClients) {
    this.worker = worker;
    this.clients = clients;
  }

  /** Creates the two topics when missing (compacted, 1 partition) and returns the store. Throws MirrorError on Kafka failures. */
  static async open(worker: WorkerConfig, logger: Logger): Promise<KafkaConnectorStore> {
    const clients = new ClusterClients(worker.cluster, { logger: logger.child({ component: 'connector-store' }) });
    const store = new KafkaConnectorStore(worker, clients);
    try {
      for (const [topic, rf] of [[worker.configTopic, worker.configReplicationFactor], [worker.statusTopic, worker.statusReplicationFactor]] as const) {
        const outcome = await ensureInternalTopic(clients.admin, topic, rf);
        if (outcome !== 'exists') logger.info({ component: 'connector-store', topic, outcome }, `Created ${topic} on the worker's cluster`);
      }
      // Only the config topic is read back (the status topic is written only; the producer waits for its leader).
      await untilSettled(() => clients.admin.partitionOffsets([{ topic: worker.configTopic, partition: 0 }]));
    } catch (err) {
      await clients.close();
      throw err;
    }
    return store;
  }

  async readAll(): Promise<Map<string, StoredConnector>> {
    const records: { key: string; value: Buffer | null }[] = [];
    await readInternalTopic(this.worker.cluster, this.worker.configTopic, (r) => {
      if (r.key) records.push({ key: r.key.toString('utf8'), value: r.value });
    }, { clientId: `kafka-mirror-worker-${this.worker.groupId}-config-reader`, admin: this.clients.admin, timeoutMs: 30_000 });
    return replayConfigRecords(records);
  }

  putConfig(name: string, config: Readonly<Record<string, string>>): Promise<void> {
    return this.write(this.worker.configTopic, [[`connector-${name}`, Buffer.from(JSON.stringify({ properties: config }))]]);
  }

  putTargetState(name: string, state: TargetState): Promise<void> {
    return this.write(this.worker.configTopic, [[`target-state-${name}`, encodeTargetState(state)]]);
  }

  async remove(name: string, taskIds: readonly number[]): Promise<void> {
    await this.write(this.worker.configTopic, [[`connector-${name}`, null], [`target-state-${name}`, null]]);
    await this.write(this.worker.statusTopic, [[`status-connector-${name}`, null], ...taskIds.map((t): [string, null] => [`status-task-${name}-${t}`, null])]);
  }

  putStatus(name: string, task: number | undefined, status: StoredStatus): Promise<void> {
    const key = task === undefined ? `status-connector-${name}` : `status-task-${name}-${task}`;
    return this.write(this.worker.statusTopic, [[key, Buffer.from(JSON.stringify({ state: status.state, trace: status.trace, worker_id: status.workerId, generation: 0 }))]]);
  }

  async clusterId(): Promise<string | null> {
    if (this.id !== undefined) return this.id;
    try {
      const admin = await this.clients.kafkajsAdmin();
      this.id = (await admin.describeCluster()).clusterId;
    } catch {
      this.id = null;
    }
    return this.id;
  }

  close(): Promise<void> {
    return this.clients.close(5000);
  }

  /** Sends `records` (null value: tombstone) to partition 0 of `topic` and waits for the acknowledgements. Throws MirrorError(DELIVERY_FAILED). */
  private async write(topic: string, records: [string, Buffer | null][]): Promise<void> {
    const sink = await this.clients.internalSink();
    const acks = records.map(([key, value]) => new Promise<void>((resolve, reject) => {
      const ok = sink.send(topic, Buffer.from(key), value, Date.now(), (err) => (err ? reject(new MirrorError(ERROR_CODES.DELIVERY_FAILED, `writing ${key} to ${topic} failed: ${err.message}`, { cause: err })) : resolve()));
      if (!ok) reject(new MirrorError(ERROR_CODES.DELIVERY_FAILED, `writing ${key} to ${topic} could not be enqueued`));
    }));
    await sink.flush(30_000);
    await Promise.all(acks);
  }
}
