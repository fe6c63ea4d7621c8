import type { ErrorBody } from '@cruddur/http';
import { createMiddleware } from 'hono/factory';
import type { GatewayEnv } from '../env.ts';

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** 415 for a body that does not claim to be JSON, instead of guessing at form posts or plain text. */
export function requireJson() {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
      const body: ErrorBody = { errors: ['unsupported_media_type'] };
      return c.json(body, 415);
    }
    return next();
  });
}
