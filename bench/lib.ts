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
  /** Optional samples over the run (e.g. the soak's RSS every 10 s), printed as a table in the report. */
  series?: { atSeconds: number; value: number }[];
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
