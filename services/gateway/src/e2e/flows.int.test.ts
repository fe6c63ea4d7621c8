import { randomUUID } from 'node:crypto';
import { call, type E2eSystem, startE2eSystem, type TestUser } from '@cruddur/system-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/** The reference frontend's flows, through the gateway, on the real services, with emulator tokens. */
describe('gateway end to end: the frontend flows', () => {
  let system: E2eSystem;
  let gateway: RunningGateway;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let group: string;
  const api = (path: string, options: Parameters<typeof call>[2] = {}) => call(gateway.url, path, options);

  beforeAll(async () => {
    const setupKey = randomUUID();
    system = await startE2eSystem();
    gateway = await system.startGateway();
    [alice, bob, carol] = await Promise.all([
      system.createUser('alice'),
      system.createUser('bob'),
      system.createUser('carol'),
    ]);
    // Messaging learns profiles from users-events; the first conversation can start once it knows bob.
    await vi.waitFor(
      async () => {
        const first = await api('/api/messages', {
          token: alice.accessToken,
          body: { message: 'hi bob', handle: 'bob' },
          // A retry after a timeout must not send 'hi bob' twice.
          headers: { 'idempotency-key': setupKey },
        });
        if (first.status !== 200)
          throw new Error(`first message: ${first.status} ${JSON.stringify(first.body)}`);
      },
      { timeout: 15_000, interval: 100 },
    );
    const groups = await api('/api/message_groups', { token: alice.accessToken });
    group = groups.body[0].uuid;
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('looks a user up by handle without a token (MessageGroupNewPage), 404 for an unknown one', async () => {
    const found = await api('/api/users/@bob/short');
    expect([found.status, found.body]).toEqual([
      200,
      { uuid: bob.uuid, handle: 'bob', display_name: bob.display_name },
    ]);
    const unknown = await api('/api/users/@nobody_here/short');
    expect([unknown.status, unknown.body]).toEqual([404, { errors: ['user_not_found'] }]);
  });

  it('starts a conversation by handle once, then reuses it', async () => {
    const again = await api('/api/messages', {
      token: alice.accessToken,
      body: { message: 'still there?', handle: 'bob' },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      message_group_uuid: group,
      handle: 'alice',
      display_name: alice.display_name,
      message: 'still there?',
      created: false,
    });
    expect(again.body.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(again.body.uuid).not.toBe(group);
  });

  it("lists the other person's conversations with the last message (MessageGroupsPage)", async () => {
    await expect
      .poll(async () => (await api('/api/message_groups', { token: bob.accessToken })).body, {
        // The stream consumer moves bob's inbox row; on a busy machine that can take a while.
        timeout: 20_000,
      })
      .toEqual([
        expect.objectContaining({
          uuid: group,
          handle: 'alice',
          display_name: alice.display_name,
          message: 'still there?',
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          last_sender_handle: 'alice',
          unread_count: 2,
        }),
      ]);
  });

  it('replies into an existing conversation and shows the thread oldest to newest (MessageGroupPage)', async () => {
    const reply = await api('/api/messages', {
      token: bob.accessToken,
      body: { message: 'hi alice', message_group_uuid: group },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ message_group_uuid: group, handle: 'bob', message: 'hi alice' });
    const thread = await api(`/api/messages/${group}`, { token: alice.accessToken });
    expect(thread.status).toBe(200);
    expect(thread.body.map((m: { handle: string; message: string }) => [m.handle, m.message])).toEqual([
      ['alice', 'hi bob'],
      ['alice', 'still there?'],
      ['bob', 'hi alice'],
    ]);
    expect(Object.keys(thread.body[0]).sort()).toEqual(
      expect.arrayContaining(['uuid', 'display_name', 'handle', 'message', 'created_at']),
    );
    expect(thread.body.at(-1).uuid).toBe(reply.body.uuid);
  });

  it('pages older messages with X-Next-Cursor and ?before=', async () => {
    const newest = await api(`/api/messages/${group}?limit=2`, { token: bob.accessToken });
    expect(newest.body.map((m: { message: string }) => m.message)).toEqual(['still there?', 'hi alice']);
    const cursor = newest.headers.get('x-next-cursor');
    expect(cursor).toBeTruthy();
    const older = await api(`/api/messages/${group}?limit=2&before=${cursor}`, { token: bob.accessToken });
    expect(older.body.map((m: { message: string }) => m.message)).toEqual(['hi bob']);
    expect(older.headers.get('x-next-cursor')).toBeNull();
  });

  it('returns the same message for a retried Idempotency-Key, never a second one', async () => {
    const key = randomUUID();
    const send = () =>
      api('/api/messages', {
        token: alice.accessToken,
        body: { message: 'exactly once', message_group_uuid: group },
        headers: { 'idempotency-key': key },
      });
    const [first, second] = await Promise.all([send(), send()]);
    const third = await send();
    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    expect(new Set([first.body.uuid, second.body.uuid, third.body.uuid]).size).toBe(1);
    const thread = await api(`/api/messages/${group}?limit=100`, { token: alice.accessToken });
    expect(thread.body.filter((m: { message: string }) => m.message === 'exactly once')).toHaveLength(1);
  });

  it('marks a conversation read for the caller', async () => {
    const read = await api(`/api/message_groups/${group}/read`, { token: bob.accessToken, method: 'POST' });
    expect([read.status, read.body]).toEqual([200, { message_group_uuid: group, unread_count: 0 }]);
  });

  it('answers 404 to a non-member, on read and on write, as for a group that does not exist', async () => {
    const notMine = [
      await api(`/api/messages/${group}`, { token: carol.accessToken }),
      await api('/api/messages', {
        token: carol.accessToken,
        body: { message: 'let me in', message_group_uuid: group },
      }),
      await api(`/api/message_groups/${group}/read`, { token: carol.accessToken, method: 'POST' }),
      await api(`/api/messages/${randomUUID()}`, { token: alice.accessToken }),
    ];
    expect(notMine.map((r) => [r.status, r.body])).toEqual(
      Array(4).fill([404, { errors: ['message_group_not_found'] }]),
    );
    expect((await api('/api/message_groups', { token: carol.accessToken })).body).toEqual([]);
  });

  it('refuses messages to oneself and to unknown handles', async () => {
    const self = await api('/api/messages', {
      token: alice.accessToken,
      body: { message: 'me', handle: 'alice' },
    });
    expect([self.status, self.body]).toEqual([422, { errors: ['cannot_message_self'] }]);
    const unknown = await api('/api/messages', {
      token: alice.accessToken,
      body: { message: 'hi', handle: 'ghost' },
    });
    expect([unknown.status, unknown.body]).toEqual([404, { errors: ['user_not_found'] }]);
  });

  it('puts a request id on every response, keeping a safe one the client sent', async () => {
    const mine = await api('/api/message_groups', {
      token: alice.accessToken,
      headers: { 'x-request-id': 'trace-abc.1' },
    });
    expect(mine.headers.get('x-request-id')).toBe('trace-abc.1');
    const denied = await api('/api/message_groups');
    expect(denied.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('passes the request id on to the services it calls', async () => {
    const requestId = `e2e-trace-${Date.now()}`;
    const sent = await api('/api/messages', {
      token: alice.accessToken,
      headers: { 'x-request-id': requestId },
      body: { message: 'follow me', handle: 'bob' },
    });
    expect(sent.status).toBe(200);
    const logged = (lines: Record<string, unknown>[]) =>
      lines.filter((line) => line.request_id === requestId).map((line) => line.path);
    expect(logged(system.logs.users)).toContain('/internal/users/by-handle/bob');
    expect(logged(system.logs.messaging)).toContain('/internal/conversations');
  });

  it('serves an OpenAPI document generated from the routes, and a docs page', async () => {
    const doc = await api('/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/api/blocks',
      '/api/blocks/{handle}',
      '/api/events',
      '/api/me',
      '/api/me/export',
      '/api/me/message_settings',
      '/api/me/settings',
      '/api/message_groups',
      '/api/message_groups/{message_group_uuid}',
      '/api/message_groups/{message_group_uuid}/leave',
      '/api/message_groups/{message_group_uuid}/members',
      '/api/message_groups/{message_group_uuid}/messages/{message_uuid}',
      '/api/message_groups/{message_group_uuid}/messages/{message_uuid}/reactions/{emoji}',
      '/api/message_groups/{message_group_uuid}/read',
      '/api/message_groups/{message_group_uuid}/receipts',
      '/api/message_groups/{message_group_uuid}/typing',
      '/api/message_requests',
      '/api/message_requests/{message_group_uuid}/accept',
      '/api/message_requests/{message_group_uuid}/decline',
      '/api/messages',
      '/api/messages/{message_group_uuid}',
      '/api/presence',
      '/api/presence/settings',
      '/api/users/{handle}/short',
    ]);
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const page = await api('/docs');
    expect(page.status).toBe(200);
    expect(page.body).toContain('/openapi.json');
  });

  it('allows CORS for the configured origin only', async () => {
    const preflight = (origin: string) =>
      api('/api/messages', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight('http://localhost:3000');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await api('/api/message_groups', {
      token: alice.accessToken,
      headers: { origin: 'http://localhost:3000' },
    });
    expect(simple.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-next-cursor');
  });

  it('pages the conversation list with X-Next-Cursor and ?cursor=', async () => {
    const started = await api('/api/messages', {
      token: carol.accessToken,
      body: { message: 'hi bob, carol here', handle: 'bob' },
    });
    expect(started.status).toBe(200);
    const first = await api('/api/message_groups?limit=1', { token: bob.accessToken });
    expect(first.body.map((g: { handle: string }) => g.handle)).toEqual(['carol']);
    const cursor = first.headers.get('x-next-cursor');
    expect(cursor).toBeTruthy();
    const second = await api(`/api/message_groups?limit=1&cursor=${cursor}`, { token: bob.accessToken });
    expect(second.body.map((g: { uuid: string }) => g.uuid)).toEqual([group]);
    expect(second.headers.get('x-next-cursor')).toBeNull();
  });

  it('rate-limits each user on their own, with Retry-After', async () => {
    const strict = await system.startGateway({ RATE_LIMIT_BURST: '3', RATE_LIMIT_PER_SECOND: '1' });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await call(strict.url, '/api/message_groups', { token: carol.accessToken })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await call(strict.url, '/api/message_groups', { token: carol.accessToken });
    expect(limited.body).toEqual({ errors: ['rate_limited'] });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(strict.url, '/api/message_groups', { token: bob.accessToken })).status).toBe(200);
  });
});
