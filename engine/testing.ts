/**
 * `kafka-mirror-engine/testing` (package.json `exports`): the engine's own Kafka adapters and stores,
 * for the project's tooling — tests, scenarios, the benchmark, `npm run cleanup` and `npm run challenge`
 * — which drive clusters the way the engine does (DeleteRecords, topic admin, reading the progress and
 * internal topics, the librdkafka consumer loop). Not a stable API: it follows the engine's internals.
 * Names are exported one by one on purpose (no `export *`).
 */
export { KafkaAdmin, type PartitionOffsets, type TopicDescription, type TopicPartition } from './kafka/kafka-admin.ts';
export { readInternalTopic, type InternalRecord } from './kafka/internal-topics.ts';
export { connectConsumer, consumeBatch, disconnect } from './kafka/kafka-clients.ts';
export { ProgressStore, decodeProgress, type ProgressKey, type ProgressRecord } from './progress/progress-store.ts';
export { withGeneratedKeyTable } from './config/config-docs.ts';
export { ClusterConnections, type ClusterClients } from './kafka/cluster-connections.ts';
export { FailoverSupport } from './failover/failover-support.ts';
export type { MirrorTask } from './replicate/mirror-task.ts';
export type { EngineStatus, PartitionStatus } from './telemetry/engine-status.ts';
export { parseListeners, type ListenerAddress } from './config/listeners.ts';
export { METRICS } from './telemetry/prometheus-export.ts';
// The record-batch data path's parts (issue 16): for the batch-copy and exactly-once integration tests, the
// TLS test, the fixture generator and bench/batch-copy.ts.
export { BatchClient, type TopicLayout } from './kafka/batch/batch-client.ts';
export { BatchProducer } from './kafka/batch/batch-sink.ts';
export { batchRecordProducerFactory } from './kafka/batch/batch-record-producer.ts';
export { batchClientOptions } from './kafka/batch/batch-connection.ts';
export { copyPartition, type CopyPartitionOptions, type CopyPartitionResult } from './kafka/batch/batch-copier.ts';
export { decodeRecords, encodeBatch, type BatchRecord, type DecodedRecord } from './kafka/batch/batch-encoder.ts';
export { ISOLATION, type FetchPartitionResult } from './kafka/batch/batch-protocol.ts';
export { crc32c, crc32cTable, patchCrc32c } from './kafka/batch/crc32c.ts';
export { BATCH, compressionOf, copyRecords, readBatches, type BatchHeader } from './kafka/batch/record-batch.ts';
export { sourceConsumerFactory } from './kafka/source-consumer.ts';
export { targetProducerFactory } from './kafka/target-producer.ts';
export { type ClusterClientSettings } from './kafka/kafka-clients.ts';
// The Connect-style worker in-process (the integration test drives it with its own signal emitter).
export { runWorker, type WorkerOptions } from './connect/worker.ts';
export { groupMembershipFactory, type GroupMembership, type MembershipListener } from './kafka/group-membership.ts';
export { silentLogger } from './core/logger.ts';
