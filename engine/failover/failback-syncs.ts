/**
 * The offset syncs of the REVERSE flow, for failback checkpoints. After a failover primary → standby, a
 * group reads `primary.commit-log` on the standby; the `standby->primary` flow never mirrors that topic
 * (a cycle), so its own syncs cannot translate the group's position there. The `primary->standby` flow's
 * syncs can, backwards (engine/mm2/reverse-translation.ts): the checkpoint task of `standby->primary`
 * then emits a checkpoint for `commit-log` on the primary — the topic MM2's
 * `MirrorCheckpointTask.renameTopicPartition` names for "a topic that came from the target", which MM2
 * itself never reaches for lack of syncs.
 *
 * Where the syncs come from: the reverse flow's live store when this engine runs that flow whole (in
 * the same process, one task), else its syncs topic read from the cluster — named and placed as MM2
 * does (engine/mm2/offset-syncs-topic.ts) with the reverse flow's `offset-syncs.topic.location` (this
 * flow's when the reverse flow is not configured here), re-read when a round needs it and the copy is
 * older than `reloadIntervalMs`. A stale copy only makes a checkpoint conservative (re-delivery), never
 * past a record: the syncs it lacks are newer than every one it has.
 */
import type { Logger } from '../core/logger.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';
import type { ReplicationPolicy } from '../mm2/replication-policy.ts';
import type { ReverseTranslation } from '../mm2/reverse-translation.ts';
import { offsetSyncsTopicOf } from '../mm2/offset-syncs-topic.ts';
import { OffsetSyncStore } from './offset-sync-store.ts';

/** What the checkpoint task asks for failback checkpoints (FailbackSyncs implements it; tests substitute). */
export interface FailbackTranslator {
  /** Makes the syncs current enough for a round (re-reads them when due). Never throws: a failed read keeps the previous copy. */
  refresh(): Promise<void>;
  /** `remoteOffset` (a group's offset in the remote copy of `topic`, partition `partition`) back in `topic`; undefined without a sync at or below it. */
  translate(topic: string, partition: number, remoteOffset: number): ReverseTranslation | undefined;
  /** Upstream offset of the oldest known sync of the reverse flow for `topic`-`partition` (undefined: none), for identity active-active checkpoints. */
  firstMirrored?(topic: string, partition: number): number | undefined;
}

/** What {@link FailbackSyncs} needs from its flow's config (FlowConfig satisfies it). */
export interface FailbackSyncsSettings {
  name: string;
  sourceAlias: string;
  targetAlias: string;
  source: ClusterClientSettings;
  target: ClusterClientSettings;
  replicationPolicy: ReplicationPolicy;
  offsetSyncsTopicLocation: 'source' | 'target';
}

/** Options of {@link FailbackSyncs}. */
export interface FailbackSyncsOptions {
  settings: FailbackSyncsSettings;
  /** The reverse flow's `offset-syncs.topic.location` (default: this flow's). */
  reverseLocation?: 'source' | 'target';
  /** The reverse flow's live store, when this engine runs that flow whole. */
  liveStore?: () => OffsetSyncStore | undefined;
  /** Minimum age of a copy read from the cluster before it is re-read, ms (default 60 000). */
  reloadIntervalMs?: number;
  /** Reads one syncs topic into a store (default: {@link OffsetSyncStore.load}); returns the syncs read. */
  load?: (store: OffsetSyncStore, cluster: ClusterClientSettings, topic: string, log: Logger) => Promise<number>;
  logger: Logger;
  now?: () => number;
}

/** The reverse flow's offset syncs, live or re-read from its topic. */
export class FailbackSyncs implements FailbackTranslator {
  private readonly o: FailbackSyncsOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private copy: OffsetSyncStore | undefined;
  private loadedAtMs = -Infinity;

  constructor(options: FailbackSyncsOptions) {
    this.o = options;
    this.log = options.logger;
    this.now = options.now ?? Date.now;
  }

  /** The reverse flow, e.g. `primary->standby` for flow `standby->primary`. */
  get reverseFlow(): string {
    return `${this.o.settings.targetAlias}->${this.o.settings.sourceAlias}`;
  }

  async refresh(): Promise<void> {
    if (this.o.liveStore?.()) return;
    const intervalMs = this.o.reloadIntervalMs ?? 60_000;
    if (this.now() - this.loadedAtMs < intervalMs) return;
    const s = this.o.settings;
    // The reverse flow's source is this flow's target, and the other way round.
    const placement = offsetSyncsTopicOf(s.replicationPolicy, s.targetAlias, s.sourceAlias, this.o.reverseLocation ?? s.offsetSyncsTopicLocation);
    const cluster = placement.side === 'source' ? s.target : s.source;
    const load = this.o.load ?? ((store, c, topic, log) => store.load(c, topic, log));
    const store = new OffsetSyncStore();
    const t0 = this.now();
    let syncs = 0;
    try {
      for (const topic of [placement.legacyTopic, placement.topic]) if (topic !== undefined) syncs += await load(store, cluster, topic, this.log);
    } catch (err) {
      // Checked again after the interval; checkpoints of mirrored topics go on meanwhile.
      this.loadedAtMs = this.now();
      this.log.warn(
        { event: 'failback_syncs_unavailable', reverseFlow: this.reverseFlow, topic: placement.topic, cluster: cluster.alias, retryMs: intervalMs, err: (err as Error).message },
        `Cannot read the offset syncs of ${this.reverseFlow} from ${placement.topic} on ${cluster.alias} for failback checkpoints (retried in ${intervalMs} ms): ${(err as Error).message}`,
      );
      return;
    }
    const first = this.copy === undefined;
    this.copy = store;
    this.loadedAtMs = this.now();
    const fields = { event: 'failback_syncs_loaded', reverseFlow: this.reverseFlow, topic: placement.topic, cluster: cluster.alias, syncs, partitions: store.partitions().length, durationMs: this.now() - t0 };
    const msg = `Read ${syncs} offset syncs of ${this.reverseFlow} from ${placement.topic} on ${cluster.alias} for failback checkpoints`;
    if (first) this.log.info(fields, msg);
    else this.log.debug(fields, msg);
  }

  translate(topic: string, partition: number, remoteOffset: number): ReverseTranslation | undefined {
    return (this.o.liveStore?.() ?? this.copy)?.translateDownstream(topic, partition, remoteOffset);
  }

  firstMirrored(topic: string, partition: number): number | undefined {
    return (this.o.liveStore?.() ?? this.copy)?.find(topic, partition)?.points()[0]?.upstream;
  }
}
