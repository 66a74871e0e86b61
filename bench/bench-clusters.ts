/**
 * The benchmark's own two clusters: a source and a target {@link LocalKafkaCluster} on their own
 * ports and data folder, never the shared development clusters (9092/9093). Also the clean slate
 * between runs: every topic the previous mirror created (remote topics, MM2's Connect and sync
 * topics, our progress topic) is deleted so each run starts from nothing.
 */
import { waitFor } from '../testkit/wait-for.ts';
import { join, resolve } from 'node:path';
import { LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';
import { KafkaAdmin } from '../engine/testing.ts';
import { LocalKafkaError } from '../local-kafka/local-kafka-error.ts';

/**
 * Cluster aliases, as in the project's topology (remote topics are `primary.<topic>`). Not `source` /
 * `target`: MM2 reads `source.` / `target.` prefixed keys as connector settings.
 */
export const SOURCE_ALIAS = 'primary';
export const TARGET_ALIAS = 'standby';

/** The two running benchmark clusters with an admin client each. */
export interface BenchClusters {
  readonly source: LocalKafkaCluster;
  readonly target: LocalKafkaCluster;
  readonly sourceAdmin: KafkaAdmin;
  readonly targetAdmin: KafkaAdmin;
  /** Closes the admins and stops (and with `destroy`, deletes) both clusters. */
  stop(options: { destroy: boolean }): Promise<void>;
}

/**
 * Starts both clusters from an empty data folder `<workDir>/clusters`; `detached` ones outlive the
 * benchmark (`--keep-clusters`; the next benchmark run stops them by their pid files). Throws
 * LocalKafkaError (code LOCAL_KAFKA) when a port already answers (something else owns it: never reuse a cluster we did not start).
 */
export async function startBenchClusters(options: { workDir: string; sourcePort: number; targetPort: number; detached: boolean; groupInitialRebalanceDelayMs: number }): Promise<BenchClusters & { startMs: number }> {
  const t0 = Date.now();
  const dataRoot = resolve(join(options.workDir, 'clusters'));
  const { groupInitialRebalanceDelayMs } = options;
  const source = new LocalKafkaCluster({ alias: SOURCE_ALIAS, port: options.sourcePort, dataRoot, heap: '1g', groupInitialRebalanceDelayMs });
  const target = new LocalKafkaCluster({ alias: TARGET_ALIAS, port: options.targetPort, dataRoot, heap: '1g', groupInitialRebalanceDelayMs });
  for (const c of [source, target]) {
    await c.destroy(); // stops only a JVM this folder's pid file names (a previous benchmark), then wipes
    const { started } = await c.start(options.detached ? 'detached' : 'process');
    if (!started) {
      throw new LocalKafkaError(`port ${c.port} already answers Kafka requests from a cluster the benchmark did not start; choose other ports (--source-port/--target-port)`);
    }
  }
  const sourceAdmin = new KafkaAdmin({ 'bootstrap.servers': source.bootstrapServers, 'client.id': 'bench-source-admin' }, { timeoutMs: 30_000 });
  const targetAdmin = new KafkaAdmin({ 'bootstrap.servers': target.bootstrapServers, 'client.id': 'bench-target-admin' }, { timeoutMs: 30_000 });
  return {
    source,
    target,
    sourceAdmin,
    targetAdmin,
    startMs: Date.now() - t0,
    async stop({ destroy }) {
      sourceAdmin.close();
      targetAdmin.close();
      for (const c of [source, target]) await (destroy ? c.destroy() : c.stop());
    },
  };
}

/** Creates a topic and waits until it can be described. */
export async function createTopic(admin: KafkaAdmin, name: string, partitions: number): Promise<void> {
  await admin.createTopic(name, partitions, 1);
  await waitFor(async () => (await admin.describeTopics([name])).get(name)?.partitionCount === partitions, { timeoutMs: 30_000, message: `${name} created` });
}

/**
 * Deletes every topic of `admin`'s cluster except `keep` and Kafka's own (`__*`), and waits until
 * the cluster no longer lists them. Returns the names deleted.
 */
export async function deleteTopicsExcept(admin: KafkaAdmin, keep: readonly string[]): Promise<string[]> {
  const doomed = (await admin.listTopics()).filter((t) => !t.startsWith('__') && !keep.includes(t));
  for (const t of doomed) await admin.deleteTopic(t);
  await waitFor(async () => !(await admin.listTopics()).some((t) => doomed.includes(t)), { timeoutMs: 60_000, message: `deletion of ${doomed.join(', ')}` });
  return doomed;
}

/** Sum and per-partition log end offsets of a topic (high watermarks). */
export async function endOffsets(admin: KafkaAdmin, topic: string, partitions: number): Promise<number[]> {
  const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
  const offsets = await admin.partitionOffsets(tps);
  return tps.map((tp) => offsets.get(`${tp.topic}-${tp.partition}`)!.logEndOffset);
}

