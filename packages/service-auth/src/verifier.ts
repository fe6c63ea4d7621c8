import { AppError, type ErrorCode, isUuid } from '@cruddur/contracts';
import { createLocalJWKSet, errors, jwtVerify } from 'jose';
import { ALGORITHM, keyOwner, type PublicKeySet, type ServiceName } from './keys.ts';
import { ASSERTION_TYPE, DEFAULT_ASSERTION_TTL_SECONDS } from './signer.ts';

/** Who is calling: the verified caller service, and the user it acts for (absent on a service credential). */
export interface Principal {
  caller: ServiceName;
  userUuid?: string;
}

export interface ServiceVerifier {
  readonly audience: ServiceName;
  /** The principal of a bearer assertion, or an AppError with a `service_credential_*` code. */
  verify(token: string | undefined): Promise<Principal>;
}

export interface ServiceVerifierOptions {
  /** This service: an assertion minted for any other audience is refused. */
  audience: ServiceName;
  publicKeys: PublicKeySet;
  /** Allowed clock difference between caller and callee. */
  clockToleranceSeconds?: number;
  /** Longest lifetime accepted, whatever `exp` says: an assertion minted for a day is still refused. */
  maxAgeSeconds?: number;
  now?: () => number;
  /**
   * Verified assertions remembered until they expire. Signers reuse an assertion for half its life, so
   * a busy caller is verified once per assertion rather than once per request; same bytes, same answer.
   */
  cacheSize?: number;
}

const refused = (code: ErrorCode, cause?: unknown) => new AppError(code, { cause });

/**
 * Verifies assertions against the public keys this service trusts. Besides the signature, expiry and
 * audience, the issuer must be the owner of the key that signed: the messaging service's key cannot
 * mint an assertion that claims to come from the gateway.
 */
export function createServiceVerifier({
  audience,
  publicKeys,
  clockToleranceSeconds = 5,
  maxAgeSeconds = DEFAULT_ASSERTION_TTL_SECONDS * 2,
  now = Date.now,
  cacheSize = 10_000,
}: ServiceVerifierOptions): ServiceVerifier {
  const keySet = createLocalJWKSet(publicKeys);
  const verified = new Map<string, { principal: Principal; expiresAt: number }>();

  return {
    audience,
    async verify(token) {
      if (!token) throw refused('service_credential_missing');
      const cached = verified.get(token);
      if (cached) {
        if (cached.expiresAt > now()) return cached.principal;
        verified.delete(token);
      }
      const result = await verifyUncached(token);
      if (verified.size >= cacheSize) verified.clear();
      // Tokens are remembered in the order verified and live about as long each, so the expired ones are at the
      // front: dropped as new ones come, the cache holds what is live instead of every token of the process's life.
      const at = now();
      for (const [old, entry] of verified) {
        if (entry.expiresAt > at) break;
        verified.delete(old);
      }
      verified.set(token, result);
      return result.principal;
    },
  };

  async function verifyUncached(token: string): Promise<{ principal: Principal; expiresAt: number }> {
    let result: Awaited<ReturnType<typeof jwtVerify>>;
    try {
      result = await jwtVerify(token, keySet, {
        algorithms: [ALGORITHM],
        typ: ASSERTION_TYPE,
        audience,
        requiredClaims: ['iss', 'iat', 'exp'],
        maxTokenAge: maxAgeSeconds,
        clockTolerance: clockToleranceSeconds,
        currentDate: new Date(now()),
      });
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw refused('service_credential_expired', err);
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'aud') {
        throw refused('service_credential_audience', err);
      }
      throw refused('service_credential_invalid', err);
    }
    const { payload, protectedHeader } = result;
    const owner = protectedHeader.kid === undefined ? undefined : keyOwner(protectedHeader.kid);
    if (!owner || payload.iss !== owner) throw refused('service_credential_invalid');
    // Remembered until the earlier of its expiry and the longest age accepted (less the tolerance).
    const expiresAt = Math.min((payload.exp ?? 0) * 1000, ((payload.iat ?? 0) + maxAgeSeconds) * 1000);
    if (payload.sub === undefined) return { principal: { caller: owner }, expiresAt };
    if (!isUuid(payload.sub)) throw refused('service_credential_invalid');
    return { principal: { caller: owner, userUuid: payload.sub.toLowerCase() }, expiresAt };
  }
}
