import { AppError, type AppVariables } from '@cruddur/http';
import type { Context, MiddlewareHandler } from 'hono';
import type { ServiceName } from './keys.ts';
import type { Principal, ServiceVerifier } from './verifier.ts';

export interface ServiceAuthEnv {
  Variables: AppVariables & { principal: Principal };
}

export interface CallerPolicy {
  /** The services allowed to call these routes. */
  callers: readonly ServiceName[];
  /**
   * `required`: the call must act for a user (a user assertion); `none`: a service credential, no user;
   * `any`: either (the route checks the user itself, e.g. "a user may change only their own profile").
   */
  user: 'required' | 'none' | 'any';
}

const BEARER = /^Bearer ([A-Za-z0-9._-]+)$/;

/**
 * Guards internal routes: the caller proves who it is (and whom it acts for) with a signed assertion in
 * `Authorization: Bearer`. Nothing else about identity is read from the request.
 */
export function requireServiceCredential(
  verifier: ServiceVerifier,
  policy: CallerPolicy,
): MiddlewareHandler<ServiceAuthEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const token = header === undefined ? undefined : (BEARER.exec(header)?.[1] ?? '');
    const principal = await verifier.verify(token === '' ? 'malformed' : token);
    if (!policy.callers.includes(principal.caller)) throw new AppError('service_caller_forbidden');
    if (policy.user === 'required' && principal.userUuid === undefined) {
      throw new AppError('service_caller_forbidden');
    }
    if (policy.user === 'none' && principal.userUuid !== undefined) {
      throw new AppError('service_caller_forbidden');
    }
    c.set('principal', principal);
    await next();
  };
}

/** The user the verified assertion acts for; only on routes whose policy has `user: 'required'`. */
export function actingUser(c: Context<ServiceAuthEnv>): string {
  const user = c.get('principal').userUuid;
  if (user === undefined) throw new AppError('service_caller_forbidden');
  return user;
}

/** The header value that carries an assertion. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
