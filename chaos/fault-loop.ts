/**
 * The fault loop of a chaos run: at planned moments it picks a fault (seeded, so a run can be repeated)
 * and applies it to the engine fleet or a broker, one fault at a time, each to completion (a restarted
 * instance has logged that its mirror task started, a restarted broker answers metadata again).
 *
 * Faults:
 * - `kill`: kill -9 of a random running instance. Without membership (or when it was the last one
 *   running) it is started again after a random downtime up to `maxDowntimeMs`; with membership it stays
 *   down (its partitions must move to the survivors) until an `add`.
 * - `restart`: SIGTERM of a random running instance and a new start (graceful restart).
 * - `freeze`: SIGSTOP of a random running instance for `freezeMs` (meant past the session timeout), then SIGCONT.
 * - `add`: starts an instance (a down slot first), up to `instances + 1` running (membership only).
 * - `remove`: SIGTERM of a random running instance, which stays down (membership only, ≥ 1 left).
 * - `broker`: stops and restarts the source or the target broker (local clusters only).
 */
import type { LocalKafkaCluster } from '../local-kafka/local-kafka-cluster.ts';
import type { EngineFleet, Instance } from './engine-fleet.ts';

/** Every fault kind, in the order the report lists them. */
export const FAULT_KINDS = ['kill', 'restart', 'freeze', 'add', 'remove', 'broker'] as const;
/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A deterministic PRNG (mulberry32): uniform floats in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` fault moments (ms after the start) spread over `durationMs`: slot i of `count` equal slots gets
 * one moment, uniformly placed in the slot's middle 60 % (so faults never bunch up). Sorted ascending.
 */
export function planFaultTimes(random: () => number, count: number, durationMs: number): number[] {
  const slot = durationMs / Math.max(1, count);
  return Array.from({ length: count }, (_, i) => Math.round(slot * i + slot * (0.2 + 0.6 * random())));
}

/** What the choice of a fault depends on. */
export interface FleetView {
  running: number;
  down: number;
  /** The target instance count K. */
  instances: number;
  membership: boolean;
  /** Whether broker faults are possible (the harness owns the clusters). */
  brokers: boolean;
}

/** The kinds that make sense now: membership-only kinds need membership; `add` below K + 1 running; `remove` above 1; the rest need one running instance. */
export function possibleFaults(allowed: readonly FaultKind[], v: FleetView): FaultKind[] {
  return allowed.filter((k) => {
    switch (k) {
      case 'kill':
      case 'restart':
      case 'freeze':
        return v.running >= 1;
      case 'add':
        return v.membership && v.running < v.instances + 1;
      case 'remove':
        return v.membership && v.running > 1;
      case 'broker':
        return v.brokers;
    }
  });
}

/**
 * Picks a fault uniformly among {@link possibleFaults}; with membership and nothing running, `add`
 * (something must mirror). Undefined when nothing is possible.
 */
export function chooseFault(random: () => number, allowed: readonly FaultKind[], v: FleetView): FaultKind | undefined {
  if (v.running === 0 && v.membership) return 'add';
  const possible = possibleFaults(allowed, v);
  return possible[Math.floor(random() * possible.length)];
}

/** One fault as applied: when (ms after the run start), what, to whom, and how long it took (ms). */
export interface FaultRecord {
  atMs: number;
  kind: FaultKind;
  /** Instance id, or `primary` / `standby` for a broker. */
  target: string;
  tookMs: number;
  detail: string;
}

/** Options of {@link FaultLoop}. */
export interface FaultLoopOptions {
  fleet: EngineFleet;
  /** The run's own clusters (broker faults); absent = no broker faults. */
  clusters?: { primary: LocalKafkaCluster; standby: LocalKafkaCluster } | undefined;
  instances: number;
  membership: boolean;
  allowed: readonly FaultKind[];
  random: () => number;
  freezeMs: number;
  maxDowntimeMs: number;
  /** Least time between the end of one fault and the next (restarted instances get to work), ms. */
  minGapMs: number;
  say: (line: string) => void;
}

/** Applies faults; see the module doc. */
export class FaultLoop {
  readonly applied: FaultRecord[] = [];
  private readonly o: FaultLoopOptions;

  constructor(options: FaultLoopOptions) {
    this.o = options;
  }

  /**
   * Runs the plan: waits until each moment (ms after `t0`, epoch ms) but at least `minGapMs` after the
   * previous fault ended, applies a fault (the kind given, or one chosen), and restarts instances that
   * exited on their own in between. Ends after the last fault.
   */
  async run(t0: number, plan: readonly { atMs: number; kind?: FaultKind }[]): Promise<void> {
    let lastEnd = 0;
    for (const step of plan) {
      const at = Math.max(t0 + step.atMs, lastEnd + this.o.minGapMs);
      while (Date.now() < at) {
        await this.restartUnexpectedExits();
        await delay(Math.min(250, at - Date.now()));
      }
      await this.restartUnexpectedExits();
      const view = this.view();
      const kind = step.kind ?? chooseFault(this.o.random, this.o.allowed, view);
      if (kind === undefined || !possibleFaults([kind], view).length) continue;
      const started = Date.now();
      const { target, detail } = await this.apply(kind);
      lastEnd = Date.now();
      const record = { atMs: started - t0, kind, target, tookMs: lastEnd - started, detail };
      this.applied.push(record);
      this.o.say(`fault ${this.applied.length}/${plan.length} at ${(record.atMs / 1000).toFixed(1)} s: ${kind} ${target} (${detail}, ${record.tookMs} ms)`);
    }
  }

  /** Restarts instances that exited on their own (recorded by the fleet as unexpected). */
  async restartUnexpectedExits(): Promise<void> {
    for (const i of this.o.fleet.reapUnexpectedExits()) {
      this.o.say(`instance ${i.id} exited on its own${i.engine.lastExitCode === undefined ? '' : ` (code ${i.engine.lastExitCode})`}; starting it again`);
      await this.o.fleet.start(i);
    }
  }

  private view(): FleetView {
    const f = this.o.fleet;
    return { running: f.inState('running').length, down: f.inState('down').length, instances: this.o.instances, membership: this.o.membership, brokers: this.o.clusters !== undefined };
  }

  private pick(): Instance {
    const running = this.o.fleet.inState('running');
    return running[Math.floor(this.o.random() * running.length)]!;
  }

  private async apply(kind: FaultKind): Promise<{ target: string; detail: string }> {
    const fleet = this.o.fleet;
    switch (kind) {
      case 'kill': {
        const i = this.pick();
        await fleet.kill(i);
        const stayDown = this.o.membership && fleet.inState('running').length > 0;
        if (stayDown) return { target: `instance ${i.id}`, detail: 'kill -9, stays down' };
        const downtimeMs = Math.round(this.o.random() * this.o.maxDowntimeMs);
        await delay(downtimeMs);
        await fleet.start(i);
        return { target: `instance ${i.id}`, detail: `kill -9, restarted after ${downtimeMs} ms` };
      }
      case 'restart': {
        const i = this.pick();
        const code = await fleet.stop(i);
        await fleet.start(i);
        return { target: `instance ${i.id}`, detail: `SIGTERM (exit ${code}) and start` };
      }
      case 'freeze': {
        const i = this.pick();
        fleet.freeze(i);
        await delay(this.o.freezeMs);
        fleet.thaw(i);
        return { target: `instance ${i.id}`, detail: `SIGSTOP for ${this.o.freezeMs} ms, SIGCONT` };
      }
      case 'add': {
        const i = await fleet.add();
        return { target: `instance ${i.id}`, detail: `started (${fleet.inState('running').length} running)` };
      }
      case 'remove': {
        const i = this.pick();
        const code = await fleet.stop(i);
        return { target: `instance ${i.id}`, detail: `SIGTERM (exit ${code}), stays down` };
      }
      case 'broker': {
        const clusters = this.o.clusters!;
        const c = this.o.random() < 0.5 ? clusters.primary : clusters.standby;
        await c.stop();
        const { durationMs } = await c.start('process');
        return { target: c.alias, detail: `broker stopped and started (up in ${durationMs} ms)` };
      }
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
