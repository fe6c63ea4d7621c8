import { callJson, createTestDatabase, createTestQueue, sqsClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialFor, receiveAllEvents, testConfig } from '../test/service-fixture.ts';
import { migrateUsersDatabase } from './migrate.ts';
import { startUsersService, type UsersService } from './service.ts';

const stack = testStack();
let service: UsersService;
let cleanup: () => Promise<void>;
let queueUrl: string;
let n = 0;

function newUser(overrides: Record<string, unknown> = {}) {
  n++;
  const tag = `${Date.now().toString(36)}${n}`;
  return {
    handle: `user_${tag}`,
    display_name: `User ${tag}`,
    email: `user.${tag}@example.com`,
    cognito_user_id: `sub-${tag}`,
    ...overrides,
  };
}

async function call(method: string, path: string, body?: unknown, raw?: string) {
  const { status, body: answer } = await callJson(`${service.url}${path}`, {
    method,
    body: raw ?? body,
    headers: {
      ...(await credentialFor(path)),
      ...(raw === undefined ? {} : { 'content-type': 'application/json' }),
    },
  });
  return { status, body: answer };
}

async function outboxEvents(handle: string) {
  const { rows } = await service.pool.query(
    `SELECT event_type, envelope FROM outbox WHERE envelope->'payload'->>'handle' = $1 ORDER BY seq`,
    [handle],
  );
  return rows as {
    event_type: string;
    envelope: { id: string; trace_id: string; payload: { version: number } };
  }[];
}

beforeAll(async () => {
  const [db, queue] = await Promise.all([createTestDatabase(stack, 'users_api'), createTestQueue(stack)]);
  queueUrl = queue.url;
  await migrateUsersDatabase(db.url);
  service = await startUsersService(testConfig(stack, { databaseUrl: db.url, queueUrl: queue.url }));
  cleanup = async () => {
    await service.stop();
    await Promise.all([db.drop(), queue.drop()]);
  };
});
afterAll(() => cleanup?.());

describe('users service API', () => {
  it('registers a user and resolves it by sub, by handle in any case, and by uuid', async () => {
    const input = newUser({ bio: 'Commander of the Centauri' });
    const created = await call('POST', '/internal/users', input);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...input, version: 1 });
    expect(created.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const uuid = created.body.uuid as string;

    const bySub = await call('GET', `/internal/users/by-cognito/${input.cognito_user_id}`);
    expect(bySub).toEqual({ status: 200, body: created.body });

    const byHandle = await call('GET', `/internal/users/by-handle/${input.handle.toUpperCase()}`);
    expect(byHandle).toEqual({
      status: 200,
      body: { uuid, handle: input.handle, display_name: input.display_name },
    });

    const other = (await call('POST', '/internal/users', newUser())).body;
    const unknown = '00000000-0000-4000-8000-000000000000';
    const lookup = await call('POST', '/internal/users/lookup', {
      uuids: [other.uuid, unknown, uuid.toUpperCase(), other.uuid],
    });
    expect(lookup.status).toBe(200);
    expect(lookup.body.users.map((u: { uuid: string }) => u.uuid)).toEqual([other.uuid, uuid]);
  });

  it('looks users up by handle in any case, once each, in the order asked for, leaving unknown ones out', async () => {
    const [first, second] = [newUser(), newUser()];
    const a = (await call('POST', '/internal/users', first)).body;
    const b = (await call('POST', '/internal/users', second)).body;
    const lookup = await call('POST', '/internal/users/lookup', {
      handles: [second.handle.toUpperCase(), 'nobody_here', first.handle, second.handle],
    });
    expect(lookup).toEqual({
      status: 200,
      body: {
        users: [
          { uuid: b.uuid, handle: second.handle, display_name: second.display_name },
          { uuid: a.uuid, handle: first.handle, display_name: first.display_name },
        ],
      },
    });
    expect(await call('POST', '/internal/users/lookup', { handles: ['nobody_here'] })).toEqual({
      status: 200,
      body: { users: [] },
    });
  });

  it('answers 422 to a lookup with bad handles, or with both or neither of uuids and handles', async () => {
    for (const handles of [[], ['not a handle'], ['x'.repeat(33)], [42], Array(101).fill('bayko'), 'bayko']) {
      expect(await call('POST', '/internal/users/lookup', { handles }), JSON.stringify(handles)).toEqual({
        status: 422,
        body: { errors: ['handles_invalid'] },
      });
    }
    const both = await call('POST', '/internal/users/lookup', {
      uuids: ['00000000-0000-4000-8000-000000000000'],
      handles: ['bayko'],
    });
    expect(both).toEqual({ status: 422, body: { errors: ['body_invalid'] } });
    expect(await call('POST', '/internal/users/lookup', {})).toEqual({
      status: 422,
      body: { errors: ['uuids_invalid'] },
    });
  });

  it('answers 404 user_not_found for unknown subs, handles and uuids, and for handles no one can have', async () => {
    for (const path of [
      '/internal/users/by-cognito/no-such-sub',
      '/internal/users/by-handle/nobody_here',
      '/internal/users/by-handle/not-a-handle',
      `/internal/users/by-handle/${'x'.repeat(33)}`,
    ]) {
      expect(await call('GET', path), path).toEqual({ status: 404, body: { errors: ['user_not_found'] } });
    }
    expect(
      await call('PATCH', '/internal/users/00000000-0000-4000-8000-000000000000', { display_name: 'X' }),
    ).toEqual({ status: 404, body: { errors: ['user_not_found'] } });
  });

  it('answers 422 with every code that applies, never a 500', async () => {
    const allBad = await call('POST', '/internal/users', {
      handle: 'no spaces!',
      display_name: '   ',
      email: 'not-an-email',
      cognito_user_id: '',
      bio: 'b'.repeat(1025),
    });
    expect(allBad.status).toBe(422);
    expect(allBad.body.errors.sort()).toEqual(
      [
        'bio_too_long',
        'cognito_user_id_blank',
        'display_name_blank',
        'email_invalid',
        'handle_invalid',
      ].sort(),
    );

    const missing = await call('POST', '/internal/users', {});
    expect(missing.status).toBe(422);
    expect(missing.body.errors.sort()).toEqual(
      ['cognito_user_id_blank', 'display_name_blank', 'email_blank', 'handle_blank'].sort(),
    );

    const wrongTypes = await call('POST', '/internal/users', {
      ...newUser(),
      handle: 42,
      display_name: 'Bad\u0007Bell',
      email: '',
    });
    expect(wrongTypes.body.errors.sort()).toEqual(
      ['display_name_invalid', 'email_blank', 'handle_blank'].sort(),
    );

    expect((await call('POST', '/internal/users', undefined, '{"handle":')).status).toBe(400);
    expect((await call('POST', '/internal/users', [])).status).toBe(422);

    const created = (await call('POST', '/internal/users', newUser())).body;
    expect(await call('PATCH', '/internal/users/not-a-uuid', { display_name: 'X' })).toEqual({
      status: 422,
      body: { errors: ['uuid_invalid'] },
    });
    const badPatch = await call('PATCH', `/internal/users/${created.uuid}`, {
      display_name: 'x'.repeat(65),
      bio: 'b'.repeat(1025),
    });
    expect(badPatch.body.errors.sort()).toEqual(['bio_too_long', 'display_name_too_long']);
    expect(await call('PATCH', `/internal/users/${created.uuid}`, { handle: 'renamed' })).toEqual({
      status: 422,
      body: { errors: ['body_invalid'] },
    });

    for (const uuids of [[], ['nope'], Array.from({ length: 101 }, () => created.uuid), 'x']) {
      expect(await call('POST', '/internal/users/lookup', { uuids })).toEqual({
        status: 422,
        body: { errors: ['uuids_invalid'] },
      });
    }
  });

  it('answers 409 listing every field another user holds, whatever its case', async () => {
    const first = newUser();
    const second = newUser();
    expect((await call('POST', '/internal/users', first)).status).toBe(201);
    expect((await call('POST', '/internal/users', second)).status).toBe(201);

    const all = await call('POST', '/internal/users', {
      ...newUser(),
      handle: first.handle.toUpperCase(),
      email: first.email.toUpperCase(),
      cognito_user_id: second.cognito_user_id,
    });
    expect(all.status).toBe(409);
    expect(all.body.errors).toEqual(['handle_taken', 'email_taken', 'cognito_user_id_taken']);

    const emailOnly = await call('POST', '/internal/users', { ...newUser(), email: first.email });
    expect(emailOnly).toEqual({ status: 409, body: { errors: ['email_taken'] } });
    expect(await outboxEvents(first.handle.toUpperCase())).toEqual([]);
  });

  it('answers a repeated identical registration with the stored user, without a second event', async () => {
    const input = newUser();
    const first = await call('POST', '/internal/users', input);
    const retry = await call('POST', '/internal/users', { ...input, handle: input.handle.toUpperCase() });
    expect(retry).toEqual({ status: 200, body: first.body });
    expect(await outboxEvents(input.handle)).toHaveLength(1);
    // Same sub, different person: still a conflict.
    const other = await call('POST', '/internal/users', {
      ...newUser(),
      cognito_user_id: input.cognito_user_id,
    });
    expect(other).toEqual({ status: 409, body: { errors: ['cognito_user_id_taken'] } });
  });

  it('stamps each event with the request id of the call that caused it', async () => {
    const input = newUser();
    const response = await fetch(`${service.url}/internal/users`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'trace-me-123',
        ...(await credentialFor('/internal/users')),
      },
      body: JSON.stringify(input),
    });
    expect(response.status).toBe(201);
    const [event] = await outboxEvents(input.handle);
    expect(event?.envelope).toMatchObject({ type: 'user.registered', trace_id: 'trace-me-123', version: 1 });
  });

  it('refuses an oversized body with 413 before parsing it', async () => {
    const huge = await call('POST', '/internal/users', { ...newUser(), bio: 'x'.repeat(100_000) });
    expect(huge).toEqual({ status: 413, body: { errors: ['body_too_large'] } });
  });

  it('lets exactly one of many concurrent registrations of one handle win', async () => {
    const handle = newUser().handle;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => call('POST', '/internal/users', newUser({ handle }))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.errors).toEqual(['handle_taken']);
    expect((await outboxEvents(handle)).map((e) => e.event_type)).toEqual(['user.registered']);
  });

  it('bumps the version once per actual profile change, each with its event', async () => {
    const created = (await call('POST', '/internal/users', newUser())).body;
    const renamed = await call('PATCH', `/internal/users/${created.uuid}`, { display_name: '  New Name ' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ display_name: 'New Name', bio: null, version: 2 });

    const again = await call('PATCH', `/internal/users/${created.uuid}`, { display_name: 'New Name' });
    expect(again.body.version).toBe(2);
    expect((await call('PATCH', `/internal/users/${created.uuid}`, {})).body.version).toBe(2);

    const withBio = await call('PATCH', `/internal/users/${created.uuid}`, { bio: 'Hello' });
    expect(withBio.body).toMatchObject({ display_name: 'New Name', bio: 'Hello', version: 3 });
    const cleared = await call('PATCH', `/internal/users/${created.uuid}`, { bio: null });
    expect(cleared.body).toMatchObject({ bio: null, version: 4 });

    const events = await outboxEvents(created.handle);
    expect(events.map((e) => [e.event_type, e.envelope.payload.version])).toEqual([
      ['user.registered', 1],
      ['user.profile_updated', 2],
      ['user.profile_updated', 3],
      ['user.profile_updated', 4],
    ]);
  });

  it('relays every committed event to the users-events queue with its outbox id', async () => {
    const created = (await call('POST', '/internal/users', newUser())).body;
    await call('PATCH', `/internal/users/${created.uuid}`, { display_name: 'Relayed' });
    const expected = (await outboxEvents(created.handle)).map((e) => e.envelope.id);

    const sqs = sqsClient(stack);
    const seen = new Map<string, { type: string; version: number }>();
    await expect
      .poll(
        async () => {
          for (const e of await receiveAllEvents(sqs, queueUrl)) {
            const payload = e.payload as { version: number };
            seen.set(e.id, { type: e.type, version: payload.version });
          }
          return expected.every((id) => seen.has(id));
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(expected.map((id) => seen.get(id))).toEqual([
      { type: 'user.registered', version: 1 },
      { type: 'user.profile_updated', version: 2 },
    ]);
    sqs.destroy();
  });

  it('keeps the user and its event in one transaction: a failed event write leaves no user', async () => {
    await service.pool.query(`
      CREATE FUNCTION reject_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.envelope->'payload'->>'handle' LIKE 'boom%' THEN RAISE EXCEPTION 'outbox write failed'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER reject_boom BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION reject_boom();`);
    const input = newUser({ handle: `boom_${n}` });
    const failed = await call('POST', '/internal/users', input);
    expect(failed).toEqual({ status: 500, body: { errors: ['internal_error'] } });
    expect((await call('GET', `/internal/users/by-handle/${input.handle}`)).status).toBe(404);
    await service.pool.query('DROP TRIGGER reject_boom ON outbox; DROP FUNCTION reject_boom()');
    expect((await call('POST', '/internal/users', input)).status).toBe(201);
  });

  it('serves its OpenAPI document, liveness and readiness', async () => {
    const doc = await call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/internal/users',
      '/internal/users/by-cognito/{sub}',
      '/internal/users/by-handle/{handle}',
      '/internal/users/lookup',
      '/internal/users/{uuid}',
    ]);
    expect(doc.body.components.schemas).toHaveProperty('User');
    expect((await call('GET', '/healthz')).status).toBe(200);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/^users_outbox_pending\{service="users"\} \d+$/m);
    expect(metrics).toMatch(/^users_outbox_oldest_pending_seconds\{service="users"\} [\d.e+-]+$/m);
    const published = /^users_outbox_published_total\{service="users"\} (\d+)$/m.exec(metrics);
    expect(Number(published?.[1])).toBeGreaterThan(0);
    // The shared request metrics, by route pattern (the registrations above).
    expect(metrics).toMatch(/^http_requests_total\{[^}]*route="\/internal\/users"[^}]*\} [1-9]\d*$/m);
    expect(await call('GET', '/readyz')).toMatchObject({ status: 200, body: { checks: { postgres: 'ok' } } });
  });
});
