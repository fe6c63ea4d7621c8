import { silentLogger } from '@cruddur/logger';
import { bearer, createServiceSigner, generateServiceKey, publicKeysEnv } from '@cruddur/service-auth';
import { callJson, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceFixture, startServiceFixture } from '../../test/service-fixture.ts';
import { startMessagingService } from '../service.ts';

/** The messaging service acts only for the user the gateway's signed assertion names, on every route. */
const stack = testStack();
let f: ServiceFixture;
let ann: { uuid: string };
let bob: { uuid: string };
let eve: { uuid: string };
let group: string;

beforeAll(async () => {
  f = await startServiceFixture(stack);
  [ann, bob, eve] = await Promise.all([f.addUser('cred-ann'), f.addUser('cred-bob'), f.addUser('cred-eve')]);
  const started = await f.call('/internal/conversations', {
    as: ann.uuid,
    body: { recipient_uuid: bob.uuid, message: 'hi' },
  });
  group = started.body.message.message_group_uuid;
});
afterAll(() => f?.close());

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await callJson(`${f.service.url}${path}`, { method, headers, ...(body ? { body } : {}) });
  return [res.status, res.body?.errors ?? 'ok'] as const;
}

const routes = (): [string, string, unknown?][] => [
  ['GET', '/internal/conversations'],
  ['POST', '/internal/conversations', { recipient_uuid: bob.uuid, message: 'forged' }],
  ['GET', `/internal/conversations/${group}/messages`],
  ['POST', `/internal/conversations/${group}/messages`, { message: 'forged' }],
  ['POST', `/internal/conversations/${group}/read`],
];

describe('messaging service credentials', () => {
  it('answers 401 with a code to a missing, forged, expired or misaddressed credential on every route', async () => {
    const impostor = await generateServiceKey('gateway', 'forged');
    const forged = bearer(
      await (await createServiceSigner({ privateKey: impostor.privateKey })).forUser('messaging', ann.uuid),
    );
    const stale = await createServiceSigner({
      privateKey: f.keys.gateway.privateKey,
      now: () => Date.now() - 130_000,
    });
    const expired = bearer(await stale.forUser('messaging', ann.uuid));
    const misaddressed = await f.keys.asUser('users', ann.uuid);
    for (const [method, path, body] of routes()) {
      expect(await call(method, path, {}, body), `${method} ${path}`).toEqual([
        401,
        ['service_credential_missing'],
      ]);
      expect(await call(method, path, forged, body)).toEqual([401, ['service_credential_invalid']]);
      expect(await call(method, path, expired, body)).toEqual([401, ['service_credential_expired']]);
      expect(await call(method, path, misaddressed, body)).toEqual([401, ['service_credential_audience']]);
    }
  });

  it('refuses every caller but the gateway, and a gateway credential that acts for no user', async () => {
    const fromMessaging = bearer(await (await f.keys.signer('messaging')).forUser('messaging', ann.uuid));
    const fromOps = bearer(await (await f.keys.signer('ops')).forUser('messaging', ann.uuid));
    const noUser = await f.keys.asService('messaging', 'gateway');
    for (const [method, path, body] of routes()) {
      for (const headers of [fromMessaging, fromOps, noUser]) {
        expect(await call(method, path, headers, body), `${method} ${path}`).toEqual([
          403,
          ['service_caller_forbidden'],
        ]);
      }
    }
  });

  it('never takes the acting user from the body or the query', async () => {
    const asEve = await f.keys.asUser('messaging', eve.uuid);
    expect(
      await call('POST', `/internal/conversations/${group}/messages`, asEve, {
        user_uuid: ann.uuid,
        message: 'as ann?',
      }),
    ).toEqual([404, ['message_group_not_found']]);
    expect(
      await call('GET', `/internal/conversations/${group}/messages?user_uuid=${ann.uuid}`, asEve),
    ).toEqual([404, ['message_group_not_found']]);
    const sent = await callJson(`${f.service.url}/internal/conversations/${group}/messages`, {
      headers: await f.keys.asUser('messaging', ann.uuid),
      body: { user_uuid: bob.uuid, message: 'from ann' },
    });
    expect([sent.status, sent.body.sender.uuid]).toEqual([201, ann.uuid]);
    const thread = await f.call(`/internal/conversations/${group}/messages`, { as: bob.uuid });
    expect(thread.body.items.map((m: { sender: { uuid: string } }) => m.sender.uuid)).toEqual([
      ann.uuid,
      ann.uuid,
    ]);
  });

  it('rotates the gateway key without downtime: two keys valid while the set holds both, then only the new one', async () => {
    const next = await generateServiceKey('gateway', 'next');
    const set = (keys: unknown[]) => JSON.stringify({ keys });
    const replica = async (publicKeys: string) =>
      startMessagingService(
        { ...f.config, SERVICE_AUTH_PUBLIC_KEYS: publicKeysEnv.parse(publicKeys) },
        {
          logger: silentLogger,
          usersEventsWaitSeconds: 1,
        },
      );
    const during = await replica(set([f.keys.gateway.publicKey, next.publicKey, f.keys.ops.publicKey]));
    const after = await replica(set([next.publicKey, f.keys.ops.publicKey]));
    try {
      const old = await f.keys.asUser('messaging', ann.uuid);
      const fresh = bearer(
        await (await createServiceSigner({ privateKey: next.privateKey })).forUser('messaging', ann.uuid),
      );
      const list = async (url: string, headers: Record<string, string>) =>
        (await callJson(`${url}/internal/conversations`, { headers })).status;
      expect(await list(during.url, old)).toBe(200);
      expect(await list(during.url, fresh)).toBe(200);
      expect(await list(after.url, fresh)).toBe(200);
      expect(await list(after.url, old)).toBe(401);
    } finally {
      await Promise.all([during.stop(), after.stop()]);
    }
  });
});
