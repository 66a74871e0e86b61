/**
 * The public surface of kafka-mirror-engine (package.json `exports`): the engine and its config, the
 * failover API (`translateOffsets`, what MM2's RemoteClusterUtils.translateOffsets does) and the MM2
 * internal record formats. Everything else is internal; names are exported one by one on purpose.
 */
export { MirrorEngine, flowGroupId, type EngineOptions, type EngineOutcome } from './runtime/mirror-engine.ts';
export { loadMirrorConfig, parseMirrorConfig, redactConfig, type ClusterConfig, type FlowConfig, type HeartbeatPairConfig, type MirrorConfig, type ParsedMirrorConfig } from './config/config.ts';
export { createLogger, silentLogger, type Logger } from './core/logger.ts';
export { Telemetry, type ReplicationSummary } from './telemetry/telemetry.ts';
export { ConfigError, DivergenceError, ERROR_CODES, EXIT_CODES, MirrorError, RecordRejectedError, TruncationError, type ErrorCode, type RecordRejection } from './core/errors.ts';
export { translateOffsets, type TranslateOffsetsOptions, type TranslatedOffset } from './failover/translate-offsets.ts';
export { decodeCheckpoint, encodeCheckpointKey, encodeCheckpointValue, type Checkpoint } from './mm2/checkpoint.ts';
export { decodeHeartbeat, encodeHeartbeatKey, encodeHeartbeatValue, type Heartbeat } from './mm2/heartbeat.ts';
export { decodeOffsetSync, encodeOffsetSyncKey, encodeOffsetSyncValue, type OffsetSync } from './mm2/offset-sync.ts';
export { createReplicationPolicy, type ReplicationPolicy } from './mm2/replication-policy.ts';
export { ClusterUnreachableError, type ClusterHealthSettings, type ClusterHealthView } from './kafka/cluster-health.ts';
