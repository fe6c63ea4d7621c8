import { AppError, type ErrorBody } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { GatewayEnv } from '../env.ts';
import { clientAddress } from '../middleware/rate-limit.ts';
import type { TokenBuckets } from '../middleware/token-bucket.ts';
import type { IdentityResolver } from './identity.ts';
import { type AccessTokenVerifier, InvalidTokenError, JwksUnavailableError } from './verifier.ts';

// Three base64url parts; anything else is rejected before any crypto or network work.
const JWT_SHAPE = /^[A-Za-z0-9_-]{1,4096}\.[A-Za-z0-9_-]{1,8192}\.[A-Za-z0-9_-]{0,1024}$/;

export interface AuthenticateOptions {
  verifier: AccessTokenVerifier;
  identities: IdentityResolver;
  logger: Logger;
  /** Without a token: 401 when required, else the request goes on anonymously. */
  required: boolean;
  /** Also read `?access_token=`: browsers' EventSource cannot send an Authorization header. */
  allowQueryToken?: boolean;
  /** Failed attempts per client address; when its bucket is empty the address gets 429 before any check. */
  failures: TokenBuckets;
  trustProxy?: boolean;
}

function bearerToken(c: Context, allowQueryToken: boolean): string | undefined {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(header);
    return match?.[1] ?? '';
  }
  if (allowQueryToken) return c.req.query('access_token');
  return undefined;
}

function unauthorized(c: Context) {
  const body: ErrorBody = { errors: ['unauthorized'] };
  return c.json(body, 401, { 'WWW-Authenticate': 'Bearer' });
}

function tooManyFailures(c: Context, retryAfterSeconds: number) {
  const body: ErrorBody = { errors: ['rate_limited'] };
  return c.json(body, 429, { 'Retry-After': String(retryAfterSeconds) });
}

/**
 * Verifies the Cognito access token and resolves the caller, before any body is read. Every token
 * problem, and a token whose user we do not know, is the same 401; a key set or users service that
 * cannot be reached is 503, because signing in again would not help.
 */
export function authenticate({
  verifier,
  identities,
  logger,
  required,
  allowQueryToken = false,
  failures,
  trustProxy = false,
}: AuthenticateOptions) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const address = clientAddress(c, trustProxy);
    // Each failure spends a token of the address's bucket; an empty bucket answers before any crypto or
    // look-up, so guessing tokens costs the guesser far more than it costs us.
    const failed = () => {
      const spent = failures.take(address);
      return spent.ok ? unauthorized(c) : tooManyFailures(c, spent.retryAfterSeconds);
    };
    const token = bearerToken(c, allowQueryToken);
    if (token === undefined && !required) return next();
    const budget = failures.peek(address);
    if (!budget.ok) return tooManyFailures(c, budget.retryAfterSeconds);
    if (token === undefined) return failed();
    if (!JWT_SHAPE.test(token)) {
      logger.info({ reason: 'not a JWT' }, 'token rejected');
      return failed();
    }
    let sub: string;
    try {
      sub = (await verifier.verify(token)).sub;
    } catch (err) {
      if (err instanceof InvalidTokenError) {
        // The reason (expired, wrong client, bad signature) helps whoever debugs a sign-in; never the token.
        logger.info({ reason: err.message }, 'token rejected');
        return failed();
      }
      if (err instanceof JwksUnavailableError) throw AppError.unavailable(err);
      throw err;
    }
    const caller = await identities.resolve(sub);
    if (!caller) {
      logger.warn({ sub }, 'valid token of a sub with no user');
      return failed();
    }
    c.set('caller', caller);
    return next();
  });
}

/** The caller on a route mounted behind a required `authenticate`. */
export function callerOf(c: Context<GatewayEnv>) {
  const caller = c.get('caller');
  if (!caller) throw new AppError('unauthorized');
  return caller;
}
