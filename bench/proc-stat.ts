/**
 * CPU time from Linux /proc, the benchmark's one source of CPU figures (proc(5)):
 * - `/proc/<pid>/stat`: `utime` (field 14) and `stime` (field 15) of the process, `cutime` / `cstime`
 *   (16, 17) of the children it has reaped, `ppid` (4); the command name (field 2) may hold spaces and
 *   parentheses, so fields are counted from the last `)`.
 * - `/proc/stat`: the first line `cpu  user nice system idle iowait irq softirq steal guest guest_nice`
 *   sums all cores; busy = everything but idle and iowait (guest time is already inside user/nice).
 * All values in clock ticks; {@link CLK_TCK} converts them to seconds.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** Clock ticks per second (`getconf CLK_TCK`; 100 on every common Linux). */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** The fields of `/proc/<pid>/stat` the benchmark uses, in clock ticks. */
export interface PidStat {
  state: string;
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/** Parses one `/proc/<pid>/stat` text; undefined when it is not one. */
export function parsePidStat(text: string): PidStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // f[0] is field 3 (state): field n is f[n - 3].
  const f = text.slice(close + 2).trim().split(' ');
  const stat = { state: f[0] ?? '', ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]) };
  return [stat.ppid, stat.utime, stat.stime, stat.cutime, stat.cstime].every(Number.isFinite) ? stat : undefined;
}

/** Reads `/proc/<pid>/stat`; undefined when the process is gone or a zombie. */
export function readPidStat(pid: number): PidStat | undefined {
  try {
    const stat = parsePidStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return stat?.state === 'Z' ? undefined : stat;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) one process has used so far; undefined when it is gone. */
export function pidCpuSeconds(pid: number): number | undefined {
  const s = readPidStat(pid);
  return s === undefined ? undefined : (s.utime + s.stime) / CLK_TCK;
}

/** {@link pidCpuSeconds} of a process that must be running (e.g. a broker JVM); throws naming the pid when it is gone. */
export function liveCpuSeconds(pid: number): number {
  const seconds = pidCpuSeconds(pid);
  if (seconds === undefined) throw new Error(`process ${pid} is gone: no /proc/${pid}/stat to read its CPU time from`);
  return seconds;
}

/** The whole machine's CPU time so far, in seconds summed over all cores. */
export interface MachineCpu {
  /** user + nice + system + irq + softirq + steal. */
  busyS: number;
  /** busy + idle + iowait (≈ wall time × cores). */
  totalS: number;
}

/** Parses the aggregate `cpu` line of `/proc/stat`; undefined when absent. */
export function parseMachineStat(text: string): MachineCpu | undefined {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (line === undefined) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const values = [user, nice, system, idle, iowait, irq, softirq, steal];
  if (values.some((v) => v === undefined || !Number.isFinite(v))) return undefined;
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busyS: busy / CLK_TCK, totalS: (busy + idle! + iowait!) / CLK_TCK };
}

/** Reads `/proc/stat` now. */
export function readMachineCpu(): MachineCpu | undefined {
  try {
    return parseMachineStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}
