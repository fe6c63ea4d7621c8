import { REQUEST_ID_HEADER } from '@cruddur/logger';
import { cors } from 'hono/cors';

/**
 * CORS for the configured origins only: any other origin gets no Access-Control-Allow-Origin, so
 * browsers refuse to hand it our responses. With no origins configured, nothing cross-origin works.
 */
export function corsForOrigins(origins: readonly string[]) {
  const allowed = new Set(origins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    // PATCH and DELETE: renaming a group, editing and deleting a message.
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', REQUEST_ID_HEADER],
    exposeHeaders: ['X-Next-Cursor', 'Retry-After', REQUEST_ID_HEADER],
    maxAge: 600,
  });
}
