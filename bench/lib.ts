import { setTimeout as delay } from 'node:timers/promises';
import autocannon from 'autocannon';

/** One sample of something measured over a run, `atSeconds` after its start. */
export interface TimePoint {
  atSeconds: number;
  value: number;
}

/**
 * The shape every benchmark returns, so `pnpm bench` can put each figure beside its same-run baseline.
 * Figures are never asserted anywhere: shared machines are noisy, so reports compare ratios.
 */
export interface BenchFigure {
  /** e.g. "identity resolutions/s through the users service" */
  name: string;
  unit: string;
  value: number;
  baseline: { name: string; value: number };
  /** value / baseline.value */
  ratio: number;
  /** Whether a higher value is better (throughput) or lower (latency). */
  higherIsBetter: boolean;
  params: Record<string, string | number | boolean>;
  /**
   * Optional samples over the run (e.g. the soak's RSS every 10 s), in `unit` unless `seriesUnit` says
   * otherwise: a table and a line chart in the report.
   */
  series?: TimePoint[];
  /** The baseline's samples over its own run, drawn beside `series` (e.g. a raw reader's progress). */
  baselineSeries?: TimePoint[];
  /** What `series` counts when it is not `unit` (e.g. "records done" beside a records/s figure). */
  seriesUnit?: string;
  /**
   * The individual measurements behind value and baseline, in `unit`, in the order they were taken (each
   * message's freshness, each request's latency): a distribution chart in the report. When several
   * figures come from the same measurements (p50 and p99), only one of them carries them.
   */
  samples?: { label: string; value: number[]; baseline: number[] };
}

export interface BenchContext {
  /** Smoke mode for CI: tiny sizes, seconds not minutes. */
  quick: boolean;
  log: (message: string) => void;
}

export interface Benchmark {
  id: string;
  /** The issue or area it belongs to, for the report's headings. */
  area: string;
  run(ctx: BenchContext): Promise<BenchFigure[]>;
}

export function figure(f: Omit<BenchFigure, 'ratio'>): BenchFigure {
  return { ...f, ratio: f.baseline.value === 0 ? Number.NaN : f.value / f.baseline.value };
}

/** The most samples a figure keeps per side: plenty for a chart, small in the JSON report. */
export const MAX_SAMPLES = 2_000;

/** At most `max` of `values`, evenly spread over the run and in their order, rounded to 0.01. */
export function chartSamples(values: readonly number[], max = MAX_SAMPLES): number[] {
  const step = Math.max(1, values.length / max);
  const out: number[] = [];
  for (let i = 0; i < values.length && out.length < max; i += step) {
    out.push(Math.round(values[Math.floor(i)]! * 100) / 100);
  }
  return out;
}

export function percentile(sortedOrUnsorted: number[], p: number): number {
  if (sortedOrUnsorted.length === 0) return Number.NaN;
  const sorted = [...sortedOrUnsorted].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface LoadResult {
  completed: number;
  errors: number;
  seconds: number;
  perSecond: number;
  latenciesMs: number[];
}

/**
 * Runs `op` with `concurrency` calls in flight until `durationMs` has passed (or `maxOps` ran),
 * recording each call's latency. Warm-up calls are excluded.
 */
export async function closedLoop(
  op: (i: number) => Promise<unknown>,
  {
    concurrency,
    durationMs,
    maxOps = Number.POSITIVE_INFINITY,
    warmupOps = 0,
  }: { concurrency: number; durationMs: number; maxOps?: number; warmupOps?: number },
): Promise<LoadResult> {
  for (let i = 0; i < warmupOps; i++) await op(-1 - i);
  let next = 0;
  let errors = 0;
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && next < maxOps) {
        const i = next++;
        const t = performance.now();
        try {
          await op(i);
          latenciesMs.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    completed: latenciesMs.length,
    errors,
    seconds,
    perSecond: latenciesMs.length / seconds,
    latenciesMs,
  };
}

export interface OpenLoopResult {
  /** Each answered call: when it was issued (ms after the start) and how long it took. */
  latencies: { at: number; ms: number }[];
  errors: number;
  /** Ticks skipped because `maxInFlight` calls were still open: the system fell behind the rate. */
  dropped: number;
  issued: number;
  seconds: number;
}

/**
 * Issues `op` at a fixed rate (call i at i/rate s, whatever the answers: open loop), with at most `maxInFlight`
 * open, so a slow system shows as dropped ticks and long latencies instead of a slower clock. `beforeTick` runs,
 * awaited, before each tick (the soak samples memory there); `onError` is told of each failed call.
 */
export async function openLoop(
  op: (i: number) => Promise<unknown>,
  {
    ratePerSecond,
    durationMs,
    maxInFlight,
    beforeTick,
    onError,
  }: {
    ratePerSecond: number;
    durationMs: number;
    maxInFlight: number;
    beforeTick?: (elapsedMs: number) => Promise<void>;
    onError?: (err: unknown) => void;
  },
): Promise<OpenLoopResult> {
  const latencies: { at: number; ms: number }[] = [];
  let errors = 0;
  let dropped = 0;
  let issued = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  const total = Math.floor((durationMs / 1000) * ratePerSecond);
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / ratePerSecond - performance.now();
    if (wait > 0) await delay(wait);
    await beforeTick?.(performance.now() - started);
    if (inFlight >= maxInFlight) {
      dropped++;
      continue;
    }
    inFlight++;
    issued++;
    const t = performance.now();
    const call = op(i)
      .then(
        () => {
          latencies.push({ at: t - started, ms: performance.now() - t });
        },
        (err: unknown) => {
          errors++;
          onError?.(err);
        },
      )
      .finally(() => {
        inFlight--;
        pending.delete(call);
      });
    pending.add(call);
  }
  await Promise.all(pending);
  return { latencies, errors, dropped, issued, seconds: (performance.now() - started) / 1000 };
}

/**
 * autocannon, also collecting each 2xx response's latency (ms, in order), so the report can chart the
 * distribution behind autocannon's percentiles. The callback form is the one that hands back the
 * instance whose `response` events carry the latencies.
 */
export function autocannonWithLatencies(
  options: autocannon.Options,
): Promise<autocannon.Result & { latenciesMs: number[] }> {
  return new Promise((resolve, reject) => {
    const latenciesMs: number[] = [];
    const instance = autocannon(options, (err: unknown, result: autocannon.Result) =>
      err ? reject(err) : resolve({ ...result, latenciesMs }),
    );
    instance.on('response', (_client, statusCode, _bytes, ms) => {
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(ms);
    });
  });
}
