/**
 * Resource use of a process tree from /proc (Linux): peak resident memory and CPU seconds.
 *
 * - Peak RSS: each process's `VmHWM` (the kernel's own resident high-water mark) summed over the
 *   tree, plus the largest sampled sum of `VmRSS`; the report uses the larger (equal for one process).
 * - CPU: `utime + stime` of every live process of the tree, plus `cutime + cstime` of the root
 *   (children it has already reaped), in clock ticks converted with `getconf CLK_TCK`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { CLK_TCK, readPidStat as readStat } from './proc-stat.ts';

/** One reading of a process tree. */
export interface TreeReading {
  /** Sum of VmRSS now, MiB. */
  rssMb: number;
  /** Sum of VmHWM, MiB. */
  hwmMb: number;
  /** CPU seconds so far (user + system, tree). */
  cpuS: number;
  pids: number[];
}

/** Samples a process tree every `intervalMs` and keeps the peaks. */
export class ProcessMeter {
  private readonly rootPid: number;
  private timer: NodeJS.Timeout | undefined;
  private peakRssMb = 0;
  private peakHwmMb = 0;
  private last: TreeReading | undefined;
  private samples = 0;
  /** (time, CPU seconds) of every reading, oldest first. */
  private readonly history: { atMs: number; cpuS: number }[] = [];
  private knownDescendants: number[] = [];

  constructor(rootPid: number, intervalMs = 250) {
    this.rootPid = rootPid;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  /** Takes a reading now (undefined once the root process is gone) and updates the peaks. */
  sample(): TreeReading | undefined {
    // Walking all of /proc for descendants costs more than the reading itself: do it every 8th sample.
    if (this.samples++ % 8 === 0) this.knownDescendants = descendants(this.rootPid);
    const r = readTree(this.rootPid, this.knownDescendants);
    if (!r) return undefined;
    this.last = r;
    this.history.push({ atMs: Date.now(), cpuS: r.cpuS });
    this.peakRssMb = Math.max(this.peakRssMb, r.rssMb);
    this.peakHwmMb = Math.max(this.peakHwmMb, r.hwmMb);
    return r;
  }

  /** Peak resident memory so far, MiB. */
  get peakMb(): number {
    return Math.max(this.peakRssMb, this.peakHwmMb);
  }

  /** CPU seconds at the last reading. */
  get cpuS(): number {
    return this.last?.cpuS ?? 0;
  }

  /** CPU seconds of the last reading taken at or before `atMs` (undefined when none was). */
  cpuAtOrBefore(atMs: number): number | undefined {
    let found: number | undefined;
    for (const h of this.history) {
      if (h.atMs > atMs) break;
      found = h.cpuS;
    }
    return found;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Reads the tree rooted at `rootPid` (descendants found now unless given); undefined when the root is gone. */
export function readTree(rootPid: number, knownDescendants?: readonly number[]): TreeReading | undefined {
  const root = readStat(rootPid);
  if (!root) return undefined;
  const pids = [rootPid, ...(knownDescendants ?? descendants(rootPid))];
  let rssKb = 0;
  let hwmKb = 0;
  let ticks = root.cutime + root.cstime;
  for (const pid of pids) {
    const stat = pid === rootPid ? root : readStat(pid);
    if (!stat) continue;
    ticks += stat.utime + stat.stime;
    const status = readStatus(pid);
    rssKb += status.VmRSS ?? 0;
    hwmKb += status.VmHWM ?? 0;
  }
  return { rssMb: rssKb / 1024, hwmMb: hwmKb / 1024, cpuS: ticks / CLK_TCK, pids };
}

/**
 * CPU seconds per thread name of one process (`/proc/<pid>/task/<tid>/comm`), digits folded so
 * `rdk:broker1` and `rdk:broker2` add up under `rdk:broker#`. Shows where a process spends its CPU
 * (Node's main thread vs librdkafka's threads vs the libuv pool; a JVM's task, network and GC threads).
 */
export function threadCpu(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/\d+/g, '#');
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = tid === String(pid) ? `${comm} (main)` : comm;
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / CLK_TCK;
    } catch {
      /* thread ended */
    }
  }
  return Object.fromEntries(Object.entries(out).filter(([, s]) => s >= 0.05).sort((a, b) => b[1] - a[1]).map(([k, s]) => [k, Math.round(s * 100) / 100]));
}

function readStatus(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const m = /^(VmRSS|VmHWM):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]!] = Number(m[2]);
    }
  } catch {
    /* gone */
  }
  return out;
}

function descendants(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const stack = [...(children.get(rootPid) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}
