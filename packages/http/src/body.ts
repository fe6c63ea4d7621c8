import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ErrorBody } from './errors.ts';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * At most `maxBytes` of request body (413 `body_too_large`), checked on Content-Length and while
 * streaming, so nothing is read before the route's own checks. The answer closes the connection: the
 * client may still be sending the rest of the body, so the socket cannot be reused, and a keep-alive
 * client that is told so opens a new one for its next request instead of failing on a dead one.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const tooLarge = (c: Context) =>
    c.json({ errors: ['body_too_large'] } satisfies ErrorBody, 413, { connection: 'close' });
  const limit = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  // Asking for the body (even whether there is one) makes the Node adapter build a full WHATWG Request, a
  // twentieth of a read's CPU and more of a send's; a declared length is checked as hono/body-limit checks
  // it (Node's parser then stops there), so only a chunked body goes through hono/body-limit's counting.
  return async (c, next) => {
    if (c.req.header('transfer-encoding') === undefined) {
      const length = c.req.header('content-length');
      if (length === undefined && (c.req.method === 'GET' || c.req.method === 'HEAD')) return next();
      if (length !== undefined) return Number.parseInt(length, 10) > maxBytes ? tooLarge(c) : next();
    }
    return limit(c, next);
  };
}

// Decodes as the Fetch API's `text()` does: UTF-8, a leading byte-order mark dropped.
const utf8Decoder = new TextDecoder();

/**
 * The body read straight from Node's request, when the Node adapter serves this one and nothing has read
 * it yet (so limitBody let it through on its Content-Length, and Node's parser stops there). Through the
 * adapter it took a WHATWG Request, a web stream over the Node stream and a Response to decode it: with the
 * Request limitBody made, about 6% of the gateway's and of messaging's CPU per send. Undefined elsewhere
 * (`app.request()` in tests, or a chunked body that limitBody already read).
 */
async function readNodeBody(c: Context): Promise<Buffer | undefined> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || typeof incoming.on !== 'function' || incoming.readableDidRead || incoming.readableEnded) {
    return undefined;
  }
  // Events, not `for await`: the async iterator destroys the stream it has read, and the adapter still
  // watches this one.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => resolve(Buffer.concat(chunks)));
    incoming.once('error', reject);
    // A client gone mid-body is answered (to nobody) as a bad request, not logged as our failure.
    incoming.once('aborted', () => reject(new HTTPException(400, { message: 'request body aborted' })));
  });
}

/**
 * A JSON body must be valid UTF-8 (400 `body_invalid_utf8`): decoding would otherwise turn bad bytes
 * into U+FFFD and store text the client never sent. It reads the body (which Hono then keeps for the
 * validator), so it goes after authentication, and after `limitBody`.
 */
export function rejectInvalidUtf8(): MiddlewareHandler {
  return async (c, next) => {
    if (!WITH_BODY.has(c.req.method) || !c.req.header('content-type')?.includes('json')) return next();
    const direct = await readNodeBody(c);
    const bytes = direct ?? new Uint8Array(await c.req.arrayBuffer());
    if (!isUtf8(bytes)) return c.json({ errors: ['body_invalid_utf8'] } satisfies ErrorBody, 400);
    if (direct) {
      // Where Hono's c.req.json() and text() look first (it keeps promises there, whatever its types say).
      const cache = c.req.bodyCache as Record<string, Promise<unknown>>;
      cache.text = Promise.resolve(utf8Decoder.decode(direct));
      cache.arrayBuffer = Promise.resolve(
        direct.buffer.slice(direct.byteOffset, direct.byteOffset + direct.byteLength),
      );
    }
    return next();
  };
}
