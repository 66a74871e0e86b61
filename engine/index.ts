/**
 * The public surface of kafka-mirror-engine (package.json `exports`): the engine and its config, the
 * failover API (`translateOffsets`, what MM2's RemoteClusterUtils.translateOffsets does) and the MM2
 * internal record formats. Everything else is internal; names are exported one by one on purpose.
 */
export { MirrorEngine, type EngineOptions, type EngineOutcome } from './mirror-engine.ts';
export { loadMirrorConfig, parseMirrorConfig, redactConfig, type ClusterConfig, type FlowConfig, type MirrorConfig, type ParsedMirrorConfig } from './config.ts';
export { createLogger, silentLogger, type Logger } from './logger.ts';
export { Telemetry, type ReplicationSummary } from './telemetry.ts';
export { ConfigError, DivergenceError, ERROR_CODES, EXIT_CODES, MirrorError, TruncationError, type ErrorCode } from './errors.ts';
export { translateOffsets, type TranslateOffsetsOptions, type TranslatedOffset } from './translate-offsets.ts';
export { decodeCheckpoint, encodeCheckpointKey, encodeCheckpointValue, type Checkpoint } from './checkpoint.ts';
export { decodeHeartbeat, encodeHeartbeatKey, encodeHeartbeatValue, type Heartbeat } from './heartbeat.ts';
export { decodeOffsetSync, encodeOffsetSyncKey, encodeOffsetSyncValue, type OffsetSync } from './offset-sync.ts';
export { createReplicationPolicy, type ReplicationPolicy } from './replication-policy.ts';
export { ownerTask, type TaskAssignment } from './task-assignment.ts';
