/**
 * `npm run kafka:fetch | kafka:up | kafka:down | kafka:status` — manual control of the two local clusters.
 * `up` starts them detached (they outlive the command); `down` stops them by their recorded pids.
 */
import { defaultClusters } from './local-kafka-cluster.ts';
import { fetchJars, pinnedKafkaVersion } from './jars.ts';

async function main(command: string | undefined): Promise<number> {
  const clusters = Object.values(defaultClusters());
  switch (command) {
    case 'fetch':
      fetchJars();
      console.log(`Kafka ${pinnedKafkaVersion()} jars ready`);
      return 0;
    case 'up':
      for (const c of clusters) {
        const { started, durationMs } = await c.start('detached');
        console.log(`${c.alias}: ${started ? `started in ${durationMs} ms` : 'already up'} on ${c.bootstrapServers}`);
      }
      return 0;
    case 'down':
      for (const c of clusters) console.log(`${c.alias}: ${(await c.stop()) ? 'stopped' : 'not running (started by this project)'}`);
      return 0;
    case 'status':
      for (const c of clusters) {
        const up = await c.isUp();
        console.log(`${c.alias}: ${up ? 'UP' : 'DOWN'} ${c.bootstrapServers} pid=${c.runningPid() ?? '-'} data=${c.dir}`);
      }
      return 0;
    default:
      console.error('usage: tsx local-kafka/cli.ts fetch|up|down|status');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
