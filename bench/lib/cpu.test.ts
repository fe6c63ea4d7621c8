import { describe, expect, it } from 'vitest';
import { cpuReading, cpuSpent, parseProcStat, perAnswer } from './cpu.ts';

describe('parseProcStat', () => {
  it('reads ppid and utime + stime after a command holding spaces and parentheses', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const line = '4242 (java (x) y) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 30 0';
    expect(parseProcStat(line, 100)).toEqual({ ppid: 17, cpuMs: 3000 });
  });

  it('is undefined for text that is not a stat line', () => {
    expect(parseProcStat('garbage')).toBeUndefined();
  });
});

describe('cpuReading', () => {
  it("counts this process's CPU, which only grows", () => {
    const before = cpuReading({ me: process.pid });
    let x = 0;
    for (let i = 0; i < 5e6; i++) x += i;
    expect(x).toBeGreaterThan(0);
    const spent = cpuSpent(before, cpuReading({ me: process.pid }));
    expect(spent.me).toBeGreaterThanOrEqual(0);
  });

  it('reads 0 for a process that is gone', () => {
    expect(cpuReading({ gone: 2 ** 22 + 12345 }).gone).toBe(0);
  });
});

describe('perAnswer', () => {
  it('divides and rounds each process, NaN with no answers', () => {
    expect(perAnswer({ a: 10, b: 1 }, 3)).toEqual({ a: 3.33, b: 0.33 });
    expect(perAnswer({ a: 10 }, 0).a).toBeNaN();
  });
});
