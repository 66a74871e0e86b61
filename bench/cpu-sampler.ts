/**
 * CPU seconds of processes outside the mirror (the two broker JVMs) and of the whole machine, sampled
 * on a timer during a mirror run so the copy phase's share can be cut out afterwards: the copy phase
 * is known only once it is over (first and last remote record), so every counter keeps its history.
 *
 * Invariant: readings are appended in time order, one per counter per tick, and a counter that could
 * not be read (process gone) is skipped for that tick — {@link CpuSampler.between} then uses the
 * nearest earlier reading, never an interpolated one.
 */
import { pidCpuSeconds, readMachineCpu } from './proc-stat.ts';

/** A named cumulative CPU-seconds counter (undefined when it cannot be read now). */
export type CpuCounter = () => number | undefined;

/** Counters for broker JVMs by name (`source broker`, `target broker`) plus `machine` (/proc/stat busy time). */
export function brokerAndMachineCounters(brokerPids: Readonly<Record<string, number | undefined>>): Record<string, CpuCounter> {
  const counters: Record<string, CpuCounter> = {};
  for (const [name, pid] of Object.entries(brokerPids)) if (pid !== undefined) counters[name] = () => pidCpuSeconds(pid);
  counters.machine = () => readMachineCpu()?.busyS;
  return counters;
}

/** Samples counters every `intervalMs` until stopped. */
export class CpuSampler {
  private readonly counters: Record<string, CpuCounter>;
  private readonly history = new Map<string, { atMs: number; cpuS: number }[]>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(counters: Record<string, CpuCounter>, intervalMs = 250, now: () => number = Date.now) {
    this.counters = counters;
    this.now = now;
    for (const name of Object.keys(counters)) this.history.set(name, []);
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Reads every counter now (also call it at the moments that bound a phase, for exact edges). */
  sample(): void {
    const atMs = this.now();
    for (const [name, read] of Object.entries(this.counters)) {
      const cpuS = read();
      if (cpuS !== undefined) this.history.get(name)!.push({ atMs, cpuS });
    }
  }

  /**
   * CPU seconds each counter used between the last readings at or before `fromMs` and `toMs`;
   * a counter without a reading at or before either edge is left out.
   */
  between(fromMs: number, toMs: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, readings] of this.history) {
      const from = lastAtOrBefore(readings, fromMs);
      const to = lastAtOrBefore(readings, toMs);
      if (from !== undefined && to !== undefined) out[name] = to - from;
    }
    return out;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function lastAtOrBefore(readings: readonly { atMs: number; cpuS: number }[], atMs: number): number | undefined {
  let found: number | undefined;
  for (const r of readings) {
    if (r.atMs > atMs) break;
    found = r.cpuS;
  }
  return found;
}
