import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { TtlCache } from './ttl-cache.ts';

/** The claims the gateway relies on, from a token that passed every check. */
export interface AccessClaims {
  sub: string;
  username: string | undefined;
  clientId: string;
}

export interface AccessTokenVerifier {
  /** Resolves with the claims of a valid access token; rejects with InvalidTokenError or JwksUnavailableError. */
  verify(token: string): Promise<AccessClaims>;
  /** Fetches the JWKS once, for readiness and to warm the cache before traffic arrives. */
  ping(): Promise<void>;
}

/** The token is not acceptable: the caller gets 401. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** The key set could not be fetched: not the caller's fault, so 503 rather than 401. */
export class JwksUnavailableError extends Error {
  override name = 'JwksUnavailableError';
}

const PING_EVERY_MS = 60_000;

/**
 * A token that passed every check is remembered for at most this long (and never past its `exp`), so a busy
 * user's requests cost one RS256 verification a minute instead of one each (it was a tenth of the gateway's CPU).
 * Short enough that a key withdrawn from the key set stops being honoured within a minute.
 */
const VERIFIED_TTL_MS = 60_000;
/** Tokens remembered at once: a few thousand active users, about 1 KB each. */
const VERIFIED_MAX_ENTRIES = 2_000;

/**
 * The Cognito emulator's signing key ships in its npm package (cognito-local, lib/keys), so anyone can
 * sign tokens with it. Outside local trust a key set or token that uses it is refused, whatever the issuer.
 */
const EMULATOR_KEY_ID = 'CognitoLocal';
const EMULATOR_KEY_MODULUS_START = '2uLO7yh1_6Icfd89V3nNTc_qhfpDN7vEmOYlmJQlc9_RmOns26lg88fXXFntZESwHOm7';

function isEmulatorKey(jwk: { kid?: unknown; n?: unknown }): boolean {
  return (
    jwk.kid === EMULATOR_KEY_ID || (typeof jwk.n === 'string' && jwk.n.startsWith(EMULATOR_KEY_MODULUS_START))
  );
}

/** The key set names the emulator's published key while local trust is off: refused at start and on every token. */
export class LocalKeyRefusedError extends Error {
  override name = 'LocalKeyRefusedError';
}

export interface VerifierOptions {
  issuer: string;
  clientId: string;
  /** Defaults to `<issuer>/.well-known/jwks.json`, where Cognito and its emulator both serve it. */
  jwksUri?: string;
  fetchTimeoutMs?: number;
  /** Local development only: accept the Cognito emulator's published signing key. */
  allowEmulatorKeys?: boolean;
}

/**
 * Cognito access-token verification that takes the same path against AWS and the local emulator:
 * aws-jwt-verify's generic verifier (signature through the JWKS, `exp`, `iss`, algorithm), plus the two
 * Cognito checks as a custom check, because CognitoJwtVerifier insists on the AWS issuer URL. The JWKS is
 * cached and refetched when a token names an unknown `kid` (rate-limited by the library's penalty box).
 * The fetcher uses `fetch`, since the library's default one refuses the emulator's http URL.
 */
export function createAccessTokenVerifier({
  issuer,
  clientId,
  jwksUri = `${issuer}/.well-known/jwks.json`,
  fetchTimeoutMs = 3_000,
  allowEmulatorKeys = false,
}: VerifierOptions): AccessTokenVerifier {
  const fetcher = {
    fetch: async (uri: string): Promise<ArrayBuffer> => {
      let response: Response;
      try {
        response = await fetch(uri, { signal: AbortSignal.timeout(fetchTimeoutMs) });
      } catch (err) {
        throw new JwksUnavailableError(`JWKS fetch failed: ${(err as Error).message}`, { cause: err });
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new JwksUnavailableError(`JWKS fetch answered ${response.status}`);
      }
      return response.arrayBuffer();
    },
  };
  const jwksCache = new SimpleJwksCache({ fetcher });
  let lastPing = 0;
  const verifier = JwtVerifier.create(
    {
      issuer,
      jwksUri,
      // Access tokens carry no `aud`; Cognito puts the app client in `client_id` instead.
      audience: null,
      customJwtCheck: ({ payload, jwk }) => {
        if (!allowEmulatorKeys && isEmulatorKey(jwk)) {
          throw new InvalidTokenError("signed with the Cognito emulator's published key");
        }
        // The library checks `exp` only when present; Cognito always sets it, so a token without one is forged.
        if (typeof payload.exp !== 'number') throw new InvalidTokenError('no expiry');
        if (payload.token_use !== 'access') throw new InvalidTokenError('not an access token');
        if (payload.client_id !== clientId) throw new InvalidTokenError('issued to another client');
        if (typeof payload.sub !== 'string' || payload.sub.length === 0)
          throw new InvalidTokenError('no sub');
      },
    },
    { jwksCache },
  );

  const verified = new TtlCache<string, { claims: AccessClaims; expiresAtMs: number }>({
    ttlMs: VERIFIED_TTL_MS,
    maxEntries: VERIFIED_MAX_ENTRIES,
  });

  return {
    async verify(token) {
      const known = verified.get(token);
      if (known && known.expiresAtMs > Date.now()) return known.claims;
      try {
        const payload = await verifier.verify(token);
        const claims = {
          sub: payload.sub as string,
          username: typeof payload.username === 'string' ? payload.username : undefined,
          clientId,
        };
        // customJwtCheck insists on a numeric exp, so every verified token has one.
        verified.set(token, { claims, expiresAtMs: (payload.exp as number) * 1000 });
        return claims;
      } catch (err) {
        if (err instanceof JwksUnavailableError) throw err;
        throw new InvalidTokenError((err as Error).message, { cause: err });
      }
    },
    async ping() {
      // Readiness is polled every few seconds; the key set needs checking far less often than that.
      if (Date.now() - lastPing < PING_EVERY_MS) return;
      const jwks = await jwksCache.getJwks(jwksUri);
      if (!allowEmulatorKeys && jwks.keys.some((key) => isEmulatorKey(key))) {
        throw new LocalKeyRefusedError(
          `${jwksUri} serves the Cognito emulator's published signing key; set AUTH_LOCAL_TRUST=true only on a developer machine`,
        );
      }
      lastPing = Date.now();
    },
  };
}
