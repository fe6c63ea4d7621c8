import { bearer, createServiceSigner, generateServiceKey } from '@cruddur/service-auth';
import { callJson, createTestDatabase, createTestQueue, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, testKeys } from '../../test/service-fixture.ts';
import { startUsersService, type UsersService } from '../service.ts';

/** Every internal route of the users service refuses callers that cannot prove who they are. */
const stack = testStack();
let service: UsersService;
let cleanup: () => Promise<void>;
let alice: { uuid: string; handle: string; cognito_user_id: string };
let bob: { uuid: string };

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await callJson(`${service.url}${path}`, { method, headers, ...(body ? { body } : {}) });
  return [res.status, res.body?.errors ?? 'ok'] as const;
}

const register = (tag: string) => ({
  handle: `cred_${tag}_${Date.now().toString(36)}`,
  display_name: `Cred ${tag}`,
  email: `cred.${tag}.${Date.now()}@example.com`,
  cognito_user_id: `sub-cred-${tag}-${Date.now()}`,
});

beforeAll(async () => {
  const [db, queue] = await Promise.all([createTestDatabase(stack, 'users_cred'), createTestQueue(stack)]);
  service = await startUsersService(testConfig(stack, { databaseUrl: db.url, queueUrl: queue.url }), {
    migrate: true,
  });
  cleanup = async () => {
    await service.stop();
    await Promise.all([db.drop(), queue.drop()]);
  };
  const ops = await testKeys.asService('users', 'ops');
  alice = (await callJson(`${service.url}/internal/users`, { body: register('a'), headers: ops })).body;
  bob = (await callJson(`${service.url}/internal/users`, { body: register('b'), headers: ops })).body;
});
afterAll(() => cleanup?.());

describe('users service credentials', () => {
  it('answers 401 with a code to a missing, malformed, forged, expired or misaddressed credential on every route', async () => {
    const impostor = await generateServiceKey('gateway', 'forged');
    const forged = bearer(
      await (await createServiceSigner({ privateKey: impostor.privateKey })).forService('users'),
    );
    const stale = await createServiceSigner({
      privateKey: testKeys.gateway.privateKey,
      now: () => Date.now() - 130_000,
    });
    const expired = bearer(await stale.forService('users'));
    const misaddressed = await testKeys.asService('messaging', 'gateway');
    const routes: [string, string, unknown?][] = [
      ['GET', `/internal/users/by-cognito/${alice.cognito_user_id}`],
      ['GET', `/internal/users/by-handle/${alice.handle}`],
      ['GET', `/internal/users/${alice.uuid}`],
      ['POST', '/internal/users/lookup', { uuids: [alice.uuid] }],
      ['POST', '/internal/users', register('x')],
      ['PATCH', `/internal/users/${alice.uuid}`, { display_name: 'Hijacked' }],
    ];
    for (const [method, path, body] of routes) {
      expect(await call(method, path, {}, body), `${method} ${path}`).toEqual([
        401,
        ['service_credential_missing'],
      ]);
      expect(await call(method, path, { authorization: 'Bearer x.y' }, body)).toEqual([
        401,
        ['service_credential_invalid'],
      ]);
      expect(await call(method, path, { authorization: 'Basic b3BzOm9wcw==' }, body)).toEqual([
        401,
        ['service_credential_invalid'],
      ]);
      expect(await call(method, path, forged, body)).toEqual([401, ['service_credential_invalid']]);
      expect(await call(method, path, expired, body)).toEqual([401, ['service_credential_expired']]);
      expect(await call(method, path, misaddressed, body)).toEqual([401, ['service_credential_audience']]);
    }
    const after = await call(
      'GET',
      `/internal/users/${alice.uuid}`,
      await testKeys.asService('users', 'ops'),
    );
    expect(after).toEqual([200, 'ok']);
  });

  it('lets each route be called only by the services that need it', async () => {
    const gateway = await testKeys.asService('users', 'gateway');
    const messaging = await testKeys.asService('users', 'messaging');
    const ops = await testKeys.asService('users', 'ops');
    const asAlice = bearer(await (await testKeys.signer('gateway')).forUser('users', alice.uuid));
    const byCognito = `/internal/users/by-cognito/${alice.cognito_user_id}`;
    // The email is only for the gateway's identity resolution, and no user acts in it.
    expect(await call('GET', byCognito, gateway)).toEqual([200, 'ok']);
    expect(await call('GET', byCognito, messaging)).toEqual([403, ['service_caller_forbidden']]);
    expect(await call('GET', byCognito, ops)).toEqual([403, ['service_caller_forbidden']]);
    expect(await call('GET', byCognito, asAlice)).toEqual([403, ['service_caller_forbidden']]);
    for (const caller of [gateway, messaging, ops]) {
      expect(await call('GET', `/internal/users/${bob.uuid}`, caller)).toEqual([200, 'ok']);
      expect(await call('GET', `/internal/users/by-handle/${alice.handle}`, caller)).toEqual([200, 'ok']);
    }
    expect(await call('POST', '/internal/users', gateway, register('g'))).toEqual([
      403,
      ['service_caller_forbidden'],
    ]);
    expect(await call('POST', '/internal/users', messaging, register('m'))).toEqual([
      403,
      ['service_caller_forbidden'],
    ]);
    expect((await call('POST', '/internal/users', ops, register('o')))[0]).toBe(201);
  });

  it('lets a user change only their own profile: the acting user comes from the assertion, never the path', async () => {
    const asAlice = bearer(await (await testKeys.signer('gateway')).forUser('users', alice.uuid));
    expect(await call('PATCH', `/internal/users/${bob.uuid}`, asAlice, { display_name: 'Owned' })).toEqual([
      403,
      ['forbidden'],
    ]);
    expect(
      await call('PATCH', `/internal/users/${alice.uuid}`, asAlice, { display_name: 'Alice Again' }),
    ).toEqual([200, 'ok']);
    const messaging = await testKeys.asService('users', 'messaging');
    expect(await call('PATCH', `/internal/users/${bob.uuid}`, messaging, { display_name: 'Owned' })).toEqual([
      403,
      ['service_caller_forbidden'],
    ]);
    // The gateway may only act for the user themself; its service credential changes nobody's profile.
    const gatewayItself = await testKeys.asService('users', 'gateway');
    expect(
      await call('PATCH', `/internal/users/${bob.uuid}`, gatewayItself, { display_name: 'Owned' }),
    ).toEqual([403, ['forbidden']]);
    const bobNow = await callJson(`${service.url}/internal/users/${bob.uuid}`, {
      headers: await testKeys.asService('users', 'ops'),
    });
    expect(bobNow.body).toMatchObject({ display_name: 'Cred b', version: 1 });
  });
});
