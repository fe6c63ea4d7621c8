import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

const require = createRequire(import.meta.url);

/**
 * cognito-local signs with a key that ships inside its npm package. Loading it here lets tests mint
 * tokens that are correctly signed but wrong in one other way (expired, another client, no expiry),
 * which the emulator itself never issues. This is also why that issuer is trusted only locally.
 */
export async function emulatorSigningKey() {
  const file = join(
    dirname(require.resolve('cognito-local/package.json')),
    'lib/keys/cognitoLocal.private.json',
  );
  const { jwk } = JSON.parse(readFileSync(file, 'utf8')) as { jwk: JWK };
  return importJWK(jwk, 'RS256');
}

export interface Claims {
  [claim: string]: unknown;
}

/** A JWT signed with the emulator's own key (kid CognitoLocal). */
export async function signAsEmulator(claims: Claims, { kid = 'CognitoLocal' } = {}) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(await emulatorSigningKey());
}

/** A JWT signed with a fresh key pair nobody trusts. */
export async function signWithStrangerKey(claims: Claims, { kid = 'CognitoLocal' } = {}) {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
  return { token, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** An unsigned token (`alg: none`), which no verifier may accept. */
export function unsignedToken(claims: Claims, { kid = 'CognitoLocal' } = {}) {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT', kid })}.${encode(claims)}.`;
}

/** The payload of a token, read without checking it (to copy a real token's claims). */
export function claimsOf(token: string): Claims {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Claims;
}
