import { REQUEST_ID_HEADER } from '@cruddur/logger';
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

const EXPOSED_HEADERS = ['X-Next-Cursor', 'Retry-After', REQUEST_ID_HEADER].join(',');

/**
 * CORS for the configured origins only: any other origin gets no Access-Control-Allow-Origin, so
 * browsers refuse to hand it our responses. With no origins configured, nothing cross-origin works.
 *
 * Preflights are hono/cors's. Every other request gets the same headers hono/cors would give it, but set
 * before the handler answers, so Hono builds them into the response it makes: hono/cors sets them on a
 * placeholder response and copies the handler's answer over it, then copies it again to add `Vary`, and each
 * copy turns the Node adapter's plain string body into a full WHATWG Response (about 8% of the gateway's CPU
 * on a page of conversations).
 */
export function corsForOrigins(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  const preflight = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    // PATCH and DELETE: renaming a group, editing and deleting a message.
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', REQUEST_ID_HEADER],
    exposeHeaders: EXPOSED_HEADERS.split(','),
    maxAge: 600,
  });
  return async function corsHeaders(c, next) {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    const origin = c.req.header('origin');
    if (origin !== undefined && allowed.has(origin)) c.header('Access-Control-Allow-Origin', origin);
    c.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    // The answer differs by origin, so a shared cache must not hand one origin's answer to another.
    c.header('Vary', 'Origin', { append: true });
    await next();
  };
}
