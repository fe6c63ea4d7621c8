import { importJWK, SignJWT } from 'jose';
import { ALGORITHM, keyOwner, type PrivateServiceKey, type ServiceName } from './keys.ts';

/** The JOSE `typ` of our assertions, so no other JWT (a Cognito token, say) is ever taken for one. */
export const ASSERTION_TYPE = 'svc+jwt';
export const DEFAULT_ASSERTION_TTL_SECONDS = 60;

export interface ServiceSigner {
  readonly service: ServiceName;
  /** An assertion that `service` calls `audience` acting for `userUuid`. */
  forUser(audience: ServiceName, userUuid: string): Promise<string>;
  /** A service credential: `service` calls `audience` for itself, with no user acting. */
  forService(audience: ServiceName): Promise<string>;
}

export interface ServiceSignerOptions {
  privateKey: PrivateServiceKey;
  ttlSeconds?: number;
  now?: () => number;
  /** Most cached assertions kept; each is reused for half its lifetime, so a busy user costs one signature per 30 s. */
  cacheSize?: number;
}

/**
 * Mints short-lived assertions with this service's own key. The issuer is the key's owner, so a key
 * cannot speak for another service. Assertions are reused for half their lifetime, which keeps signing
 * off the hot path without letting a leaked one live longer than `ttlSeconds`.
 */
export async function createServiceSigner({
  privateKey,
  ttlSeconds = DEFAULT_ASSERTION_TTL_SECONDS,
  now = Date.now,
  cacheSize = 10_000,
}: ServiceSignerOptions): Promise<ServiceSigner> {
  const service = keyOwner(privateKey.kid);
  if (!service) throw new Error(`signing key ${privateKey.kid} names no known service`);
  const key = await importJWK(privateKey, ALGORITHM);
  const cache = new Map<string, { token: string; renewAt: number }>();

  async function mint(audience: ServiceName, subject: string | undefined): Promise<string> {
    const cacheKey = `${audience} ${subject ?? ''}`;
    const at = now();
    const cached = cache.get(cacheKey);
    if (cached && cached.renewAt > at) return cached.token;
    const issuedAt = Math.floor(at / 1000);
    const jwt = new SignJWT(subject === undefined ? {} : { sub: subject })
      .setProtectedHeader({ alg: ALGORITHM, kid: privateKey.kid, typ: ASSERTION_TYPE })
      .setIssuer(service!)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds);
    const token = await jwt.sign(key);
    if (cache.size >= cacheSize) cache.clear();
    cache.set(cacheKey, { token, renewAt: at + (ttlSeconds * 1000) / 2 });
    return token;
  }

  return {
    service,
    forUser: (audience, userUuid) => mint(audience, userUuid),
    forService: (audience) => mint(audience, undefined),
  };
}
