import { isUtf8 } from 'node:buffer';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ErrorBody } from './errors.ts';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * At most `maxBytes` of request body (413 `body_too_large`), checked on Content-Length and while
 * streaming, so nothing is read before the route's own checks. The answer closes the connection: the
 * client may still be sending the rest of the body, so the socket cannot be reused, and a keep-alive
 * client that is told so opens a new one for its next request instead of failing on a dead one.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => c.json({ errors: ['body_too_large'] } satisfies ErrorBody, 413, { connection: 'close' }),
  });
  // Asking a GET for its body makes the Node adapter build a full WHATWG Request (a twentieth of a read's
  // CPU); a GET or HEAD whose client declares no body has none to limit.
  return async (c, next) => {
    if (
      (c.req.method === 'GET' || c.req.method === 'HEAD') &&
      c.req.header('content-length') === undefined &&
      c.req.header('transfer-encoding') === undefined
    ) {
      return next();
    }
    return limit(c, next);
  };
}

/**
 * A JSON body must be valid UTF-8 (400 `body_invalid_utf8`): decoding would otherwise turn bad bytes
 * into U+FFFD and store text the client never sent. It reads the body (which Hono then keeps for the
 * validator), so it goes after authentication, and after `limitBody`.
 */
export function rejectInvalidUtf8(): MiddlewareHandler {
  return async (c, next) => {
    if (!WITH_BODY.has(c.req.method) || !c.req.header('content-type')?.includes('json')) return next();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (!isUtf8(bytes)) return c.json({ errors: ['body_invalid_utf8'] } satisfies ErrorBody, 400);
    return next();
  };
}
