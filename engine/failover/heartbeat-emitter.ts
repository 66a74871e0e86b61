/**
 * Emits MM2 heartbeats for one flow (MM2 `MirrorHeartbeatTask`): every `emit.heartbeats.interval.seconds`
 * a `Heartbeat{source, target, now}` to the `heartbeats` topic on the TARGET cluster. Flows that mirror
 * the target onward replicate it as `<target>.heartbeats` like any topic, so every later hop sees this
 * flow's heartbeats and can measure replication latency from their timestamps (mirror-task.ts records
 * `heartbeat-latency-ms` for every heartbeat it mirrors). Heartbeats also keep the flow's offset syncs and
 * checkpoints moving when the source is idle, and show an operator that the flow is alive.
 */
import type { Logger } from '../core/logger.ts';
import type { InternalRecordSink } from '../kafka/record-sink.ts';
import { encodeHeartbeatKey, encodeHeartbeatValue } from '../mm2/heartbeat.ts';

/** Options of {@link HeartbeatEmitter}. */
export interface HeartbeatEmitterOptions {
  sourceAlias: string;
  targetAlias: string;
  /** `heartbeats` (replication policy). */
  topic: string;
  intervalMs: number;
  /** Producer on the target cluster. */
  sink: InternalRecordSink;
  logger: Logger;
  now?: () => number;
}

/** Emits heartbeats on a timer. `start()`, then `stop()`. */
export class HeartbeatEmitter {
  private readonly o: HeartbeatEmitterOptions;
  private readonly key: Buffer;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;

  constructor(options: HeartbeatEmitterOptions) {
    this.o = options;
    this.key = encodeHeartbeatKey({ sourceClusterAlias: options.sourceAlias, targetClusterAlias: options.targetAlias });
    this.now = options.now ?? Date.now;
  }

  /** Heartbeats handed to the producer so far. */
  get heartbeatsSent(): number {
    return this.sent;
  }

  /** Emits one heartbeat now (the timer calls this). Returns false when the producer queue was full. */
  beat(): boolean {
    const timestamp = this.now();
    const ok = this.o.sink.send(this.o.topic, this.key, encodeHeartbeatValue({ timestamp }), timestamp);
    if (ok) this.sent++;
    return ok;
  }

  /** Emits a heartbeat now and then every interval (timer unref'd). */
  start(): void {
    if (this.timer) return;
    this.beat();
    this.timer = setInterval(() => this.beat(), this.o.intervalMs);
    this.timer.unref();
    this.o.logger.info({ topic: this.o.topic, intervalMs: this.o.intervalMs }, `Emitting heartbeats ${this.o.sourceAlias}->${this.o.targetAlias} to ${this.o.topic} every ${this.o.intervalMs} ms`);
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
