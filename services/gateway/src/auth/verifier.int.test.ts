import type { AddressInfo } from 'node:net';
import {
  claimsOf,
  cognitoClient,
  createCognitoUser,
  createOtherClient,
  signAsEmulator,
  signIn,
  signWithStrangerKey,
  unsignedToken,
} from '@cruddur/system-testing';
import { createTestUserPool, testStack } from '@cruddur/test-kit';
import { serve } from '@hono/node-server';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createAccessTokenVerifier,
  InvalidTokenError,
  JwksUnavailableError,
  LocalKeyRefusedError,
} from './verifier.ts';

describe('access token verification against the Cognito emulator', () => {
  const stack = testStack();
  let pool: Awaited<ReturnType<typeof createTestUserPool>>;
  let user: Awaited<ReturnType<typeof createCognitoUser>>;
  let otherClientToken: string;
  let otherPoolToken: string;
  const cognito = () => cognitoClient(pool);

  beforeAll(async () => {
    pool = await createTestUserPool(stack);
    const client = cognito();
    user = await createCognitoUser(client, pool, 'verifyme');
    otherClientToken = (await signIn(client, await createOtherClient(client, pool), user.username))
      .accessToken;
    const otherPool = await createTestUserPool(stack);
    otherPoolToken = (await createCognitoUser(client, otherPool, 'elsewhere')).accessToken;
    client.destroy();
  });

  // The emulator signs with a key published in its npm package: trusted only with local trust on.
  const verifier = () =>
    createAccessTokenVerifier({ issuer: pool.issuer, clientId: pool.clientId, allowEmulatorKeys: true });

  it("refuses the emulator's published key without local trust, at start and on every token", async () => {
    const production = createAccessTokenVerifier({ issuer: pool.issuer, clientId: pool.clientId });
    await expect(production.ping()).rejects.toBeInstanceOf(LocalKeyRefusedError);
    await expect(production.verify(user.accessToken)).rejects.toThrow(/emulator's published key/);
  });
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts a real access token and returns its sub', async () => {
    expect(await verifier().verify(user.accessToken)).toMatchObject({
      sub: user.sub,
      clientId: pool.clientId,
    });
  });

  it.each([
    ['an id token', () => user.idToken],
    // Only token_use differs from a valid access token here, so this fails only if that check is missing.
    [
      'a signed token whose only flaw is token_use=id',
      () => signAsEmulator({ ...claimsOf(user.accessToken), token_use: 'id' }),
    ],
    ['a token for another app client', () => otherClientToken],
    ['a token from another user pool', () => otherPoolToken],
    [
      'an expired token',
      () => signAsEmulator({ ...claimsOf(user.accessToken), exp: now() - 60, iat: now() - 3660 }),
    ],
    ['a token without expiry', () => signAsEmulator({ ...claimsOf(user.accessToken), exp: undefined })],
    [
      'a token signed by another key with the same kid',
      async () => (await signWithStrangerKey(claimsOf(user.accessToken))).token,
    ],
    [
      'a token signed by another key with another kid',
      async () => (await signWithStrangerKey(claimsOf(user.accessToken), { kid: 'x' })).token,
    ],
    ['an unsigned token (alg none)', () => unsignedToken(claimsOf(user.accessToken))],
    [
      'a token with the right claims but another issuer',
      () => signAsEmulator({ ...claimsOf(user.accessToken), iss: 'https://evil.example/pool' }),
    ],
    [
      'a tampered payload',
      () => {
        const [h, , s] = user.accessToken.split('.');
        const payload = Buffer.from(
          JSON.stringify({ ...claimsOf(user.accessToken), sub: 'someone-else' }),
        ).toString('base64url');
        return `${h}.${payload}.${s}`;
      },
    ],
    ['garbage', () => 'not.a.token'],
  ])('rejects %s', async (_name, make) => {
    const token = await make();
    await expect(verifier().verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('says the key set is unavailable (not that the token is bad) when the issuer cannot be reached', async () => {
    const down = createAccessTokenVerifier({
      issuer: 'http://127.0.0.1:9/pool',
      clientId: pool.clientId,
      fetchTimeoutMs: 500,
    });
    const token = await signAsEmulator({ ...claimsOf(user.accessToken), iss: 'http://127.0.0.1:9/pool' });
    await expect(down.verify(token)).rejects.toBeInstanceOf(JwksUnavailableError);
  });
});

describe('JWKS caching', () => {
  it('fetches the key set once, and again only for an unknown kid (key rotation)', async () => {
    const keyA = await generateKeyPair('RS256', { extractable: true });
    const keyB = await generateKeyPair('RS256', { extractable: true });
    const jwk = async (key: CryptoKey, kid: string) => ({
      ...(await exportJWK(key)),
      kid,
      alg: 'RS256',
      use: 'sig',
    });
    let keys = [await jwk(keyA.publicKey, 'a')];
    let fetches = 0;
    const server = serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => {
        fetches++;
        return Response.json({ keys });
      },
    });
    await new Promise((resolve) => server.once('listening', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pool`;
    const sign = (key: CryptoKey, kid: string) =>
      new SignJWT({ token_use: 'access', client_id: 'web', sub: 'u1' })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(issuer)
        .setExpirationTime('5m')
        .sign(key);
    try {
      const verifier = createAccessTokenVerifier({ issuer, clientId: 'web' });
      await verifier.verify(await sign(keyA.privateKey, 'a'));
      await verifier.verify(await sign(keyA.privateKey, 'a'));
      expect(fetches).toBe(1);
      keys = [...keys, await jwk(keyB.publicKey, 'b')];
      expect((await verifier.verify(await sign(keyB.privateKey, 'b'))).sub).toBe('u1');
      expect(fetches).toBe(2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
