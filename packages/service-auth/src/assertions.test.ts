import { base64url, importJWK, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateServiceKey, publicKeySetJson, publicKeysEnv, type ServiceKeyPair } from './keys.ts';
import { createServiceSigner } from './signer.ts';
import { createServiceVerifier } from './verifier.ts';

const USER = '5ae290ed-55d1-47a0-bc6d-fe2bc2700399';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (err) {
    return (err as { codes?: string[] }).codes?.join(',') ?? String(err);
  }
}

function verifierFor(keys: ServiceKeyPair[], options: { now?: () => number } = {}) {
  return createServiceVerifier({
    audience: 'messaging',
    publicKeys: publicKeysEnv.parse(publicKeySetJson(keys.map((k) => k.publicKey))),
    ...options,
  });
}

describe('service assertions', () => {
  it('carry the caller and the acting user, and service credentials carry no user', async () => {
    const gateway = await generateServiceKey('gateway');
    const signer = await createServiceSigner({ privateKey: gateway.privateKey });
    const verifier = verifierFor([gateway]);
    expect(await verifier.verify(await signer.forUser('messaging', USER.toUpperCase()))).toEqual({
      caller: 'gateway',
      userUuid: USER,
    });
    expect(await verifier.verify(await signer.forService('messaging'))).toEqual({ caller: 'gateway' });
  });

  it('refuses a missing, malformed, foreign-key, unsigned or wrongly typed credential', async () => {
    const gateway = await generateServiceKey('gateway', 'a');
    const impostor = await generateServiceKey('gateway', 'a');
    const verifier = verifierFor([gateway]);
    const forged = await (await createServiceSigner({ privateKey: impostor.privateKey })).forUser(
      'messaging',
      USER,
    );
    const unsigned = new UnsecuredJWT({ sub: USER })
      .setIssuer('gateway')
      .setAudience('messaging')
      .setIssuedAt()
      .setExpirationTime('1m')
      .encode();
    const key = await importJWK(gateway.privateKey, 'EdDSA');
    const cognitoLike = await new SignJWT({ sub: USER })
      .setProtectedHeader({ alg: 'EdDSA', kid: gateway.privateKey.kid })
      .setIssuer('gateway')
      .setAudience('messaging')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(key);
    expect(await codeOf(verifier.verify(undefined))).toBe('service_credential_missing');
    expect(await codeOf(verifier.verify('not.a.jwt'))).toBe('service_credential_invalid');
    expect(await codeOf(verifier.verify(forged))).toBe('service_credential_invalid');
    expect(await codeOf(verifier.verify(unsigned))).toBe('service_credential_invalid');
    expect(await codeOf(verifier.verify(cognitoLike))).toBe('service_credential_invalid');
    const [header, payload] = forged.split('.');
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(base64url.decode(payload!))), sub: '00000000-0000-4000-8000-000000000000' }))}.${forged.split('.')[2]}`;
    expect(await codeOf(verifier.verify(tampered))).toBe('service_credential_invalid');
  });

  it('refuses a key that claims to speak for another service than its owner', async () => {
    const messaging = await generateServiceKey('messaging');
    const key = await importJWK(messaging.privateKey, 'EdDSA');
    const claimsGateway = await new SignJWT({ sub: USER })
      .setProtectedHeader({ alg: 'EdDSA', kid: messaging.privateKey.kid, typ: 'svc+jwt' })
      .setIssuer('gateway')
      .setAudience('messaging')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(key);
    expect(await codeOf(verifierFor([messaging]).verify(claimsGateway))).toBe('service_credential_invalid');
  });

  it('refuses an expired credential, one for another audience, and one minted to live too long', async () => {
    const gateway = await generateServiceKey('gateway');
    let clock = Date.now();
    const signer = await createServiceSigner({ privateKey: gateway.privateKey, now: () => clock });
    const token = await signer.forUser('messaging', USER);
    const verifier = verifierFor([gateway], { now: () => clock });
    clock += 66_000;
    expect(await codeOf(verifier.verify(token))).toBe('service_credential_expired');
    expect(await codeOf(verifier.verify(await signer.forUser('users', USER)))).toBe(
      'service_credential_audience',
    );
    const longLived = await createServiceSigner({
      privateKey: gateway.privateKey,
      ttlSeconds: 86_400,
      now: () => clock - 200_000,
    });
    expect(await codeOf(verifier.verify(await longLived.forService('messaging')))).not.toBe('accepted');
  });

  it('reuses an assertion for half its lifetime, then mints a new one', async () => {
    const gateway = await generateServiceKey('gateway');
    let clock = 1_800_000_000_000;
    const signer = await createServiceSigner({ privateKey: gateway.privateKey, now: () => clock });
    const first = await signer.forUser('messaging', USER);
    clock += 29_000;
    expect(await signer.forUser('messaging', USER)).toBe(first);
    clock += 2_000;
    expect(await signer.forUser('messaging', USER)).not.toBe(first);
  });

  it('rotates without downtime: old and new keys are both valid while verifiers hold both', async () => {
    const oldKey = await generateServiceKey('gateway', 'old');
    const newKey = await generateServiceKey('gateway', 'new');
    const during = verifierFor([oldKey, newKey]);
    const after = verifierFor([newKey]);
    const oldToken = await (await createServiceSigner({ privateKey: oldKey.privateKey })).forService(
      'messaging',
    );
    const newToken = await (await createServiceSigner({ privateKey: newKey.privateKey })).forService(
      'messaging',
    );
    expect(await codeOf(during.verify(oldToken))).toBe('accepted');
    expect(await codeOf(during.verify(newToken))).toBe('accepted');
    expect(await codeOf(after.verify(newToken))).toBe('accepted');
    expect(await codeOf(after.verify(oldToken))).toBe('service_credential_invalid');
  });

  it('takes at most two keys per caller and rejects malformed key sets', async () => {
    const keys = await Promise.all(['a', 'b', 'c'].map((id) => generateServiceKey('gateway', id)));
    expect(publicKeysEnv.safeParse(publicKeySetJson(keys.map((k) => k.publicKey))).success).toBe(false);
    expect(publicKeysEnv.safeParse('{"keys":[]}').success).toBe(false);
    expect(publicKeysEnv.safeParse('not json').success).toBe(false);
    expect(publicKeysEnv.safeParse(JSON.stringify({ keys: [keys[0]!.privateKey] })).success).toBe(true);
    expect(
      publicKeysEnv.safeParse(JSON.stringify({ keys: [{ ...keys[0]!.publicKey, kid: 'nobody.x' }] })).success,
    ).toBe(false);
  });
});
