import { type ErrorBody, rejectInvalidUtf8 } from '@cruddur/http';
import { createMiddleware } from 'hono/factory';
import type { GatewayEnv } from '../env.ts';

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/**
 * 415 for a body that does not claim to be JSON, instead of guessing at form posts or plain text; 400
 * `body_invalid_utf8` for one that is not valid UTF-8. Runs after authentication, so a stranger's body
 * is never read.
 */
export function requireJson() {
  const utf8 = rejectInvalidUtf8();
  return createMiddleware<GatewayEnv>(async (c, next) => {
    if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
      const body: ErrorBody = { errors: ['unsupported_media_type'] };
      return c.json(body, 415);
    }
    return utf8(c, next);
  });
}
