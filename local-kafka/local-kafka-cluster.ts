/**
 * A real single-node Apache Kafka cluster (KRaft, combined broker+controller) run from the
 * Maven Central jars with Java 17 — the project's embedded default, no Docker needed.
 *
 * Two lifetimes:
 * - `owner: 'process'` (tests, the challenge): the JVM is started under `setpriv --pdeathsig SIGTERM`,
 *   so it stops when the Node process that started it dies, even on `kill -9` — no orphan JVMs.
 * - `owner: 'detached'` (`npm run kafka:up`): the JVM outlives the command; `npm run kafka:down`
 *   or `npm run cleanup` stops it by the pid recorded in `<dataRoot>/<alias>/kafka.pid`.
 *
 * Facts: combined-mode KRaft with `--standalone` formatting needs `controller.quorum.bootstrap.servers`
 * and no `controller.quorum.voters` (KIP-853); see ../shared/KAFKA-FACTS.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { LocalKafkaError } from './local-kafka-error.ts';
import { kafkaClasspath } from './jars.ts';
import type { TlsMaterial } from './tls-material.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Root of the local clusters' data, broker logs and pid files (gitignored). Override with `LOCAL_KAFKA_DIR`. */
export const DATA_ROOT = resolve(process.env.LOCAL_KAFKA_DIR ?? join(HERE, '..', '.kafka'));

/** Options of one local cluster. Ports are TCP ports on 127.0.0.1. */
export interface LocalKafkaClusterOptions {
  /** Cluster alias, e.g. `primary`; names the data folder. */
  alias: string;
  /** Client (PLAINTEXT) listener port, e.g. 9092. */
  port: number;
  /** KRaft controller listener port; default `port + 10000`. */
  controllerPort?: number;
  /** Root folder; the cluster lives in `<dataRoot>/<alias>`. */
  dataRoot?: string;
  /** JVM heap, e.g. `512m`. */
  heap?: string;
  /**
   * Adds a SASL_PLAINTEXT listener (mechanism PLAIN) on this port with the users of
   * {@link LOCAL_SASL_USERS}, for tests of authenticated clusters. Off by default.
   */
  saslPort?: number;
  /**
   * Adds an SSL listener (TLS, no client authentication) on this port serving the broker certificate of
   * {@link tls}, for tests of TLS clusters. Off by default; needs `tls`.
   */
  sslPort?: number;
  /** Key material of the SSL listener (./tls-material.ts `createTlsMaterial`); its keystore password is written to server.properties only. */
  tls?: TlsMaterial;
  /**
   * Enables ACLs with KRaft's `StandardAuthorizer` and these `super.users` (e.g. `['User:ANONYMOUS']`:
   * the principal of PLAINTEXT clients, so tools and the engine act as super users while ACLs of other
   * principals can be listed and created). Off by default.
   */
  superUsers?: readonly string[];
  /**
   * The broker's `group.initial.rebalance.delay.ms`: how long the coordinator waits for more members before it
   * assigns a new classic group's partitions. Default 0, so tests get their first assignment at once (Kafka's
   * own default is 3000); the benchmark sets Kafka's default (bench/bench-options.ts).
   */
  groupInitialRebalanceDelayMs?: number;
}

/** Users (name → password) of the optional SASL/PLAIN listener. Test credentials, not secrets. */
export const LOCAL_SASL_USERS: Readonly<Record<string, string>> = Object.freeze({ admin: 'admin-secret', mirror: 'mirror-secret' });

/** How long a broker may take to answer its first metadata request, ms. */
const START_TIMEOUT_MS = 90_000;
/** How long a broker may take to shut down on SIGTERM before SIGKILL, ms. */
const STOP_TIMEOUT_MS = 20_000;

/** One local single-node KRaft cluster. See the module doc for lifetimes. */
export class LocalKafkaCluster {
  readonly alias: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly dir: string;
  private readonly heap: string;
  readonly saslPort: number | undefined;
  readonly sslPort: number | undefined;
  private readonly tls: TlsMaterial | undefined;
  private readonly superUsers: readonly string[] | undefined;
  private readonly groupInitialRebalanceDelayMs: number;

  constructor(options: LocalKafkaClusterOptions) {
    this.alias = options.alias;
    this.port = options.port;
    this.controllerPort = options.controllerPort ?? options.port + 10000;
    this.dir = join(options.dataRoot ?? DATA_ROOT, options.alias);
    this.heap = options.heap ?? '512m';
    this.saslPort = options.saslPort;
    this.sslPort = options.sslPort;
    this.tls = options.tls;
    if (this.sslPort !== undefined && this.tls === undefined) throw new LocalKafkaError(`local Kafka '${this.alias}': sslPort ${this.sslPort} needs tls key material`);
    this.superUsers = options.superUsers;
    this.groupInitialRebalanceDelayMs = options.groupInitialRebalanceDelayMs ?? 0;
  }

  /** `127.0.0.1:<port>`, the bootstrap servers string of this cluster. */
  get bootstrapServers(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pidFile(): string {
    return join(this.dir, 'kafka.pid');
  }

  get brokerLogFile(): string {
    return join(this.dir, 'logs', 'server.log');
  }

  private get propertiesFile(): string {
    return join(this.dir, 'server.properties');
  }

  /** True when something answers a Kafka metadata request on the port within `timeoutMs`. */
  async isUp(timeoutMs = 1500): Promise<boolean> {
    return answersMetadata(this.bootstrapServers, timeoutMs);
  }

  /** Pid of the JVM this project started for the alias, if it still runs. */
  runningPid(): number | undefined {
    if (!existsSync(this.pidFile)) return undefined;
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    // Guard against pid reuse: the process must be a JVM started with our properties file.
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes(this.propertiesFile) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Starts the cluster unless a broker already answers on the port (then it is reused and
   * `started` is false). Formats storage on first use. Resolves when the broker answers metadata.
   * Throws LocalKafkaError (code LOCAL_KAFKA) with the broker log's tail when it does not come up.
   */
  async start(owner: 'process' | 'detached' = 'process'): Promise<{ started: boolean; durationMs: number }> {
    const t0 = Date.now();
    if (await this.isUp()) return { started: false, durationMs: Date.now() - t0 };
    const stale = this.runningPid();
    if (stale !== undefined) await this.stop();
    const classpath = kafkaClasspath();
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    this.writeConfigFiles();
    if (!existsSync(join(this.dir, 'data', 'meta.properties'))) this.format(classpath);

    const out = openSync(join(this.dir, 'logs', 'stdout.log'), 'a');
    const java = ['java', ...this.jvmArgs(classpath), 'kafka.Kafka', this.propertiesFile];
    const [command, ...args] = owner === 'process' ? ['setpriv', '--pdeathsig', 'SIGTERM', ...java] : java;
    const child = spawn(command!, args, { detached: owner === 'detached', stdio: ['ignore', out, out] });
    closeSync(out);
    if (child.pid === undefined) throw new LocalKafkaError(`could not start java for ${this.alias}`);
    writeFileSync(this.pidFile, String(child.pid));
    if (owner === 'detached') child.unref();
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));

    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited !== undefined) break;
      if (await this.isUp(1000)) return { started: true, durationMs: Date.now() - t0 };
      await delay(250);
    }
    await this.stop();
    throw new LocalKafkaError(
      `local Kafka '${this.alias}' did not come up on ${this.bootstrapServers} (exit ${exited ?? 'none'}); ` +
        `broker log tail:\n${tail(this.brokerLogFile, 30)}`,
    );
  }

  /** Stops the JVM this project started (SIGTERM, SIGKILL after a deadline). Idempotent. Returns whether one ran. */
  async stop(): Promise<boolean> {
    const pid = this.runningPid();
    rmPidFile(this.pidFile);
    if (pid === undefined) return false;
    const alive = () => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
      } catch {
        return false;
      }
    };
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (alive() && Date.now() < deadline) await delay(100);
    if (alive()) signal(pid, 'SIGKILL');
    while (alive() && Date.now() < deadline + 5000) await delay(50);
    return true;
  }

  /** Stops the cluster and removes its data, logs and pid file. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private jvmArgs(classpath: string): string[] {
    return [
      `-Xms256m`,
      `-Xmx${this.heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=file:${join(this.dir, 'log4j2.properties')}`,
      `-Dkafka.logs.dir=${join(this.dir, 'logs')}`,
      '-cp',
      classpath,
    ];
  }

  private writeConfigFiles(): void {
    const props: Record<string, string | number> = {
      'process.roles': 'broker,controller',
      'node.id': 1,
      'controller.quorum.bootstrap.servers': `127.0.0.1:${this.controllerPort}`,
      ...listenerProperties({ port: this.port, controllerPort: this.controllerPort, saslPort: this.saslPort, sslPort: this.sslPort, tls: this.tls }),
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      ...(this.saslPort
        ? {
            'sasl.enabled.mechanisms': 'PLAIN',
            'listener.name.sasl_plaintext.plain.sasl.jaas.config':
              'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ' +
              Object.entries(LOCAL_SASL_USERS).map(([u, p]) => `user_${u}="${p}"`).join(' ') +
              ';',
          }
        : {}),
      ...(this.superUsers
        ? { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': this.superUsers.join(';') }
        : {}),
      'log.dirs': join(this.dir, 'data'),
      'num.partitions': 1,
      // Topics exist only when someone creates them: a stray client must not resurrect a deleted topic.
      'auto.create.topics.enable': 'false',
      'offsets.topic.replication.factor': 1,
      'offsets.topic.num.partitions': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'transaction.state.log.num.partitions': 1,
      'share.coordinator.state.topic.replication.factor': 1,
      'share.coordinator.state.topic.min.isr': 1,
      'group.initial.rebalance.delay.ms': this.groupInitialRebalanceDelayMs,
      // Fast retention for the truncation scenarios.
      'log.retention.check.interval.ms': 1000,
      'log.initial.task.delay.ms': 1000,
      'log.segment.delete.delay.ms': 1000,
    };
    writeFileSync(
      this.propertiesFile,
      Object.entries(props)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n') + '\n',
    );
    writeFileSync(
      join(this.dir, 'log4j2.properties'),
      [
        'status = warn',
        'appender.file.type = File',
        'appender.file.name = FILE',
        `appender.file.fileName = ${this.brokerLogFile}`,
        'appender.file.layout.type = PatternLayout',
        'appender.file.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = INFO',
        'rootLogger.appenderRef.file.ref = FILE',
        'logger.kafka.name = kafka',
        'logger.kafka.level = INFO',
        'logger.state.name = state.change.logger',
        'logger.state.level = WARN',
        '',
      ].join('\n'),
    );
  }

  private format(classpath: string): void {
    const result = spawnSync(
      'java',
      [
        ...this.jvmArgs(classpath),
        'kafka.tools.StorageTool',
        'format',
        '--standalone',
        '-t',
        newClusterId(),
        '-c',
        this.propertiesFile,
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) {
      throw new LocalKafkaError(`formatting storage for '${this.alias}' failed (exit ${result.status}): ${result.error?.message ?? ''}${result.stderr}${result.stdout}`);
    }
  }
}

/** The two clusters of the default topology: `primary` (9092) and `standby` (9093), ports overridable by env. */
export function defaultClusters(): { primary: LocalKafkaCluster; standby: LocalKafkaCluster } {
  return {
    primary: new LocalKafkaCluster({ alias: 'primary', port: Number(process.env.PRIMARY_PORT ?? 9092) }),
    standby: new LocalKafkaCluster({ alias: 'standby', port: Number(process.env.STANDBY_PORT ?? 9093) }),
  };
}

/**
 * The listener settings of a local broker: PLAINTEXT on `port` (also the inter-broker listener), CONTROLLER
 * on `controllerPort`, and the optional SASL_PLAINTEXT (`saslPort`) and SSL (`sslPort`, serving the PKCS#12
 * keystore of `tls`; no client certificates asked for) listeners, all on 127.0.0.1. Pure; the result holds
 * the keystore password when `sslPort` is set — it goes into server.properties and nowhere else.
 */
export function listenerProperties(o: { port: number; controllerPort: number; saslPort?: number; sslPort?: number; tls?: TlsMaterial }): Record<string, string> {
  const client = [`PLAINTEXT://127.0.0.1:${o.port}`];
  if (o.saslPort) client.push(`SASL_PLAINTEXT://127.0.0.1:${o.saslPort}`);
  if (o.sslPort) client.push(`SSL://127.0.0.1:${o.sslPort}`);
  const props: Record<string, string> = {
    listeners: [...client, `CONTROLLER://127.0.0.1:${o.controllerPort}`].join(','),
    'advertised.listeners': client.join(','),
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL',
  };
  if (o.sslPort) {
    if (!o.tls) throw new LocalKafkaError(`sslPort ${o.sslPort} needs tls key material`);
    props['listener.name.ssl.ssl.keystore.type'] = 'PKCS12';
    props['listener.name.ssl.ssl.keystore.location'] = o.tls.keystore;
    props['listener.name.ssl.ssl.keystore.password'] = o.tls.keystorePassword;
    props['listener.name.ssl.ssl.key.password'] = o.tls.keystorePassword;
    props['listener.name.ssl.ssl.client.auth'] = 'none';
  }
  return props;
}

/** True when a broker at `bootstrapServers` answers a metadata request within `timeoutMs`. */
export async function answersMetadata(bootstrapServers: string, timeoutMs: number): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'local-kafka-probe',
    brokers: bootstrapServers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** A KRaft cluster id: 16 random bytes, base64url without padding (Kafka's Uuid format). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

function rmPidFile(path: string): void {
  rmSync(path, { force: true });
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no broker log)';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
