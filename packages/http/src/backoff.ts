/**
 * Full-jitter exponential backoff (AWS architecture blog): a random pause in `[0, min(capMs, baseMs * 2^attempt))`,
 * which spreads the retries of many workers apart.
 */
export function backoffMs(attempt: number, baseMs: number, capMs = 5_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}

/** Waits `ms`; an abort ends the wait early and resolves (it does not reject), so callers check the signal after. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
