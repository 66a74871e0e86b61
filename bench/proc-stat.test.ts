import { describe, expect, it } from 'vitest';
import { CLK_TCK, parseMachineStat, parsePidStat, liveCpuSeconds, pidCpuSeconds, readMachineCpu } from './proc-stat.ts';

describe('parsePidStat', () => {
  it('counts fields from the last ")" so a command name with spaces and parentheses does not shift them', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
    const text = '4242 (java (kafka) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 89 10 20 0 60 0 1000 0 0\n';
    expect(parsePidStat(text)).toEqual({ state: 'S', ppid: 1, utime: 1234, stime: 567, cutime: 89, cstime: 10 });
  });

  it('rejects text that is not a stat line', () => {
    expect(parsePidStat('')).toBeUndefined();
    expect(parsePidStat('1 (x) S')).toBeUndefined();
  });

  it('reads this process', () => {
    expect(pidCpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(pidCpuSeconds(2 ** 22 + 1)).toBeUndefined(); // above pid_max's ceiling: never a process
  });
});

describe('parseMachineStat', () => {
  it('sums busy time without idle and iowait (guest is inside user)', () => {
    const text = 'cpu  1000 10 300 5000 40 0 50 6 7 0\ncpu0 500 5 150 2500 20 0 25 3 0 0\n';
    expect(parseMachineStat(text)).toEqual({ busyS: (1000 + 10 + 300 + 50 + 6) / CLK_TCK, totalS: (1366 + 5000 + 40) / CLK_TCK });
  });

  it('needs the aggregate line', () => {
    expect(parseMachineStat('cpu0 1 2 3 4 5 6 7 8\n')).toBeUndefined();
    expect(parseMachineStat('cpu  1 2\n')).toBeUndefined();
  });

  it('reads this machine', () => {
    const m = readMachineCpu()!;
    expect(m.busyS).toBeGreaterThan(0);
    expect(m.totalS).toBeGreaterThan(m.busyS);
  });
});

describe('liveCpuSeconds', () => {
  it('reads a running process and names the pid of one that is gone', () => {
    expect(liveCpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(() => liveCpuSeconds(2 ** 22 + 1)).toThrow(/process 4194305 is gone/);
  });
});
