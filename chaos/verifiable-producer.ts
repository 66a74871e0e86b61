/**
 * Kafka's own `VerifiableProducer` (org.apache.kafka.tools.VerifiableProducer in kafka-tools, from the
 * pinned jars of local-kafka/) as the independent source of records: it produces increasing integers
 * ("0", "1", …) as values at a fixed rate and prints one JSON line per send outcome
 * (`producer_send_success` with partition and offset, `producer_send_error`), then `tool_data` with
 * `sent` / `acked` counts. Nothing of the engine is involved in producing or counting.
 *
 * Settings: `acks=all` (the tool's default `--acks -1`), idempotence on with unlimited retries, and
 * Kafka's RoundRobinPartitioner so every partition (and, with membership, every instance) gets a share.
 * The JVM runs under `setpriv --pdeathsig SIGTERM` like every Java child of bench/ and local-kafka/, so it
 * stops with the harness even on `kill -9`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { kafkaClasspath } from '../local-kafka/jars.ts';
import { KAFKA_JVM_PERFORMANCE_OPTS } from '../bench/java-process.ts';

const MAIN_CLASS = 'org.apache.kafka.tools.VerifiableProducer';

/** Options of one producer run. */
export interface VerifiableProducerOptions {
  bootstrapServers: string;
  topic: string;
  /** Records to produce (`--max-messages`); -1 = until {@link VerifiableProducer.stop}. */
  records: number;
  /** Target rate, records/s (`--throughput`). */
  recordsPerSec: number;
  /** Where the producer properties file is written. */
  configFile: string;
}

/** What the producer reported when it finished. */
export interface VerifiableProducerSummary {
  exitCode: number;
  /** Records the tool sent (`tool_data.sent`), acked and failed (send errors). */
  sent: number;
  acked: number;
  failed: number;
  /** The tool's own average throughput, records/s. */
  avgRecordsPerSec: number;
  /** Acknowledged values per partition, in acknowledgement order. */
  ackedByPartition: Map<number, number[]>;
  /** The first send error message, if any. */
  firstError: string | undefined;
}

/** A running VerifiableProducer. {@link done} resolves once it exited. */
export class VerifiableProducer {
  readonly pid: number;
  /** Resolves with the summary once the JVM exited. */
  readonly done: Promise<VerifiableProducerSummary>;
  private readonly child: ChildProcess;
  private ackedCount = 0;

  private constructor(child: ChildProcess, done: (self: VerifiableProducer) => Promise<VerifiableProducerSummary>) {
    this.child = child;
    this.pid = child.pid!;
    this.done = done(this);
  }

  /** Records acknowledged so far. */
  get acked(): number {
    return this.ackedCount;
  }

  /**
   * Starts the tool (topic must exist: the local clusters do not auto-create). Throws when java cannot be
   * started. The promise {@link done} never rejects; a crash shows as a non-zero `exitCode`.
   */
  static start(o: VerifiableProducerOptions): VerifiableProducer {
    // The tool sets retries=0 unless told otherwise, which the idempotent producer refuses: a broker
    // restart must be retried, not turned into send errors.
    const props = ['partitioner.class=org.apache.kafka.clients.producer.RoundRobinPartitioner', 'enable.idempotence=true', 'retries=2147483647', 'linger.ms=5'];
    writeFileSync(o.configFile, `${props.join('\n')}\n`);
    const args = [
      '-Xmx256m',
      ...KAFKA_JVM_PERFORMANCE_OPTS,
      '-cp',
      kafkaClasspath(),
      MAIN_CLASS,
      '--bootstrap-server', o.bootstrapServers,
      '--topic', o.topic,
      '--max-messages', String(o.records),
      '--throughput', String(o.recordsPerSec),
      '--producer.config', o.configFile,
    ];
    const child = spawn('setpriv', ['--pdeathsig', 'SIGTERM', 'java', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new Error('could not start java for VerifiableProducer');
    return new VerifiableProducer(child, (self) => self.collect());
  }

  /** SIGTERM: the tool closes its producer (waiting for what is in flight), prints its summary and exits 143; resolves with the summary. */
  async stop(): Promise<VerifiableProducerSummary> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.done;
  }

  private async collect(): Promise<VerifiableProducerSummary> {
    const ackedByPartition = new Map<number, number[]>();
    let failed = 0;
    let firstError: string | undefined;
    let tool: { sent?: number; acked?: number; avg_throughput?: number } = {};
    let stderr = '';
    this.child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4000)));
    const exit = new Promise<number>((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGTERM' ? 143 : 1))));
    for await (const line of createInterface({ input: this.child.stdout! })) {
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as { name: string; partition?: number; value?: string; message?: string; sent?: number; acked?: number; avg_throughput?: number };
      if (e.name === 'producer_send_success') {
        this.ackedCount++;
        let list = ackedByPartition.get(e.partition!);
        if (!list) ackedByPartition.set(e.partition!, (list = []));
        list.push(Number(e.value));
      } else if (e.name === 'producer_send_error') {
        failed++;
        firstError ??= e.message;
      } else if (e.name === 'tool_data') {
        tool = e;
      }
    }
    const exitCode = await exit;
    if (exitCode !== 0 && exitCode !== 143 && firstError === undefined) firstError = `exit ${exitCode}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
    return { exitCode, sent: tool.sent ?? this.ackedCount + failed, acked: tool.acked ?? this.ackedCount, failed, avgRecordsPerSec: tool.avg_throughput ?? 0, ackedByPartition, firstError };
  }
}
