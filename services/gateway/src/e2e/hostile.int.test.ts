import {
  call,
  claimsOf,
  cognitoClient,
  createCognitoUser,
  createOtherClient,
  type E2eSystem,
  signAsEmulator,
  signIn,
  signWithStrangerKey,
  startE2eSystem,
  type TestUser,
  unsignedToken,
} from '@cruddur/system-testing';
import { createTestUserPool, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/** Forged tokens and hostile input through the gateway: always a 4xx with the one error body, never a 500. */
describe('gateway end to end: forged tokens and hostile input', () => {
  const stack = testStack();
  let system: E2eSystem;
  let gateway: RunningGateway;
  let alice: TestUser;
  let group: string;
  const forged: Record<string, string> = {};
  const api = (path: string, options: Parameters<typeof call>[2] = {}) => call(gateway.url, path, options);

  beforeAll(async () => {
    const setupKey = crypto.randomUUID();
    system = await startE2eSystem();
    // Dozens of forged tokens come from this one address on purpose; the failure limit has its own test.
    gateway = await system.startGateway({ AUTH_FAILURE_BURST: '100000' });
    alice = await system.createUser('alice');
    await system.createUser('bob');
    await vi.waitFor(
      async () => {
        const first = await api('/api/messages', {
          token: alice.accessToken,
          body: { message: 'hi', handle: 'bob' },
          headers: { 'idempotency-key': setupKey },
        });
        if (first.status !== 200) throw new Error(`first message: ${first.status}`);
        group = first.body.message_group_uuid;
      },
      { timeout: 15_000, interval: 100 },
    );

    const claims = claimsOf(alice.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const cognito = cognitoClient(system.pool);
    const otherClient = await createOtherClient(cognito, system.pool);
    const unknownUser = await createCognitoUser(cognito, system.pool, 'notregistered');
    const otherPool = await createTestUserPool(stack);
    Object.assign(forged, {
      'an id token': alice.idToken,
      'a token for another app client': (await signIn(cognito, otherClient, claims.username as string))
        .accessToken,
      'a token of another user pool': (await createCognitoUser(cognito, otherPool, 'elsewhere')).accessToken,
      'an expired token': await signAsEmulator({ ...claims, exp: now - 10, iat: now - 3610 }),
      'a token signed by another key, same kid': (await signWithStrangerKey(claims)).token,
      'a token signed by another key, new kid': (await signWithStrangerKey(claims, { kid: 'rotated' })).token,
      'alg none': unsignedToken(claims),
      'a valid token of a user the users service does not know': unknownUser.accessToken,
    });
    cognito.destroy();
  });
  afterAll(async () => {
    await system?.stop();
  });

  it.each([
    'an id token',
    'a token for another app client',
    'a token of another user pool',
    'an expired token',
    'a token signed by another key, same kid',
    'a token signed by another key, new kid',
    'alg none',
    'a valid token of a user the users service does not know',
  ])('answers 401 to %s, on reads and writes', async (name) => {
    const token = forged[name]!;
    const read = await api('/api/message_groups', { token });
    const write = await api('/api/messages', { token, body: { message: 'x', message_group_uuid: group } });
    expect([read.status, read.body, write.status, write.body]).toEqual([
      401,
      { errors: ['unauthorized'] },
      401,
      { errors: ['unauthorized'] },
    ]);
  });

  it.each([
    ['no Authorization header', {}],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['another scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['a token in the query string (only the event stream takes one)', {}],
    ['junk', { authorization: 'Bearer \u00e9\u00e9.\u00e9\u00e9.\u00e9' }],
  ])('answers 401 to %s', async (name, headers) => {
    const path = name.startsWith('a token in the query')
      ? `/api/message_groups?access_token=${alice.accessToken}`
      : '/api/message_groups';
    const res = await api(path, { headers: headers as Record<string, string> });
    expect([res.status, res.body]).toEqual([401, { errors: ['unauthorized'] }]);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('checks the token before reading the body', async () => {
    const res = await api('/api/messages', {
      body: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
  });

  it('answers 413 to a body over the limit, with or without a Content-Length', async () => {
    const huge = JSON.stringify({ message: 'x'.repeat(64 * 1024), message_group_uuid: group });
    const sized = await api('/api/messages', {
      token: alice.accessToken,
      body: huge,
      headers: { 'content-type': 'application/json' },
    });
    expect([sized.status, sized.body]).toEqual([413, { errors: ['body_too_large'] }]);
    const encoder = new TextEncoder();
    const chunked = await fetch(`${gateway.url}/api/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 64; i++) controller.enqueue(encoder.encode('x'.repeat(1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect([chunked.status, await chunked.json()]).toEqual([413, { errors: ['body_too_large'] }]);
  });

  it('closes the connection after a 413, so a keep-alive client gets the answer and its next request works', async () => {
    const huge = JSON.stringify({ message: 'x'.repeat(20 * 1024), message_group_uuid: group });
    // Node's fetch keeps connections alive and reuses them: the way the old answer broke clients.
    for (let i = 0; i < 5; i++) {
      const refused = await fetch(`${gateway.url}/api/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
        body: huge,
      });
      expect([refused.status, refused.headers.get('connection'), await refused.json()]).toEqual([
        413,
        'close',
        { errors: ['body_too_large'] },
      ]);
      const next = await fetch(`${gateway.url}/api/message_groups`, {
        headers: { authorization: `Bearer ${alice.accessToken}` },
      });
      expect(next.status).toBe(200);
      await next.body?.cancel();
    }
  });

  it.each([
    ['a byte-order mark of UTF-16', [0xff, 0xfe]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ])('answers 400 body_invalid_utf8 to a body with %s, and stores nothing', async (_name, bytes) => {
    const before = await api(`/api/messages/${group}`, { token: alice.accessToken });
    const prefix = new TextEncoder().encode(`{"message_group_uuid":"${group}","message":"hi `);
    const suffix = new TextEncoder().encode('"}');
    const body = new Uint8Array([...prefix, ...bytes, ...suffix]);
    const res = await fetch(`${gateway.url}/api/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
      body,
    });
    expect([res.status, await res.json()]).toEqual([400, { errors: ['body_invalid_utf8'] }]);
    const after = await api(`/api/messages/${group}`, { token: alice.accessToken });
    expect(after.body).toEqual(before.body);
  });

  it('answers 422 cursor_invalid to a cursor of the right partition but the wrong key shape', async () => {
    const cursor = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const inbox = `GRP#${alice.uuid}`;
    const thread = `MSG#${group}`;
    const forgedInbox = [
      { pk: inbox, sk: 'x' },
      { pk: inbox, sk: group },
      { pk: inbox, sk: group, last_message_key: 'x', more: 'y' },
      { pk: inbox, sk: group, last_message_key: 'not#a-key' },
    ];
    for (const key of forgedInbox) {
      const res = await api(`/api/message_groups?cursor=${cursor(key)}`, { token: alice.accessToken });
      expect([res.status, res.body], JSON.stringify(key)).toEqual([422, { errors: ['cursor_invalid'] }]);
    }
    for (const key of [{ pk: thread, sk: 'x' }, { pk: thread }, { pk: thread, sk: '1#2', extra: '3' }]) {
      const res = await api(`/api/messages/${group}?before=${cursor(key)}`, { token: alice.accessToken });
      expect([res.status, res.body], JSON.stringify(key)).toEqual([422, { errors: ['cursor_invalid'] }]);
    }
  });

  it.each([
    ['plain text', 'hello', 'text/plain', 415, ['unsupported_media_type']],
    [
      'a form post',
      'message=hi&handle=bob',
      'application/x-www-form-urlencoded',
      415,
      ['unsupported_media_type'],
    ],
    ['no content type', '{"message":"hi"}', '', 415, ['unsupported_media_type']],
    ['malformed JSON', '{"message": "hi",', 'application/json', 400, ['body_invalid_json']],
    ['an empty body', '', 'application/json', 400, ['body_invalid_json']],
  ])('refuses %s', async (_name, body, contentType, status, errors) => {
    const res = await api('/api/messages', {
      token: alice.accessToken,
      body,
      headers: contentType ? { 'content-type': contentType } : {},
    });
    expect([res.status, res.body]).toEqual([status, { errors }]);
  });

  const g = () => group;
  it.each([
    ['an array', () => [], ['body_invalid']],
    ['null', () => null, ['body_invalid']],
    ['a number for the message', () => ({ message: 5, message_group_uuid: g() }), ['message_blank']],
    ['an object for the handle', () => ({ message: 'hi', handle: { $ne: '' } }), ['handle_invalid']],
    [
      'both targets',
      () => ({ message: 'hi', handle: 'bob', message_group_uuid: g() }),
      ['message_target_ambiguous'],
    ],
    [
      'neither target, blank message',
      () => ({ message: '   ' }),
      ['message_blank', 'message_group_uuid_blank', 'handle_blank'],
    ],
    [
      'a bad uuid',
      () => ({ message: 'hi', message_group_uuid: "' OR 1=1 --" }),
      ['message_group_uuid_invalid'],
    ],
    [
      '1025 characters',
      () => ({ message: 'x'.repeat(1025), message_group_uuid: g() }),
      ['message_exceed_max_chars'],
    ],
    [
      'a lone surrogate',
      () => '{"message":"bad \\ud800 half","message_group_uuid":"GROUP"}',
      ['message_invalid_characters'],
    ],
    [
      'a NUL character',
      () => ({ message: 'a\u0000b', message_group_uuid: g() }),
      ['message_invalid_characters'],
    ],
    ['a handle with emoji', () => ({ message: 'hi', handle: 'b😀b' }), ['handle_invalid']],
    [
      'deep nesting',
      () => `{"message":${'['.repeat(5000)}${']'.repeat(5000)},"handle":"bob"}`,
      ['message_blank'],
    ],
  ])('answers 422 with every code to %s', async (_name, make, errors) => {
    const made = make();
    const body = typeof made === 'string' ? made.replace('GROUP', group) : JSON.stringify(made);
    const res = await api('/api/messages', {
      token: alice.accessToken,
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect([res.status, res.body]).toEqual([422, { errors }]);
  });

  it('accepts Unicode that is only unusual: 1024 emoji, right-to-left marks, zero-width joiners, CRLF', async () => {
    for (const message of [
      '😀'.repeat(1024),
      '\u202eolleh\u202c',
      '👩‍👩‍👧 family',
      'line one\r\nline two',
      'ｆｕｌｌｗｉｄｔｈ',
    ]) {
      const res = await api('/api/messages', {
        token: alice.accessToken,
        body: { message, message_group_uuid: group },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  });

  it.each([
    ['/api/messages/not-a-uuid', 422, ['message_group_uuid_invalid']],
    ['/api/messages/%00', 422, ['message_group_uuid_invalid']],
    ['/api/message_groups?limit=abc', 422, ['limit_invalid']],
    ['/api/message_groups?limit=0', 422, ['limit_invalid']],
    ['/api/message_groups?limit=101', 422, ['limit_invalid']],
    ['/api/message_groups?limit=2.5', 422, ['limit_invalid']],
    ['/api/message_groups?cursor=%E2%9C%93', 422, ['cursor_invalid']],
    ['/api/message_groups?cursor=eyJwayI6IkdSUCNzb21lb25lLWVsc2UifQ', 422, ['cursor_invalid']],
    ['/api/users/@b%C3%B6b/short', 422, ['handle_invalid']],
    ['/api/users/bob/short', 422, ['handle_invalid']],
  ])('answers %s with %i', async (path, status, errors) => {
    const res = await api(path.replace('GROUP', group), { token: alice.accessToken });
    expect([res.status, res.body]).toEqual([status, { errors }]);
  });

  it('answers 503, not 401 or 500, when a service it needs is down', async () => {
    const noUsers = await system.startGateway({
      USERS_URL: 'http://127.0.0.1:9',
      UPSTREAM_TIMEOUT_MS: '500',
    });
    const noMessaging = await system.startGateway({
      MESSAGING_URL: 'http://127.0.0.1:9',
      UPSTREAM_TIMEOUT_MS: '500',
    });
    for (const gatewayUrl of [noUsers.url, noMessaging.url]) {
      const res = await call(gatewayUrl, '/api/message_groups', { token: alice.accessToken });
      expect([res.status, res.body]).toEqual([503, { errors: ['dependency_unavailable'] }]);
    }
    const ready = await call(noMessaging.url, '/readyz');
    expect([ready.status, ready.body.down]).toEqual([503, ['messaging']]);
  });

  it('refuses an unusable Idempotency-Key', async () => {
    const res = await api('/api/messages', {
      token: alice.accessToken,
      body: { message: 'hi', message_group_uuid: group },
      headers: { 'idempotency-key': 'has spaces in it' },
    });
    expect([res.status, res.body]).toEqual([422, { errors: ['idempotency_key_invalid'] }]);
  });
});
