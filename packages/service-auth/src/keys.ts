import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { z } from 'zod';

/** Every caller that may hold a signing key. A key's id starts with its owner's name: `gateway.2026-12-01`. */
export const serviceNames = ['gateway', 'users', 'messaging', 'ops'] as const;
export type ServiceName = (typeof serviceNames)[number];

export const ALGORITHM = 'EdDSA';

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/);
const keyId = z
  .string()
  .regex(/^(gateway|users|messaging|ops)\.[A-Za-z0-9_-]{1,64}$/, 'kid must be <service>.<id>');

const publicJwk = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: base64url,
  kid: keyId,
});
const privateJwk = publicJwk.extend({ d: base64url });

export type PublicServiceKey = z.infer<typeof publicJwk>;
export type PrivateServiceKey = z.infer<typeof privateJwk>;

/** The service a key belongs to, read from its id. */
export function keyOwner(kid: string): ServiceName | undefined {
  const owner = kid.slice(0, kid.indexOf('.'));
  return (serviceNames as readonly string[]).includes(owner) ? (owner as ServiceName) : undefined;
}

function parseJson(text: string, ctx: z.RefinementCtx): unknown {
  try {
    return JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON' });
    return z.NEVER;
  }
}

/** Env value: this service's private signing key as a JWK (JSON). */
export const privateKeyEnv = z.string().min(1).transform(parseJson).pipe(privateJwk);

/**
 * Env value: the public keys this service accepts, as a JWK set (JSON). During a rotation it holds the
 * old and the new key of a caller; at most two per caller, so a forgotten old key cannot linger.
 */
export const publicKeysEnv = z
  .string()
  .min(1)
  .transform(parseJson)
  .pipe(z.object({ keys: z.array(publicJwk).min(1) }))
  .superRefine((set, ctx) => {
    const perOwner = new Map<string, number>();
    const ids = new Set<string>();
    for (const key of set.keys) {
      if (ids.has(key.kid)) ctx.addIssue({ code: 'custom', message: `duplicate kid ${key.kid}` });
      ids.add(key.kid);
      const owner = keyOwner(key.kid) ?? '?';
      perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1);
    }
    for (const [owner, count] of perOwner) {
      if (count > 2) ctx.addIssue({ code: 'custom', message: `more than two keys for ${owner}` });
    }
  });
export type PublicKeySet = z.infer<typeof publicKeysEnv>;

export interface ServiceKeyPair {
  privateKey: PrivateServiceKey;
  publicKey: PublicServiceKey;
}

/** A new Ed25519 key pair for `service`, as JWKs; the id defaults to today's date plus a random suffix. */
export async function generateServiceKey(service: ServiceName, id?: string): Promise<ServiceKeyPair> {
  const pair = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
  const suffix = id ?? `${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
  const kid = `${service}.${suffix}`;
  const priv = (await exportJWK(pair.privateKey)) as JWK;
  return {
    privateKey: privateJwk.parse({ ...priv, kid }),
    publicKey: publicJwk.parse({ kty: priv.kty, crv: priv.crv, x: priv.x, kid }),
  };
}

/** The JSON a `*_PUBLIC_KEYS` variable holds. */
export function publicKeySetJson(keys: readonly PublicServiceKey[]): string {
  return JSON.stringify({ keys });
}
