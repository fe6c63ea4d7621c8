import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { StartupError } from '@cruddur/local-stack';
import { machineFacts } from './lib/machine.ts';
import type { Benchmark } from './lib.ts';
import { type BenchOutcome, type BenchReport, writeReport } from './report.ts';

/**
 * `pnpm bench [--quick] [--only id,...] [--soak]`: runs every `bench/*.ts` that exports `benchmark`, one
 * after another (never in parallel: two cores, and each benchmark owns the machine while it runs),
 * and writes bench/results/<timestamp>.md/.json and latest.md. A failing benchmark is reported and
 * the run goes on; the exit code is non-zero if any failed.
 */
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');
/** Files of the runner itself; soak.ts is added only when asked for (it takes 10 minutes). */
const NOT_BENCHMARKS = new Set(['lib.ts', 'run.ts', 'report.ts']);
const SOAK_FILE = 'soak.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    soak: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  const ids = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !NOT_BENCHMARKS.has(f))
    .map((f) => f.replace(/\.ts$/, ''));
  console.log(`usage: scripts/bench [--quick] [--only <id,...>] [--soak]   (pnpm bench, with the toolchain on PATH)
  --quick   CI smoke test of the benchmark code: tiny sizes, a 20 s soak; figures are not meaningful
  --only    run only these benchmark ids (comma-separated): ${ids.join(', ')}
  --soak    also run the soak benchmark (10 minutes of mixed traffic; 20 s with --quick)`);
  process.exit(0);
}
const quick = values.quick ?? false;
const only = values.only
  ? values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : null;
const soak = (values.soak ?? false) || (only?.includes('soak') ?? false);

// The local emulators accept any credentials but the AWS SDK insists on having some.
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const log = (message: string) => console.error(`[bench] ${message}`);

async function discover(): Promise<{
  benchmarks: { file: string; benchmark: Benchmark }[];
  skipped: string[];
}> {
  const files = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .filter((f) => !NOT_BENCHMARKS.has(f) && (soak || f !== SOAK_FILE))
    .sort();
  const benchmarks: { file: string; benchmark: Benchmark }[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(BENCH_DIR, file)).href)) as { benchmark?: Benchmark };
    if (!mod.benchmark || typeof mod.benchmark.run !== 'function') {
      skipped.push(`${file}: exports no \`benchmark\``);
      continue;
    }
    benchmarks.push({ file, benchmark: mod.benchmark });
  }
  return { benchmarks, skipped };
}

const startedAt = new Date().toISOString();
const machine = machineFacts();
log(
  `${quick ? 'quick' : 'full'} run on ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadAverageAtStart.join('/')}`,
);

// A benchmark that leaves a promise rejecting in the background must not kill the whole run.
let stray: unknown;
process.on('unhandledRejection', (err) => {
  stray = err;
  log(`unhandled rejection: ${err instanceof Error ? err.message : String(err)}`);
});

const { benchmarks, skipped } = await discover();
const selected = only ? benchmarks.filter((b) => only.includes(b.benchmark.id)) : benchmarks;
const unknown = only?.filter((id) => !benchmarks.some((b) => b.benchmark.id === id)) ?? [];
if (unknown.length > 0) log(`no benchmark with id ${unknown.join(', ')}`);

const results: BenchOutcome[] = [];
for (const { file, benchmark } of selected) {
  log(`── ${benchmark.id} (${file})`);
  const started = performance.now();
  stray = undefined;
  try {
    const figures = await benchmark.run({ quick, log: (m) => log(`${benchmark.id}: ${m}`) });
    if (stray) throw stray;
    results.push({
      id: benchmark.id,
      area: benchmark.area,
      file,
      status: 'ok',
      seconds: (performance.now() - started) / 1000,
      figures,
    });
    for (const f of figures) {
      log(`${benchmark.id}: ${f.name}: ${f.value.toFixed(2)} ${f.unit}, ratio ${f.ratio.toFixed(3)}`);
    }
  } catch (err) {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    log(`${benchmark.id} FAILED: ${error.split('\n')[0]}`);
    // A part that did not come up says what to do, and what it last wrote: CI's output is all there is to read.
    if (err instanceof StartupError) {
      log(`${benchmark.id}: ${err.hint}`);
      for (const line of (err.detail ?? '').trim().split('\n').slice(-20).filter(Boolean))
        log(`${benchmark.id}:   ${line}`);
    }
    results.push({
      id: benchmark.id,
      area: benchmark.area,
      file,
      status: 'failed',
      seconds: (performance.now() - started) / 1000,
      figures: [],
      error,
    });
  }
}
for (const id of unknown) {
  results.push({
    id,
    area: 'unknown',
    file: '-',
    status: 'failed',
    seconds: 0,
    figures: [],
    error: 'no such id',
  });
}

const report: BenchReport = {
  startedAt,
  finishedAt: new Date().toISOString(),
  params: { quick, only, soak },
  machine,
  skipped,
  results,
};
const paths = await writeReport(report, RESULTS_DIR, { warn: log });
const failed = results.filter((r) => r.status === 'failed');
log(`report: ${paths.markdown} (also ${paths.json}, ${paths.latest}, ${paths.charts.length} charts)`);
log(`${results.length - failed.length} passed, ${failed.length} failed`);
// Exit explicitly: a benchmark's leftover timers or sockets must not keep the run alive.
process.exit(failed.length > 0 || results.length === 0 ? 1 : 0);
