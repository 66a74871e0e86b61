/**
 * Loop-safe active-active replication: the provenance header `kafka-mirror.origin`.
 *
 * With IdentityReplicationPolicy a remote topic keeps its source name, so with both `A->B` and `B->A`
 * enabled every record would be mirrored back to where it came from, and on again, forever: MM2 does no
 * cycle detection there (`MirrorSourceConnector.isCycle` only looks at topic names; apache/kafka#10652,
 * KAFKA-9726 discussion). This engine marks what it mirrors instead:
 * - every record a flow writes to its target gets the header {@link PROVENANCE_HEADER} = the Kafka
 *   cluster ID (KIP-78) of the cluster the record was first written to — the flow's source, unless the
 *   record already carries the header, which is then kept as it is (a multi-hop chain A→B→C→A still
 *   knows the record came from A);
 * - a flow never mirrors a record whose header names its TARGET cluster: the record is a copy of one the
 *   target already has. It is passed over like a compaction gap: the partition's position moves past it
 *   (progress, lag), no offset sync is emitted for it, so a group offset inside a run of such records
 *   translates to the next record that was mirrored (engine/mm2/offset-translation.ts, `next-sync` /
 *   `mirrored-end`: exact). Each is counted (`kafka_mirror_provenance_skipped_records_total`) and the first
 *   one of each partition is logged at info (`provenance_loop_skipped`).
 *
 * Why the cluster ID and not the cluster alias: an alias is a name in one engine's mm2.properties. Two
 * engines of an active-active pair (one per data centre) may call the same cluster differently
 * (`dc1` / `primary`), and an alias renamed in a later config would turn every record mirrored before the
 * rename into a stranger that is mirrored back. The cluster ID is the cluster's own, the same for every
 * client, and fixed for its lifetime. Cost: one DescribeCluster (Metadata) request per cluster at start.
 *
 * The header is added on the record path (librdkafka produces each record again). A byte-exact
 * record-batch data path cannot add a header to a forwarded batch without rebuilding it (new records,
 * new CRC-32C): with the header on, that path has to rebuild the batch or hand such partitions to the
 * record path. A record that already carries the header (a multi-hop copy) is forwarded unchanged.
 *
 * When it is on (`replication.provenance.header.enabled`, default `auto`): where topic names cannot tell a
 * copy from an original — this flow or its reverse flow uses IdentityReplicationPolicy. With
 * DefaultReplicationPolicy on both sides the remote names (`primary.commit-log`) already stop cycles and
 * records stay byte-identical (DESIGN.md invariant 2). `false` turns it off everywhere (no header, no skip).
 */
import type { Logger } from '../core/logger.ts';
import type { ReplicationPolicy } from '../mm2/replication-policy.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';
import type { RecordHeader, SourceRecord } from '../kafka/source-consumer.ts';
import type { PartitionState } from '../partitions/partition-state.ts';

/** Name of the provenance header; its value is the UTF-8 Kafka cluster ID of the record's origin cluster. */
export const PROVENANCE_HEADER = 'kafka-mirror.origin';

/** What {@link provenanceEnabled} reads of a flow (FlowConfig satisfies it). */
export interface ProvenanceFlowSettings {
  readonly name: string;
  readonly sourceAlias: string;
  readonly targetAlias: string;
  readonly replicationPolicy: ReplicationPolicy;
  /** `replication.provenance.header.enabled`: `auto`, `true` or `false`. */
  readonly provenanceHeader: 'auto' | 'true' | 'false';
}

/**
 * Whether `flow` stamps and checks the provenance header: `true` / `false` as set; `auto` when `flow` or its
 * reverse flow among `flows` (`B->A` for `A->B`) uses IdentityReplicationPolicy (`className` ends in
 * `IdentityReplicationPolicy`), where names cannot detect cycles.
 */
export function provenanceEnabled(flow: ProvenanceFlowSettings, flows: readonly ProvenanceFlowSettings[]): boolean {
  if (flow.provenanceHeader !== 'auto') return flow.provenanceHeader === 'true';
  const identity = (f: ProvenanceFlowSettings) => f.replicationPolicy.className.endsWith('IdentityReplicationPolicy');
  const reverse = flows.find((f) => f.sourceAlias === flow.targetAlias && f.targetAlias === flow.sourceAlias);
  return identity(flow) || (reverse !== undefined && identity(reverse));
}

/** Where skipped records are counted (Telemetry satisfies it): one per record, with the flow and SOURCE topic. */
export interface ProvenanceTelemetry {
  recordProvenanceSkipped(attributes: { flow: string; topic: string }, partition: number): void;
}

/** Options of {@link Provenance}. Cluster IDs as the brokers report them (base64url, 22 characters). */
export interface ProvenanceOptions {
  /** Flow name, e.g. `primary->standby` (log field, telemetry attribute). */
  flow: string;
  /** Cluster ID of the flow's source: the origin of records that carry no header yet. */
  sourceClusterId: string;
  /** Cluster ID of the flow's target: records whose origin it is are never mirrored there. */
  targetClusterId: string;
  logger: Logger;
  telemetry?: ProvenanceTelemetry | undefined;
}

/**
 * The provenance rule of one flow (see the module doc). Per record: a scan of the record's headers (an
 * array of one-key objects, usually a handful) and, for a record mirrored without the header, one new
 * record object with one more header.
 */
export class Provenance {
  readonly flow: string;
  readonly sourceClusterId: string;
  readonly targetClusterId: string;
  private readonly stampHeader: RecordHeader;
  private readonly targetId: Buffer;
  private readonly log: Logger;
  private readonly telemetry: ProvenanceTelemetry | undefined;
  /** `topic-partition` → records skipped there since start. */
  private readonly skippedByPartition = new Map<string, number>();
  private readonly attributes = new Map<string, { flow: string; topic: string }>();

  constructor(o: ProvenanceOptions) {
    if (o.sourceClusterId === o.targetClusterId) throw new Error(`flow ${o.flow}: source and target are the same Kafka cluster (${o.sourceClusterId})`);
    this.flow = o.flow;
    this.sourceClusterId = o.sourceClusterId;
    this.targetClusterId = o.targetClusterId;
    this.stampHeader = Object.freeze({ [PROVENANCE_HEADER]: Buffer.from(o.sourceClusterId, 'utf8') });
    this.targetId = Buffer.from(o.targetClusterId, 'utf8');
    this.log = o.logger;
    this.telemetry = o.telemetry;
  }

  /** Records skipped since start, per `topic-partition`. */
  get skipped(): ReadonlyMap<string, number> {
    return this.skippedByPartition;
  }

  /** The value of the record's first {@link PROVENANCE_HEADER} header, or undefined. */
  static originOf(record: Pick<SourceRecord, 'headers'>): Buffer | string | undefined {
    const headers = record.headers;
    if (headers === undefined) return undefined;
    for (let i = 0; i < headers.length; i++) {
      const value = headers[i]![PROVENANCE_HEADER];
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** Whether the record came from this flow's target cluster (mirroring it would loop). */
  comesFromTarget(record: Pick<SourceRecord, 'headers'>): boolean {
    const origin = Provenance.originOf(record);
    if (origin === undefined) return false;
    return typeof origin === 'string' ? origin === this.targetClusterId : this.targetId.equals(origin);
  }

  /** The record as it is produced to the target: unchanged when it carries the header, else with the header appended (value: the source cluster ID). */
  stamp(record: SourceRecord): SourceRecord {
    if (Provenance.originOf(record) !== undefined) return record;
    return { topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, value: record.value, timestamp: record.timestamp, headers: [...(record.headers ?? []), this.stampHeader] };
  }

  /** Counts a record passed over at upstream `offset` of `state`; the first one of each partition gets an info line. */
  onSkipped(state: PartitionState, offset: number): void {
    const key = state.key;
    const before = this.skippedByPartition.get(key) ?? 0;
    this.skippedByPartition.set(key, before + 1);
    let attributes = this.attributes.get(state.topic);
    if (attributes === undefined) this.attributes.set(state.topic, (attributes = { flow: this.flow, topic: state.topic }));
    this.telemetry?.recordProvenanceSkipped(attributes, state.partition);
    if (before === 0) {
      this.log.info(
        { event: 'provenance_loop_skipped', topic: state.topic, partition: state.partition, offset, header: PROVENANCE_HEADER, origin: this.targetClusterId },
        `Not mirroring ${key}@${offset} and later records of ${key} that came from the target cluster (${PROVENANCE_HEADER} = ${this.targetClusterId}): they would loop; skipped records are counted in kafka_mirror_provenance_skipped_records_total`,
      );
    }
  }
}

/**
 * The {@link Provenance} of `flow` when {@link provenanceEnabled}, reading both cluster IDs with `clusterId`
 * (ClusterConnections: `connections.of(cluster).clusterId()`); undefined when off. Throws what `clusterId`
 * throws, and Error when source and target are the same cluster.
 */
export async function flowProvenance(
  flow: ProvenanceFlowSettings & { source: ClusterClientSettings; target: ClusterClientSettings },
  flows: readonly ProvenanceFlowSettings[],
  clusterId: (cluster: ClusterClientSettings) => Promise<string>,
  logger: Logger,
  telemetry?: ProvenanceTelemetry,
): Promise<Provenance | undefined> {
  if (!provenanceEnabled(flow, flows)) return undefined;
  const [sourceClusterId, targetClusterId] = await Promise.all([clusterId(flow.source), clusterId(flow.target)]);
  const log = logger.child({ component: 'provenance', flow: flow.name });
  log.info(
    { event: 'provenance_header_enabled', header: PROVENANCE_HEADER, sourceClusterId, targetClusterId, setting: flow.provenanceHeader },
    `Provenance header ${PROVENANCE_HEADER} on for ${flow.name}: records get origin ${sourceClusterId} (${flow.sourceAlias}) unless they carry one; records from ${targetClusterId} (${flow.targetAlias}) are not mirrored`,
  );
  return new Provenance({ flow: flow.name, sourceClusterId, targetClusterId, logger: log, telemetry });
}
