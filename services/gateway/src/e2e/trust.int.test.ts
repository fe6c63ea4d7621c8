import { generateServiceKey } from '@cruddur/service-auth';
import {
  call,
  cognitoClient,
  createCognitoUser,
  type E2eSystem,
  startE2eSystem,
  type TestUser,
} from '@cruddur/system-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/** Where the gateway spends effort on callers it cannot trust, and what it trusts downstream. */
describe('gateway trust boundary', () => {
  let system: E2eSystem;
  let alice: TestUser;

  beforeAll(async () => {
    system = await startE2eSystem();
    alice = await system.createUser('tr_alice');
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('rate limits failed sign-ins per client address, with Retry-After, and only that address', async () => {
    const gateway = await system.startGateway({
      AUTH_FAILURE_BURST: '3',
      AUTH_FAILURE_PER_SECOND: '1',
      TRUST_PROXY: 'true',
    });
    const from = (address: string, token?: string) =>
      call(gateway.url, '/api/message_groups', {
        ...(token ? { token } : {}),
        headers: { 'x-forwarded-for': address },
      });
    const attempts = [];
    for (let i = 0; i < 3; i++) attempts.push((await from('203.0.113.7', `junk.${i}.x`)).status);
    expect(attempts).toEqual([401, 401, 401]);
    const limited = await from('203.0.113.7', 'junk.again.x');
    expect([limited.status, limited.body]).toEqual([429, { errors: ['rate_limited'] }]);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // No token at all is a failed sign-in too, and even a good token waits while the address is limited.
    expect((await from('203.0.113.7')).status).toBe(429);
    expect((await from('203.0.113.7', alice.accessToken)).status).toBe(429);
    // Another address has its own budget.
    expect((await from('198.51.100.1', 'junk.x.y')).status).toBe(401);
    expect((await from('198.51.100.1', alice.accessToken)).status).toBe(200);
    // The budget refills.
    await vi.waitFor(async () => expect((await from('203.0.113.7', alice.accessToken)).status).toBe(200), {
      timeout: 5_000,
      interval: 250,
    });
  });

  it('looks a validly signed token of an unknown user up once per few seconds, not on every request', async () => {
    const gateway = await system.startGateway({ AUTH_FAILURE_BURST: '1000' });
    const cognito = cognitoClient(system.pool);
    const stranger = await createCognitoUser(cognito, system.pool, 'tr_nobody');
    cognito.destroy();
    const lookUps = () =>
      system.logs.users.filter((l) => l.path === `/internal/users/by-cognito/${stranger.sub}`).length;
    const before = lookUps();
    for (let i = 0; i < 10; i++) {
      const res = await call(gateway.url, '/api/message_groups', { token: stranger.accessToken });
      expect([res.status, res.body]).toEqual([401, { errors: ['unauthorized'] }]);
    }
    expect(lookUps() - before).toBe(1);
  });

  it("answers 503, never the caller's 401, when its own service key is not one the services trust", async () => {
    const untrusted = await generateServiceKey('gateway', 'not-in-the-set');
    const gateway: RunningGateway = await system.startGateway({
      SERVICE_AUTH_PRIVATE_KEY: JSON.stringify(untrusted.privateKey),
    });
    const res = await call(gateway.url, '/api/message_groups', { token: alice.accessToken });
    expect([res.status, res.body]).toEqual([503, { errors: ['dependency_unavailable'] }]);
  });
});
