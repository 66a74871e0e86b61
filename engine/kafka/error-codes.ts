/**
 * The Kafka error codes the engine acts on, in one table: Kafka protocol error codes (positive, as the
 * broker sends them; source: the "Error Codes" table of https://kafka.apache.org/protocol and
 * org.apache.kafka.common.protocol.Errors) and librdkafka's local error codes (negative, raised by the
 * client itself; source: `rd_kafka_resp_err_t` in librdkafka's src/rdkafka.h, exposed by
 * @confluentinc/kafka-javascript as `LibrdKafkaError.codes.ERR__*`). Both arrive as `err.code` of a
 * `LibrdKafkaError`; protocol errors pass through librdkafka unchanged.
 *
 * Local codes keep librdkafka's leading underscore (`_QUEUE_FULL` is `RD_KAFKA_RESP_ERR__QUEUE_FULL`),
 * so a reader can tell at a glance whether the broker or the client raised it. Decisions on these codes
 * (retry, fail fast) live in ./error-classifier.ts, not at the call sites.
 */
export const KAFKA_ERROR_CODES = {
  // ---- librdkafka local errors (rdkafka.h) ----
  /** -140: the consumer's position is out of range and `auto.offset.reset=error` forbids resetting it (truncation evidence). */
  _AUTO_OFFSET_RESET: -140,
  /** -175: rebalance event "assign these partitions" (rebalance callback, not an error). */
  _ASSIGN_PARTITIONS: -175,
  /** -174: rebalance event "revoke these partitions" (rebalance callback, not an error). */
  _REVOKE_PARTITIONS: -174,
  /** -156: no such entry, e.g. "No leaders found" for a topic created a moment ago. */
  _NOENT: -156,
  /** -150: the client raised a fatal error and is unusable (idempotent producer with `enable.gapless.guarantee`). */
  _FATAL: -150,
  /** -170: not implemented — e.g. a fetched batch's compression codec is missing from this librdkafka build. */
  _NOT_IMPLEMENTED: -170,
  /** -169: SASL (or SSL) authentication failed. */
  _AUTHENTICATION: -169,
  /** -184: the producer's local queue is full (`queue.buffering.max.messages` / `.kbytes`); back-pressure, nothing lost. */
  _QUEUE_FULL: -184,
  /** -185: a request or operation timed out locally. */
  _TIMED_OUT: -185,
  /** -187: every broker connection is down (e.g. the single broker is restarting). */
  _ALL_BROKERS_DOWN: -187,
  /** -188: the topic is unknown to the client's metadata. */
  _UNKNOWN_TOPIC: -188,
  /** -190: the partition is unknown to the client's metadata (e.g. the topic shrank or was recreated smaller). */
  _UNKNOWN_PARTITION: -190,
  /** -195: broker transport failure (connection dropped). */
  _TRANSPORT: -195,

  // ---- Kafka protocol errors (kafka.apache.org/protocol, Errors.java) ----
  /** 3: UNKNOWN_TOPIC_OR_PARTITION — the topic or partition does not exist on this broker. */
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  /** 5: LEADER_NOT_AVAILABLE — a leader election is in progress. */
  LEADER_NOT_AVAILABLE: 5,
  /** 6: NOT_LEADER_OR_FOLLOWER — the broker asked is not (or no longer) a replica leader for the partition. */
  NOT_LEADER_OR_FOLLOWER: 6,
  /** 7: REQUEST_TIMED_OUT — the request timed out on the broker. */
  REQUEST_TIMED_OUT: 7,
  /** 13: NETWORK_EXCEPTION — the server disconnected before a response was received. */
  NETWORK_EXCEPTION: 13,
  /** 14: COORDINATOR_LOAD_IN_PROGRESS — the group coordinator is loading its state. */
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  /** 15: COORDINATOR_NOT_AVAILABLE — the group coordinator is not available. */
  COORDINATOR_NOT_AVAILABLE: 15,
  /** 16: NOT_COORDINATOR — this broker is not the group's coordinator (it moved). */
  NOT_COORDINATOR: 16,
  /** 22: ILLEGAL_GENERATION — the commit's generation is not the group's current one. */
  ILLEGAL_GENERATION: 22,
  /** 23: INCONSISTENT_GROUP_PROTOCOL — the group's members use another protocol type or assignor (e.g. a Connect group of the same id). */
  INCONSISTENT_GROUP_PROTOCOL: 23,
  /** 24: INVALID_GROUP_ID — the group id is not valid. */
  INVALID_GROUP_ID: 24,
  /** 26: INVALID_SESSION_TIMEOUT — `session.timeout.ms` is outside the broker's `group.min/max.session.timeout.ms`. */
  INVALID_SESSION_TIMEOUT: 26,
  /** 25: UNKNOWN_MEMBER_ID — the member id is not known to the coordinator (also: an admin commit to a group with members). */
  UNKNOWN_MEMBER_ID: 25,
  /** 27: REBALANCE_IN_PROGRESS — the group is rebalancing. */
  REBALANCE_IN_PROGRESS: 27,
  /** 29: TOPIC_AUTHORIZATION_FAILED — not authorized to access the topic. */
  TOPIC_AUTHORIZATION_FAILED: 29,
  /** 30: GROUP_AUTHORIZATION_FAILED — not authorized to access the group. */
  GROUP_AUTHORIZATION_FAILED: 30,
  /** 31: CLUSTER_AUTHORIZATION_FAILED — not authorized for the cluster operation. */
  CLUSTER_AUTHORIZATION_FAILED: 31,
  /** 33: UNSUPPORTED_SASL_MECHANISM — the broker does not offer the configured SASL mechanism. */
  UNSUPPORTED_SASL_MECHANISM: 33,
  /** 36: TOPIC_ALREADY_EXISTS — CreateTopics for a topic that exists. */
  TOPIC_ALREADY_EXISTS: 36,
  /** 37: INVALID_PARTITIONS — e.g. CreatePartitions to a count the topic already has. */
  INVALID_PARTITIONS: 37,
  /** 38: INVALID_REPLICATION_FACTOR — more replicas asked for than the cluster has brokers. */
  INVALID_REPLICATION_FACTOR: 38,
  /** 41: NOT_CONTROLLER — the request went to a broker that is no longer the controller. */
  NOT_CONTROLLER: 41,
  /** 53: TRANSACTIONAL_ID_AUTHORIZATION_FAILED — not authorized to use the transactional id. */
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  /** 58: SASL_AUTHENTICATION_FAILED — the broker rejected the SASL credentials. */
  SASL_AUTHENTICATION_FAILED: 58,
  /** 74: FENCED_LEADER_EPOCH — the request's leader epoch is older than the broker's (the client's metadata is stale). */
  FENCED_LEADER_EPOCH: 74,
  /** 75: UNKNOWN_LEADER_EPOCH — the leader epoch is newer than the broker's (leadership still propagating). */
  UNKNOWN_LEADER_EPOCH: 75,
  /** 81: GROUP_MAX_SIZE_REACHED — the group has `group.max.size` members already. */
  GROUP_MAX_SIZE_REACHED: 81,
  /** 100: UNKNOWN_TOPIC_ID — the topic ID is not known (KIP-516): the topic was deleted. */
  UNKNOWN_TOPIC_ID: 100,
  /** 103: INCONSISTENT_TOPIC_ID — the topic ID does not match the topic's current one (it was recreated). */
  INCONSISTENT_TOPIC_ID: 103,
  /** 113: STALE_MEMBER_EPOCH — the member epoch is stale (KIP-848 consumer groups). */
  STALE_MEMBER_EPOCH: 113,
} as const;

/** Name of an entry of {@link KAFKA_ERROR_CODES}. */
export type KafkaErrorName = keyof typeof KAFKA_ERROR_CODES;
/** One of the codes of {@link KAFKA_ERROR_CODES}. */
export type KafkaErrorCode = (typeof KAFKA_ERROR_CODES)[KafkaErrorName];
