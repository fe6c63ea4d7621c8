/** A named probe per dependency; it throws (or rejects) when the dependency cannot be used. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'ok' | string>;
  /** The names of the dependencies that are down, so an operator sees at once what to fix. */
  down: string[];
}

const CHECK_TIMEOUT_MS = 2_000;

export async function runReadinessChecks(checks: ReadinessChecks): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, probe]) => {
      try {
        await Promise.race([
          probe(),
          new Promise((_, reject) =>
            setTimeout(
              () => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)),
              CHECK_TIMEOUT_MS,
            ).unref(),
          ),
        ]);
        return [name, 'ok'] as const;
      } catch (err) {
        return [name, `down: ${err instanceof Error ? err.message || err.name : String(err)}`] as const;
      }
    }),
  );
  const down = entries.filter(([, v]) => v !== 'ok').map(([k]) => k);
  return { ready: down.length === 0, checks: Object.fromEntries(entries), down };
}
