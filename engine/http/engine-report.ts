/**
 * The {@link EngineReport} of one engine process, read from its {@link MirrorEngine} on demand: flows and
 * their state, each mirror task's per-partition view (`MirrorTask.snapshot()`), the telemetry's plain
 * figures, the event journal and the process's resource use. Costs a walk over the partitions: called per
 * HTTP request (single-process engine) or once per report interval (task process of a multi-task engine).
 */
import type { MirrorConfig } from '../config/config.ts';
import type { MirrorEngine } from '../runtime/mirror-engine.ts';
import type { EventJournal } from '../telemetry/event-journal.ts';
import type { EnginePhase, EngineReport, FlowReport, PartitionReport, ProcessFigures } from '../telemetry/engine-status.ts';

/**
 * Optional, per partition: the source timestamp (epoch ms) of the oldest record produced to the target and
 * not yet acknowledged — the head of the task's delivery queue for that partition. A mirror task that
 * implements it makes `kafka_mirror_replication_lag_seconds` exact while records are in flight (otherwise it
 * is interpolated from the sampled log ends, engine/telemetry/lag-sampler.ts).
 */
export interface InFlightAges {
  oldestUnackedTimestampMs(topic: string, partition: number): number | undefined;
}

/** Reads the report of an in-process engine. `phase` is set by its owner (engine/http/observability.ts). */
export class EngineReporter {
  phase: EnginePhase = 'starting';
  private readonly engine: MirrorEngine;
  private readonly config: MirrorConfig;
  private readonly journal: EventJournal;
  private readonly task: number | undefined;
  /** Epoch ms at which this process's engine was created. */
  readonly startedAtMs = Date.now();

  /** `task`: the task index of a task process (undefined: the whole engine in this process). */
  constructor(options: { engine: MirrorEngine; config: MirrorConfig; journal: EventJournal; task?: number | undefined }) {
    this.engine = options.engine;
    this.config = options.config;
    this.journal = options.journal;
    this.task = options.task;
  }

  /** The flows this process runs (every flow, or those with `tasks.max` above its task index). */
  private flows(): MirrorConfig['flows'] {
    const task = this.task;
    return task === undefined ? this.config.flows : this.config.flows.filter((f) => task < f.tasksMax);
  }

  /** The partitions of `flow` this process mirrors now (source topics). */
  partitions(flow: string): PartitionReport[] {
    const config = this.config.flows.find((f) => f.name === flow);
    const out: PartitionReport[] = [];
    for (const task of this.engine.tasks) {
      if (task.settings.name !== flow || config === undefined) continue;
      const ages = task as unknown as Partial<InFlightAges>;
      for (const p of task.snapshot()) {
        out.push({
          flow,
          topic: p.topic,
          remoteTopic: config.replicationPolicy.formatRemoteTopic(config.sourceAlias, p.topic),
          partition: p.partition,
          topicId: p.topicId,
          state: p.status,
          nextOffset: p.nextOffset,
          ackedNextOffset: p.ackedNextOffset,
          oldestUnackedTimestampMs: ages.oldestUnackedTimestampMs?.(p.topic, p.partition),
        });
      }
    }
    return out;
  }

  /** The report at `nowMs`. */
  report(nowMs = Date.now()): EngineReport {
    const flows: FlowReport[] = this.flows().map((f) => {
      const task = this.engine.tasks.find((t) => t.settings.name === f.name);
      const failed = task?.failed;
      const state: FlowReport['state'] = failed ? 'FAILED' : this.phase === 'running' ? 'RUNNING' : this.phase === 'failed' ? 'STOPPED' : (this.phase.toUpperCase() as FlowReport['state']);
      return { name: f.name, source: f.sourceAlias, target: f.targetAlias, readCommitted: f.isolationLevel === 'read_committed', state, error: failed ? { code: failed.code, message: failed.message } : undefined };
    });
    return {
      task: this.task,
      pid: process.pid,
      startedAtMs: this.startedAtMs,
      reportedAtMs: nowMs,
      phase: this.phase,
      flows,
      partitions: flows.flatMap((f) => this.partitions(f.name)),
      telemetry: this.engine.telemetry.figures(nowMs),
      journal: this.journal.snapshot(),
      process: processFigures(),
    };
  }
}

/** This process's resident memory, heap and CPU time. */
export function processFigures(): ProcessFigures {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, cpuUserSeconds: cpu.user / 1e6, cpuSystemSeconds: cpu.system / 1e6 };
}
