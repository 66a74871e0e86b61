/**
 * The client ports of one mirror task and their librdkafka-backed defaults: a source and a target admin,
 * factories for the source consumer and the target producer (a new consumer per topic incarnation,
 * see mirror-task.ts), optionally for the flow's group membership on the target (group-membership.ts),
 * and — with `data.path = batches` — the batch path's raw Fetch / Produce ends. The runtime builds them;
 * a unit test passes fakes instead.
 */
import { KafkaAdmin } from './kafka-admin.ts';
import { adminConfig, type ClusterClientSettings } from './kafka-clients.ts';
import type { SourceAdminPort, TargetAdminPort } from './admin-ports.ts';
import { sourceConsumerFactory, type SourceConsumerFactory } from './source-consumer.ts';
import { targetProducerFactory, type TargetProducerFactory } from './target-producer.ts';
import type { TransactionalSettings } from './target-transactions.ts';
import { BatchClient } from './batch/batch-client.ts';
import { batchClientOptions } from './batch/batch-connection.ts';
import { BatchFetcher, type BatchSource } from './batch/batch-source.ts';
import { BatchProducer, type BatchSink } from './batch/batch-sink.ts';
import { batchRecordProducerFactory } from './batch/batch-record-producer.ts';

/** The two ends of the batch data path (`data.path = batches`): raw Fetch on the source, raw Produce on the target. Not connected yet. */
export interface BatchEndpoints {
  readonly source: BatchSource;
  readonly sink: BatchSink;
}
import { groupMembershipFactory, type GroupMembershipFactory, type MembershipSettings } from './group-membership.ts';
import type { Logger } from '../core/logger.ts';

/** Everything a mirror task talks to Kafka through. The task takes ownership: it closes both admins when it stops. */
export interface MirrorTaskClients {
  readonly sourceAdmin: SourceAdminPort;
  readonly targetAdmin: TargetAdminPort;
  readonly createSourceConsumer: SourceConsumerFactory;
  readonly createTargetProducer: TargetProducerFactory;
  /** With `data.path = batches`: builds the batch path's source and sink (engine/kafka/batch/). Throws ConfigError for client settings it cannot honour. */
  readonly createBatchEndpoints?: (() => BatchEndpoints) | undefined;
  /** Joins the flow's group: the task then mirrors only what the group assigns it. Absent: the whole flow. */
  readonly createMembership?: GroupMembershipFactory | undefined;
}

/** What the default clients need from a flow's config (FlowConfig satisfies it). */
export interface MirrorTaskClientSettings {
  /** Flow name, e.g. `primary->standby`: client ids are `kafka-mirror-<name>[-source-admin|-target-admin]`. */
  readonly name: string;
  readonly source: ClusterClientSettings;
  readonly target: ClusterClientSettings;
  readonly isolationLevel: 'read_committed' | 'read_uncommitted';
  /** `data.path` (`batches` adds {@link MirrorTaskClients.createBatchEndpoints}; absent: `records`). */
  readonly dataPath?: 'records' | 'batches';
}

/** Exactly-once: the target producer is transactional with these settings (engine/kafka/target-transactions.ts). */
export type MirrorTaskTransactions = TransactionalSettings;

/**
 * The librdkafka clients of one flow's mirror task (consumer, producer and group membership on demand).
 * `admins`: the shared per-cluster admins (engine/kafka/cluster-connections.ts) — without them the task
 * gets two admins of its own, created now. `membership`: the flow's group settings; without them the
 * task mirrors the whole flow (no group). `transactional`: exactly-once (a transactional target producer; with
 * `data.path = batches` the batch sink's transactional identity, which the record path writes through too, and a
 * membership that tracks its member id and generation for TxnOffsetCommit).
 */
export function createMirrorTaskClients(
  settings: MirrorTaskClientSettings,
  admins: { sourceAdmin?: SourceAdminPort; targetAdmin?: TargetAdminPort } = {},
  membership?: { settings: MembershipSettings; logger: Logger },
  transactional?: MirrorTaskTransactions,
): MirrorTaskClients {
  const clientId = `kafka-mirror-${settings.name}`;
  // Exactly-once on the batch path: one transactional identity for the batches, the record path and the internal
  // records (engine/kafka/batch/batch-record-producer.ts), so the record path's producer is the batch sink too.
  const transactionalBatches = transactional !== undefined && settings.dataPath === 'batches';
  let batchSink: BatchProducer | undefined;
  const sink = (): BatchProducer => (batchSink ??= new BatchProducer(new BatchClient(batchClientOptions(settings.target, `${clientId}-batch-target`)), transactionalBatches ? transactional : undefined));
  return {
    sourceAdmin: admins.sourceAdmin ?? new KafkaAdmin(adminConfig(settings.source, `${clientId}-source-admin`), { label: settings.source }),
    targetAdmin: admins.targetAdmin ?? new KafkaAdmin(adminConfig(settings.target, `${clientId}-target-admin`), { label: settings.target }),
    createSourceConsumer: sourceConsumerFactory(settings.source, clientId, settings.isolationLevel),
    createTargetProducer: transactionalBatches ? batchRecordProducerFactory(sink) : targetProducerFactory(settings.target, clientId, transactional),
    createBatchEndpoints: settings.dataPath === 'batches'
      ? () => ({
          source: new BatchFetcher(new BatchClient(batchClientOptions(settings.source, `${clientId}-batch-source`)), settings.isolationLevel === 'read_committed'),
          sink: sink(),
        })
      : undefined,
    createMembership: membership && groupMembershipFactory(settings.target, `${clientId}-group`, transactionalBatches ? { ...membership.settings, trackMemberMetadata: true } : membership.settings, membership.logger),
  };
}
