/**
 * Brings up the two local clusters for the integration project, or reuses clusters that already
 * answer (e.g. after `npm run kafka:up`, or external ones given by PRIMARY_BOOTSTRAP/STANDBY_BOOTSTRAP).
 * Clusters started here are owned by this process and stop with it.
 */
import { defaultClusters, type LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';

export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.PRIMARY_BOOTSTRAP && process.env.STANDBY_BOOTSTRAP) return async () => undefined;
  const clusters = Object.values(defaultClusters());
  const started: LocalKafkaCluster[] = [];
  for (const cluster of clusters) {
    const { started: didStart } = await cluster.start('process');
    if (didStart) started.push(cluster);
  }
  return async () => {
    for (const cluster of started) await cluster.stop();
  };
}
