import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';

/** What the numbers of one run were measured on; printed at the top of every report. */
export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  os: string;
  /** 1, 5 and 15 minute load averages when the run started: a busy machine explains slow figures. */
  loadAverageAtStart: [number, number, number];
  gitCommit: string;
  gitDirty: boolean;
}

const gib = (bytes: number) => Math.round((bytes / 1024 ** 3) * 10) / 10;

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function machineFacts(): MachineFacts {
  const [one, five, fifteen] = loadavg();
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    node: process.version,
    os: `${platform()} ${release()}`,
    loadAverageAtStart: [one ?? 0, five ?? 0, fifteen ?? 0].map((n) => Math.round(n * 100) / 100) as [
      number,
      number,
      number,
    ],
    gitCommit: git(['rev-parse', '--short', 'HEAD']) ?? 'unknown',
    gitDirty: (git(['status', '--porcelain']) ?? '') !== '',
  };
}
