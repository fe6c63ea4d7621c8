import { randomUUID } from 'node:crypto';
import { silentLogger } from '@cruddur/logger';
import { testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceFixture, startServiceFixture } from '../test/service-fixture.ts';
import { startMessagingService } from './service.ts';

const stack = testStack();
let f: ServiceFixture;
let ann: { uuid: string };
let bob: { uuid: string };
let group: string;

beforeAll(async () => {
  f = await startServiceFixture(stack);
  [ann, bob] = await Promise.all([f.addUser('err-ann'), f.addUser('err-bob')]);
  const started = await f.call('/internal/conversations', {
    as: ann.uuid,
    body: { recipient_uuid: bob.uuid, message: 'hi' },
  });
  group = started.body.message.message_group_uuid;
});
afterAll(async () => {
  await f?.close();
});

const post = (body: unknown, g = group, as = ann.uuid) =>
  f.call(`/internal/conversations/${g}/messages`, { as, body });

describe('every error code, with every code that applies', () => {
  it.each([
    ['blank', '   \n\t ', ['message_blank']],
    ['missing', undefined, ['message_blank']],
    ['not a string', 42, ['message_blank']],
    ['1025 code points', 'x'.repeat(1025), ['message_exceed_max_chars']],
    ['a tab', 'a\tb', ['message_invalid_characters']],
    ['a NUL', 'a\u0000b', ['message_invalid_characters']],
    ['a C1 control', 'a\u0085b', ['message_invalid_characters']],
    ['a lone surrogate', 'a\ud800b', ['message_invalid_characters']],
    [
      'too long and a control',
      `${'y'.repeat(1030)}\u0007`,
      ['message_exceed_max_chars', 'message_invalid_characters'],
    ],
  ])('422 for a message that is %s', async (_name, message, codes) => {
    const res = await post({ message });
    expect([res.status, res.body]).toEqual([422, { errors: codes }]);
  });

  it('accepts 1024 emoji (code points, not UTF-16 units) and surrounding whitespace', async () => {
    const res = await post({ message: ` ${'😀'.repeat(1024)} ` });
    expect(res.status).toBe(201);
    expect([...res.body.message].length).toBe(1024);
  });

  it('reports a bad path uuid together with the body codes', async () => {
    const res = await post({ message: '', idempotency_key: 'has space' }, 'not-a-uuid');
    expect(res.status).toBe(422);
    expect(res.body.errors.sort()).toEqual(
      ['message_group_uuid_invalid', 'message_blank', 'idempotency_key_invalid'].sort(),
    );
    const alone = await post({ message: 'fine' }, 'not-a-uuid');
    expect([alone.status, alone.body]).toEqual([422, { errors: ['message_group_uuid_invalid'] }]);
  });

  it('422 cannot_message_self, alone or with other codes', async () => {
    const self = await f.call('/internal/conversations', {
      as: ann.uuid,
      body: { recipient_uuid: ann.uuid.toUpperCase(), message: 'me' },
    });
    expect([self.status, self.body]).toEqual([422, { errors: ['cannot_message_self'] }]);
    const both = await f.call('/internal/conversations', {
      as: ann.uuid,
      body: { recipient_uuid: ann.uuid, message: '' },
    });
    expect(both.body.errors.sort()).toEqual(['cannot_message_self', 'message_blank']);
  });

  it('404 user_not_found for a recipient the replica does not know', async () => {
    const res = await f.call('/internal/conversations', {
      as: ann.uuid,
      body: { recipient_uuid: randomUUID(), message: 'hello?' },
    });
    expect([res.status, res.body]).toEqual([404, { errors: ['user_not_found'] }]);
  });

  it('writes to a user the replica has not heard of when the caller vouches for them, until their event replaces the placeholder', async () => {
    const newcomer = randomUUID();
    const res = await f.call('/internal/conversations', {
      as: ann.uuid,
      body: {
        recipient_uuid: newcomer,
        recipient: { handle: 'newcomer', display_name: 'New Comer' },
        message: 'welcome!',
      },
    });
    expect(res.status).toBe(201);
    const inbox = await f.call(`/internal/conversations`, { as: ann.uuid });
    expect(inbox.body.items[0].other_user).toMatchObject({
      uuid: newcomer,
      handle: 'newcomer',
      display_name: 'New Comer',
    });
    // The real registration event (version 1) wins over the placeholder (version 0).
    await f.store.putProfile({
      uuid: newcomer,
      handle: 'newcomer',
      display_name: 'Newcomer Real',
      bio: null,
      version: 1,
    });
    expect((await f.store.getProfile(newcomer))?.display_name).toBe('Newcomer Real');
  });

  it('422 for bad limits, cursors and path uuids', async () => {
    for (const limit of ['0', '101', 'abc', '2.5', '']) {
      const res = await f.call(`/internal/conversations?limit=${limit}`, { as: ann.uuid });
      expect([limit, res.status, res.body]).toEqual([limit, 422, { errors: ['limit_invalid'] }]);
    }
    const cursor = await f.call(`/internal/conversations/${group}/messages?before=%25%25`, { as: ann.uuid });
    expect([cursor.status, cursor.body]).toEqual([422, { errors: ['cursor_invalid'] }]);
    const limit = await f.call(`/internal/conversations/${group}/messages?limit=0`, { as: ann.uuid });
    expect([limit.status, limit.body]).toEqual([422, { errors: ['limit_invalid'] }]);
    const read = await f.call('/internal/conversations/x/read', { as: ann.uuid, method: 'POST' });
    expect([read.status, read.body]).toEqual([422, { errors: ['message_group_uuid_invalid'] }]);
  });

  it('answers broken JSON with 400, a wrong media type with 415 and an unknown route with 404', async () => {
    const json = await f.call(`/internal/conversations/${group}/messages`, {
      as: ann.uuid,
      body: '{"message":',
      headers: { 'content-type': 'application/json' },
    });
    expect([json.status, json.body]).toEqual([400, { errors: ['body_invalid_json'] }]);
    const media = await f.call(`/internal/conversations/${group}/messages`, {
      as: ann.uuid,
      method: 'POST',
      body: 'message=hi',
      headers: { 'content-type': 'text/plain' },
    });
    expect([media.status, media.body]).toEqual([415, { errors: ['unsupported_media_type'] }]);
    const array = await post([1, 2]);
    expect([array.status, array.body]).toEqual([422, { errors: ['body_invalid'] }]);
    const route = await f.call('/internal/nothing', { as: ann.uuid });
    expect([route.status, route.body]).toEqual([404, { errors: ['route_not_found'] }]);
  });

  it('409 idempotency_key_reused when a key comes back with a different body', async () => {
    const key = randomUUID();
    const first = await post({ message: 'once', idempotency_key: key });
    expect(first.status).toBe(201);
    const retry = await post({ message: 'once', idempotency_key: key });
    expect([retry.status, retry.body]).toEqual([200, first.body]);
    const reused = await post({ message: 'twice', idempotency_key: key });
    expect([reused.status, reused.body]).toEqual([409, { errors: ['idempotency_key_reused'] }]);
    // The same key is the other user's own key: scoped per sender, so it is new for bob.
    const bobs = await post({ message: 'twice', idempotency_key: key }, group, bob.uuid);
    expect(bobs.status).toBe(201);
  });
});

describe('dependency failures are 503, never 500', () => {
  it('answers dependency_unavailable and a failing /readyz when the table is missing or DynamoDB is down', async () => {
    for (const broken of [
      { ...f.config, DDB_MESSAGE_TABLE: 'no-such-table' },
      { ...f.config, DDB_ENDPOINT: 'http://127.0.0.1:9' },
    ]) {
      const service = await startMessagingService(broken, {
        logger: silentLogger,
        host: '127.0.0.1',
        usersEventsWaitSeconds: 1,
      });
      try {
        const list = await fetch(`${service.url}/internal/conversations`, {
          headers: await f.keys.asUser('messaging', ann.uuid),
        });
        expect([list.status, await list.json()]).toEqual([503, { errors: ['dependency_unavailable'] }]);
        const ready = await fetch(`${service.url}/readyz`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ down: ['dynamodb'], errors: ['dependency_unavailable'] });
      } finally {
        await service.stop();
      }
    }
  });
});
