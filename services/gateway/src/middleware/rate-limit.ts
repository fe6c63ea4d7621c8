import type { ErrorBody } from '@cruddur/http';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createMiddleware } from 'hono/factory';
import type { GatewayEnv } from '../env.ts';
import { TokenBuckets } from './token-bucket.ts';

/**
 * Per-caller rate limit: the signed-in user when there is one, else the client address (the public
 * user look-up). Answers 429 `rate_limited` with Retry-After.
 */
export function rateLimit(options: { capacity: number; refillPerSecond: number; trustProxy?: boolean }) {
  const buckets = new TokenBuckets(options);
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const user = c.get('caller');
    const key = user ? `user:${user.uuid}` : `addr:${clientAddress(c, options.trustProxy ?? false)}`;
    const result = buckets.take(key);
    if (!result.ok) {
      const body: ErrorBody = { errors: ['rate_limited'] };
      return c.json(body, 429, { 'Retry-After': String(result.retryAfterSeconds) });
    }
    await next();
  });
}

/** The caller's address: the socket's, or behind our load balancer the one it appended. */
export function clientAddress(c: Parameters<typeof getConnInfo>[0], trustProxy: boolean): string {
  if (trustProxy) {
    // Our load balancer appends the address it saw; earlier entries are whatever the client claimed.
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket.
    return 'unknown';
  }
}
