import { createServer } from 'node:net';

/** Asks the kernel for a free loopback port. Parallel test files each get their own. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls `probe` until it resolves, or fails with the last error after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<unknown>,
  {
    timeoutMs = 60_000,
    intervalMs = 50,
    isDead = (): boolean => false,
  }: { timeoutMs?: number; intervalMs?: number; isDead?: () => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (isDead()) throw new Error(`${what} exited before it was ready`);
    try {
      await probe();
      return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `${what} not ready after ${timeoutMs} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}

/** Resolves when anything answers HTTP at `url` (any status), i.e. the server is accepting requests. */
export async function httpAnswers(url: string): Promise<void> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  await res.body?.cancel();
}
