/**
 * Real MirrorMaker 2 in dedicated mode (`org.apache.kafka.connect.mirror.MirrorMaker <mm2.properties>`)
 * from the local-kafka jars, with settings chosen to be fair to it:
 * - `tasks.max` = source partitions (one task, consumer and producer per partition);
 * - the task producers get our producer's batching and delivery settings: `linger.ms=5`,
 *   `batch.size=1 MiB`, the same compression, `acks=all`, idempotence on and
 *   `max.in.flight.requests.per.connection=5` (Connect's own default is 1, which would cripple it;
 *   librdkafka's idempotent producer also allows 5);
 * - the task consumers get our fetch settings: `max.partition.fetch.bytes=4 MiB` (our
 *   `fetch.message.max.bytes`), `fetch.max.wait.ms=100` (our `fetch.wait.max.ms`), `read_committed`;
 * - heartbeats, checkpoints and offset syncs (KIP-1031) exactly as in our engine's run: all off by default
 *   (`--emitters on`: MM2's defaults in both, see {@link emitterProperties}); group offset sync and ACL
 *   sync off; topic config sync on (ours copies configs too);
 * - replication factor 1 for the remote topics and the Connect internal topics (single-broker clusters);
 * - JVM as `connect-mirror-maker.sh` starts it: `-Xms256M -Xmx2G` and Kafka's performance flags.
 * Logs go to a file at WARN, except the client config dumps (INFO) that prove the settings took.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startJava, type Child } from './java-process.ts';
import type { MirrorLauncher, MirrorTopology } from './mirror-run.ts';

/** The mm2.properties lines of the benchmark (also written into the results). */
export function mm2Properties(t: MirrorTopology): Record<string, string | number> {
  const s = t.sourceAlias;
  const d = t.targetAlias;
  return {
    clusters: `${s}, ${d}`,
    [`${s}.bootstrap.servers`]: t.sourceBootstrap,
    [`${d}.bootstrap.servers`]: t.targetBootstrap,
    [`${s}->${d}.enabled`]: 'true',
    [`${d}->${s}.enabled`]: 'false',
    [`${s}->${d}.topics`]: t.topics.join(', '),
    'tasks.max': t.partitions,
    'replication.factor': 1,
    // Created by the heartbeat connector even with emit.heartbeats.enabled=false (default 3: fails on one broker).
    'heartbeats.topic.replication.factor': 1,
    'offset.storage.replication.factor': 1,
    'config.storage.replication.factor': 1,
    'status.storage.replication.factor': 1,
    ...emitterProperties(t.emitters),
    'sync.group.offsets.enabled': 'false',
    'sync.topic.acls.enabled': 'false',
    'sync.topic.configs.enabled': 'true',
    [`${d}.producer.linger.ms`]: t.producer.lingerMs,
    [`${d}.producer.batch.size`]: t.producer.batchSizeBytes,
    [`${d}.producer.compression.type`]: t.producer.compression,
    [`${d}.producer.acks`]: 'all',
    [`${d}.producer.enable.idempotence`]: 'true',
    [`${d}.producer.max.in.flight.requests.per.connection`]: 5,
    [`${s}.consumer.max.partition.fetch.bytes`]: 4 * 1024 * 1024,
    [`${s}.consumer.fetch.max.wait.ms`]: 100,
    [`${s}.consumer.isolation.level`]: 'read_committed',
  };
}

/**
 * Heartbeats, checkpoints and offset syncs, the same keys for both mirrors. `off`: all disabled
 * and no `offset-syncs.*` / `checkpoints.*` keys at all (with `emit.offset-syncs.enabled=false`,
 * MM2 4.1 rejects any `offset-syncs.topic.*` key: "can't setup offset-syncs feature").
 * `on`: each mirror's own defaults (MM2: heartbeats every 1 s, checkpoints every 60 s, an offset sync
 * every 100 records; ours: see engine/config/config-values.ts) with replication factor 1 for their topics.
 */
export function emitterProperties(emitters: 'on' | 'off'): Record<string, string | number> {
  if (emitters === 'off') {
    return { 'emit.heartbeats.enabled': 'false', 'emit.checkpoints.enabled': 'false', 'emit.offset-syncs.enabled': 'false', 'refresh.groups.enabled': 'false' };
  }
  return { 'offset-syncs.topic.replication.factor': 1, 'checkpoints.topic.replication.factor': 1 };
}

/** JVM heap flags of `connect-mirror-maker.sh`. */
const MM2_HEAP = { minHeap: '256M', heap: '2G' };

function log4j2(logFile: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = FILE',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = WARN',
    'rootLogger.appenderRef.file.ref = FILE',
    // The effective client settings, once per client: evidence that the overrides above took effect.
    'logger.producerConfig.name = org.apache.kafka.clients.producer.ProducerConfig',
    'logger.producerConfig.level = INFO',
    'logger.consumerConfig.name = org.apache.kafka.clients.consumer.ConsumerConfig',
    'logger.consumerConfig.level = INFO',
    'logger.abstractConfig.name = org.apache.kafka.common.config.AbstractConfig',
    'logger.abstractConfig.level = INFO',
    '',
  ].join('\n');
}

/** Launches MM2 for one run. */
export const mm2Launcher: MirrorLauncher = {
  name: 'mm2',
  settings: (t) => ({ properties: mm2Properties(t), jvm: [`-Xms${MM2_HEAP.minHeap}`, `-Xmx${MM2_HEAP.heap}`, 'Kafka KAFKA_JVM_PERFORMANCE_OPTS'] }),
  start(t, runDir): Child {
    const props = join(runDir, 'mm2.properties');
    const logConfig = join(runDir, 'log4j2.properties');
    writeFileSync(props, `${Object.entries(mm2Properties(t)).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
    writeFileSync(logConfig, log4j2(join(runDir, 'mm2.log')));
    return startJava('org.apache.kafka.connect.mirror.MirrorMaker', [props], {
      ...MM2_HEAP,
      jvmArgs: [`-Dlog4j2.configurationFile=file:${logConfig}`],
      logFile: join(runDir, 'mm2-stdout.log'),
    });
  },
};
