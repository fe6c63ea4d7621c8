import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of named processes from Linux /proc, for "CPU per answered request" figures. Each name stands for a
 * process and every descendant it has (PostgreSQL forks a backend per connection), so one reading covers
 * everything that process started. Times come from utime + stime in /proc/<pid>/stat (every thread of the
 * process; children that already exited are left out, as the kernel only folds them in once waited for).
 */

/** Clock ticks per second of /proc's times; 100 on every Linux we run on, asked once. */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  ppid: number;
  /** utime + stime, in ms. */
  cpuMs: number;
}

/** Fields of /proc/<pid>/stat after the command, which is in parentheses and may hold spaces. */
export function parseProcStat(text: string, ticksPerSecond = TICKS_PER_SECOND): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") ": state(3) ppid(4) ... utime(14) stime(15); index 0 here is field 3.
  const fields = text.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(ppid) || !Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { ppid, cpuMs: ((utime + stime) * 1000) / ticksPerSecond };
}

function allProcesses(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat) out.set(Number(entry), stat);
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}

/** CPU ms so far of each named process tree (`name -> root pid`); a name whose process is gone reads 0. */
export function cpuReading(roots: Readonly<Record<string, number>>): Record<string, number> {
  const procs = allProcesses();
  const children = new Map<number, number[]>();
  for (const [pid, stat] of procs) {
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const treeMs = (root: number): number => {
    let ms = 0;
    const stack = [root];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const pid = stack.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      ms += procs.get(pid)?.cpuMs ?? 0;
      stack.push(...(children.get(pid) ?? []));
    }
    return ms;
  };
  return Object.fromEntries(Object.entries(roots).map(([name, pid]) => [name, treeMs(pid)]));
}

/** CPU ms each named process tree spent between two readings. */
export function cpuSpent(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after).map(([name, ms]) => [name, Math.max(0, ms - (before[name] ?? 0))]),
  );
}

/** Every value divided by `n`, rounded to 0.01: ms per answer from ms per phase. */
export function perAnswer(cpuMs: Readonly<Record<string, number>>, n: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(cpuMs).map(([name, ms]) => [name, n > 0 ? Math.round((ms / n) * 100) / 100 : Number.NaN]),
  );
}

export const sum = (values: Readonly<Record<string, number>>) =>
  Object.values(values).reduce((a, b) => a + b, 0);
