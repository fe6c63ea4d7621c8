import { randomUUID } from 'node:crypto';
import {
  call,
  type E2eSystem,
  type EventStreamClient,
  openEventStream,
  startE2eSystem,
  type TestUser,
} from '@cruddur/system-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/** The group routes through the gateway, on the real services: members by handle, system messages, 404s. */
describe('gateway end to end: group conversations', () => {
  // Three members besides the creator, so "too large" needs only a few users.
  const MAX = 3;
  let system: E2eSystem;
  let gateway: RunningGateway;
  let ann: TestUser;
  let bo: TestUser;
  let cy: TestUser;
  let dee: TestUser;
  let eve: TestUser;
  let fay: TestUser;
  const streams: EventStreamClient[] = [];
  const api = (path: string, options: Parameters<typeof call>[2] = {}) => call(gateway.url, path, options);
  const short = (u: TestUser) => ({ uuid: u.uuid, handle: u.handle, display_name: u.display_name });

  const startGroup = async (creator: TestUser, members: TestUser[], extra: Record<string, unknown> = {}) => {
    const res = await api('/api/message_groups', {
      token: creator.accessToken,
      body: { handles: members.map((m) => m.handle), message: 'hi all', ...extra },
    });
    expect([res.status, res.body.errors]).toEqual([201, undefined]);
    return res.body.uuid as string;
  };
  const post = (user: TestUser, path: string, body?: unknown) =>
    api(path, { token: user.accessToken, method: 'POST', ...(body === undefined ? {} : { body }) });
  const thread = async (user: TestUser, group: string) =>
    (await api(`/api/messages/${group}?limit=100`, { token: user.accessToken })).body as {
      uuid: string;
      kind: string;
      handle: string;
      message: string;
      system?: { action: string; users: unknown[]; title: string | null };
    }[];

  beforeAll(async () => {
    system = await startE2eSystem({ groupMaxMembers: MAX });
    gateway = await system.startGateway();
    [ann, bo, cy, dee, eve, fay] = await Promise.all([
      system.createUser('gr_ann'),
      system.createUser('gr_bo'),
      system.createUser('gr_cy'),
      system.createUser('gr_dee'),
      system.createUser('gr_eve'),
      system.createUser('gr_fay'),
    ]);
    await system.waitForProfiles([ann, bo, cy, dee, eve, fay]);
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await system?.stop();
  });

  it('starts a group by handle, ignoring duplicates and the caller, and answers an idempotent retry with the same group', async () => {
    const key = randomUUID();
    const start = () =>
      api('/api/message_groups', {
        token: ann.accessToken,
        headers: { 'idempotency-key': key },
        body: { handles: ['gr_bo', 'GR_BO', '@gr_cy', 'gr_ann'], title: '  Trip  ', message: 'hello group' },
      });
    const first = await start();
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: 'group',
      title: 'Trip',
      display_name: 'Trip',
      member_count: 3,
      members: [short(ann), short(bo), short(cy)],
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      message: {
        uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        message_group_uuid: first.body.uuid,
        display_name: ann.display_name,
        handle: 'gr_ann',
        sender_uuid: ann.uuid,
        message: 'hello group',
        created_at: first.body.created_at,
        kind: 'text',
        reactions: [],
      },
    });
    const retry = await start();
    expect([retry.status, retry.body]).toEqual([200, first.body]);
    expect((await thread(ann, first.body.uuid)).map((m) => m.message)).toEqual(['hello group']);
    // The other members see it at once: their rows were written with the group.
    const seen = await api(`/api/message_groups/${first.body.uuid}`, { token: cy.accessToken });
    expect([seen.status, seen.body.display_name, seen.body.member_count]).toEqual([200, 'Trip', 3]);
  });

  it('answers 404 naming every unknown handle at once', async () => {
    const res = await api('/api/message_groups', {
      token: ann.accessToken,
      body: { handles: ['gr_bo', 'ghost_one', 'Ghost_Two', 'GHOST_ONE'], message: 'anyone?' },
    });
    expect([res.status, res.body]).toEqual([
      404,
      { errors: ['user_not_found'], unknown_handles: ['ghost_one', 'Ghost_Two'] },
    ]);
  });

  it('refuses too small and too large groups, bad handles and bad titles, with every code at once', async () => {
    const start = (body: unknown, headers: Record<string, string> = {}) =>
      api('/api/message_groups', { token: ann.accessToken, body, headers });
    const cases: [unknown, string[]][] = [
      [{ handles: ['gr_bo'], message: 'hi' }, ['group_too_small']],
      // Two names, one of them the caller's own (in another case).
      [{ handles: ['gr_bo', 'GR_ANN'], message: 'hi' }, ['group_too_small']],
      [{ handles: ['gr_bo', 'gr_cy', 'gr_dee', 'gr_eve'], message: 'hi' }, ['group_too_large']],
      [{ handles: 'gr_bo', message: 'hi' }, ['handles_invalid']],
      [{ handles: ['gr_bo', 'not a handle'], message: 'hi' }, ['handles_invalid']],
      [{ handles: ['gr_bo', 'gr_cy'], title: '', message: 'hi' }, ['title_invalid']],
      [{ handles: ['gr_bo', 'gr_cy'], title: 'x'.repeat(101), message: 'hi' }, ['title_invalid']],
      [{ handles: ['gr_bo', 'gr_cy'], title: 'two\nlines', message: 'hi' }, ['title_invalid']],
      [
        { handles: ['gr_bo'], title: ' ', message: ' ' },
        ['group_too_small', 'message_blank', 'title_invalid'],
      ],
      // Wrong types fail the schema first; the size rule, which needs the caller, is reported with them.
      [
        { handles: ['gr_bo', 'gr_ann'], title: 5, message: 7 },
        ['group_too_small', 'message_blank', 'title_invalid'],
      ],
    ];
    for (const [body, codes] of cases) {
      const res = await start(body);
      expect([res.status, [...res.body.errors].sort()], JSON.stringify(body)).toEqual([422, codes]);
    }
    const badKey = await start(
      { handles: ['gr_bo', 'gr_cy'], message: 'hi' },
      { 'idempotency-key': 'has space' },
    );
    expect([badKey.status, badKey.body]).toEqual([422, { errors: ['idempotency_key_invalid'] }]);
    // Nothing was started by any of them.
    const list = await api('/api/message_groups', { token: dee.accessToken });
    expect(list.body).toEqual([]);
  });

  it('adds members, renames and leaves through the API, each a system message in the thread', async () => {
    const group = await startGroup(ann, [bo, cy]);
    const untitled = await api(`/api/message_groups/${group}`, { token: bo.accessToken });
    expect(untitled.body).toMatchObject({
      kind: 'group',
      title: null,
      display_name: 'gr_ann Display, gr_cy Display',
      member_count: 3,
    });

    const added = await post(ann, `/api/message_groups/${group}/members`, { handles: ['gr_dee', 'gr_bo'] });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({
      uuid: group,
      member_count: 4,
      members: [short(ann), short(bo), short(cy), short(dee)],
      message: {
        kind: 'system',
        handle: 'gr_ann',
        message: 'added @gr_dee',
        system: { action: 'added', users: [short(dee)], title: null },
      },
    });
    const again = await post(bo, `/api/message_groups/${group}/members`, { handles: ['gr_dee'] });
    expect([again.status, again.body.message, again.body.member_count]).toEqual([200, null, 4]);
    const onlyMe = await post(bo, `/api/message_groups/${group}/members`, { handles: ['@GR_BO'] });
    expect([onlyMe.status, onlyMe.body.message, onlyMe.body.member_count]).toEqual([200, null, 4]);
    // Four members is the most with MAX = 3 besides the creator: messaging refuses a fifth.
    const full = await post(cy, `/api/message_groups/${group}/members`, { handles: ['gr_eve'] });
    expect([full.status, full.body]).toEqual([422, { errors: ['group_too_large'] }]);
    const tooMany = await post(cy, `/api/message_groups/${group}/members`, {
      handles: ['gr_eve', 'gr_fay', 'ghost_a', 'ghost_b'],
    });
    expect([tooMany.status, tooMany.body]).toEqual([422, { errors: ['group_too_large'] }]);
    const unknown = await post(cy, `/api/message_groups/${group}/members`, {
      handles: ['gr_eve', 'ghost_a'],
    });
    expect([unknown.status, unknown.body]).toEqual([
      404,
      { errors: ['user_not_found'], unknown_handles: ['ghost_a'] },
    ]);

    const patch = (user: TestUser, title: unknown) =>
      api(`/api/message_groups/${group}`, { token: user.accessToken, method: 'PATCH', body: { title } });
    const renamed = await patch(bo, ' Weekend ');
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      title: 'Weekend',
      display_name: 'Weekend',
      message: {
        kind: 'system',
        handle: 'gr_bo',
        system: { action: 'renamed', users: [], title: 'Weekend' },
      },
    });
    expect((await patch(cy, 'Weekend')).body).toMatchObject({ title: 'Weekend', message: null });
    expect(await patch(cy, '')).toMatchObject({ status: 422, body: { errors: ['title_invalid'] } });
    const cleared = await patch(cy, null);
    expect(cleared.body).toMatchObject({
      title: null,
      display_name: 'gr_ann Display, gr_bo Display, gr_dee Display',
      message: { system: { action: 'renamed', title: null } },
    });

    const left = await post(dee, `/api/message_groups/${group}/leave`);
    expect([left.status, left.body]).toEqual([200, { message_group_uuid: group, left: true }]);

    expect((await thread(ann, group)).map((m) => [m.kind, m.handle, m.system?.action ?? m.message])).toEqual([
      ['text', 'gr_ann', 'hi all'],
      ['system', 'gr_ann', 'added'],
      ['system', 'gr_bo', 'renamed'],
      ['system', 'gr_cy', 'renamed'],
      ['system', 'gr_dee', 'left'],
    ]);
    const view = await api(`/api/message_groups/${group}`, { token: ann.accessToken });
    expect(view.body).toMatchObject({ member_count: 3, members: [short(ann), short(bo), short(cy)] });
  });

  it('answers 404 to a leaver, at once, on every read and write of the group, as to someone never in it', async () => {
    const group = await startGroup(ann, [bo, cy], { title: 'Secret' });
    const left = await post(cy, `/api/message_groups/${group}/leave`);
    expect(left.status).toBe(200);
    const every = (user: TestUser) =>
      Promise.all([
        api(`/api/messages/${group}`, { token: user.accessToken }),
        post(user, '/api/messages', { message: 'still here?', message_group_uuid: group }),
        post(user, `/api/message_groups/${group}/read`),
        api(`/api/message_groups/${group}`, { token: user.accessToken }),
        post(user, `/api/message_groups/${group}/members`, { handles: ['gr_eve'] }),
        post(user, `/api/message_groups/${group}/leave`),
        api(`/api/message_groups/${group}`, {
          token: user.accessToken,
          method: 'PATCH',
          body: { title: 'Mine' },
        }),
      ]);
    for (const user of [cy, fay]) {
      expect(
        (await every(user)).map((r) => [r.status, r.body]),
        user.handle,
      ).toEqual(Array(7).fill([404, { errors: ['message_group_not_found'] }]));
    }
    // The leaver's row went in the leave itself.
    const list = await api('/api/message_groups', { token: cy.accessToken });
    expect(list.body.map((g: { uuid: string }) => g.uuid)).not.toContain(group);
    // Nothing the leaver tried reached the group.
    expect((await thread(ann, group)).map((m) => m.system?.action ?? m.message)).toEqual(['hi all', 'left']);
  });

  it('refuses group changes on a direct conversation with not_a_group, and shows it as a direct one', async () => {
    const sent = await vi.waitFor(
      async () => {
        const res = await api('/api/messages', {
          token: eve.accessToken,
          body: { message: 'just us', handle: 'gr_fay' },
          headers: { 'idempotency-key': `gr-direct-${eve.uuid}` },
        });
        if (res.status !== 200) throw new Error(`direct start: ${res.status} ${JSON.stringify(res.body)}`);
        return res;
      },
      { timeout: 15_000, interval: 100 },
    );
    const direct = sent.body.message_group_uuid as string;
    expect(sent.body).toMatchObject({ kind: 'text', created: true });
    const view = await api(`/api/message_groups/${direct}`, { token: eve.accessToken });
    expect(view.body).toMatchObject({
      kind: 'direct',
      title: null,
      display_name: fay.display_name,
      member_count: 2,
    });
    expect(view.body.members).toEqual(expect.arrayContaining([short(eve), short(fay)]));
    const refused = await Promise.all([
      post(eve, `/api/message_groups/${direct}/members`, { handles: ['gr_ann'] }),
      post(eve, `/api/message_groups/${direct}/members`, { handles: ['gr_eve'] }),
      post(eve, `/api/message_groups/${direct}/leave`),
      api(`/api/message_groups/${direct}`, {
        token: eve.accessToken,
        method: 'PATCH',
        body: { title: 'Us' },
      }),
    ]);
    expect(refused.map((r) => [r.status, r.body])).toEqual(Array(4).fill([422, { errors: ['not_a_group'] }]));
    const items = await thread(fay, direct);
    expect(items.map((m) => [m.kind, m.message, 'system' in m])).toEqual([['text', 'just us', false]]);
  });

  it('lists groups and direct conversations together, newest first; direct rows keep every field as before', async () => {
    const group = await startGroup(bo, [dee, eve]);
    const direct = await vi.waitFor(
      async () => {
        const res = await api('/api/messages', {
          token: dee.accessToken,
          body: { message: 'psst', handle: 'gr_bo' },
          headers: { 'idempotency-key': `gr-list-${dee.uuid}` },
        });
        if (res.status !== 200) throw new Error(`direct start: ${res.status}`);
        return res.body;
      },
      { timeout: 15_000, interval: 100 },
    );
    const reply = await post(eve, '/api/messages', { message: 'count me in', message_group_uuid: group });
    expect(reply.status).toBe(200);

    // The stream consumer moves bo's group row to eve's reply.
    await expect
      .poll(async () => (await api('/api/message_groups', { token: bo.accessToken })).body, {
        timeout: 20_000,
      })
      .toEqual(
        expect.arrayContaining([
          expect.objectContaining({ uuid: group, message: 'count me in' }),
          expect.objectContaining({ uuid: direct.message_group_uuid }),
        ]),
      );
    const rows = (await api('/api/message_groups', { token: bo.accessToken })).body as Record<
      string,
      unknown
    >[];
    const ours = rows.filter((r) => r.uuid === group || r.uuid === direct.message_group_uuid);
    expect(ours.map((r) => r.uuid)).toEqual([group, direct.message_group_uuid]);
    expect(ours[0]).toEqual({
      uuid: group,
      kind: 'group',
      title: null,
      display_name: 'gr_dee Display, gr_eve Display',
      handle: 'gr_eve',
      other_user_uuid: null,
      member_count: 3,
      members: [short(bo), short(dee), short(eve)],
      message: 'count me in',
      created_at: reply.body.created_at,
      last_message_uuid: reply.body.uuid,
      last_sender_handle: 'gr_eve',
      last_sender_is_me: false,
      unread_count: 1,
    });
    // Exactly what a direct row had before groups, plus the four additions.
    expect(ours[1]).toEqual({
      uuid: direct.message_group_uuid,
      display_name: dee.display_name,
      handle: 'gr_dee',
      other_user_uuid: dee.uuid,
      message: 'psst',
      created_at: direct.created_at,
      last_message_uuid: direct.uuid,
      last_sender_handle: 'gr_dee',
      last_sender_is_me: false,
      unread_count: 1,
      kind: 'direct',
      title: null,
      member_count: 2,
      members: expect.arrayContaining([short(bo), short(dee)]),
    });
  });

  it("pushes message.created and inbox.updated to the group's members on every replica, and not to a leaver or an outsider", async () => {
    // bo and cy listen on a second gateway replica: each replica must deliver what concerns its own streams.
    const second = await system.startGateway();
    const connect = async (user: TestUser, via: RunningGateway = gateway) => {
      const stream = await openEventStream(`${via.url}/api/events`, {
        authorization: `Bearer ${user.accessToken}`,
      });
      streams.push(stream);
      expect(stream.status).toBe(200);
      await vi.waitFor(() => expect(stream.events[0]?.event).toBe('ready'));
      return stream;
    };
    const group = await startGroup(ann, [bo, cy], { title: 'Live' });
    const [annStream, boStream, cyStream, fayStream] = await Promise.all([
      connect(ann),
      connect(bo, second),
      connect(cy, second),
      connect(fay),
    ]);
    expect((await post(cy, `/api/message_groups/${group}/leave`)).status).toBe(200);
    const sent = await post(ann, '/api/messages', { message: 'after cy left', message_group_uuid: group });
    expect(sent.status).toBe(200);

    const created = (stream: EventStreamClient, uuid: string) =>
      stream.events.find((e) => e.event === 'message.created' && (e.data as { uuid: string }).uuid === uuid);
    await vi.waitFor(
      () => {
        expect(created(boStream, sent.body.uuid)).toBeDefined();
        expect(created(annStream, sent.body.uuid)).toBeDefined();
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(created(boStream, sent.body.uuid)?.data).toMatchObject({
      message_group_uuid: group,
      sender_uuid: ann.uuid,
      message: 'after cy left',
      conversation_kind: 'group',
      title: 'Live',
    });
    // One event, one replica: had cy or fay been among its recipients, they would have had it with bo.
    expect(created(cyStream, sent.body.uuid)).toBeUndefined();
    expect(created(fayStream, sent.body.uuid)).toBeUndefined();
    // Each member's own inbox row, on their own stream only.
    const inboxOf = (stream: EventStreamClient) =>
      stream.events.filter(
        (e) =>
          e.event === 'inbox.updated' &&
          (e.data as { last_message: { uuid: string } }).last_message.uuid === sent.body.uuid,
      );
    await vi.waitFor(
      () => {
        expect(inboxOf(annStream)).toHaveLength(1);
        expect(inboxOf(boStream)).toHaveLength(1);
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(inboxOf(boStream)[0]?.data).toMatchObject({
      message_group_uuid: group,
      unread_count: expect.any(Number),
    });
    expect([...inboxOf(cyStream), ...inboxOf(fayStream)]).toEqual([]);
    // The leave itself reached those who stayed, as a system message (events may arrive in any order).
    await vi.waitFor(
      () =>
        expect(boStream.events).toContainEqual(
          expect.objectContaining({
            event: 'message.created',
            data: expect.objectContaining({
              message_group_uuid: group,
              kind: 'system',
              system: expect.objectContaining({ action: 'left', user_uuids: [cy.uuid] }),
            }),
          }),
        ),
      { timeout: 20_000, interval: 50 },
    );
    const ofGroup = (stream: EventStreamClient) =>
      stream.events.filter((e) => (e.data as { message_group_uuid?: string })?.message_group_uuid === group);
    expect(ofGroup(fayStream)).toEqual([]);
  });

  it('documents the group routes in /openapi.json with their bodies and answers', async () => {
    const doc = (await api('/openapi.json')).body;
    const start = doc.paths['/api/message_groups'].post;
    expect(Object.keys(start.responses).sort()).toEqual([
      '200',
      '201',
      '401',
      '404',
      '409',
      '413',
      '415',
      '422',
      '429',
    ]);
    expect(start.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/NewGroup',
    });
    expect(doc.components.schemas.NewGroup.required.sort()).toEqual(['handles', 'message']);
    expect(JSON.stringify(start.responses['404'])).toContain('UnknownHandles');
    expect(JSON.stringify(doc.components.schemas.UnknownHandles)).toContain('"unknown_handles"');
    const one = doc.paths['/api/message_groups/{message_group_uuid}'];
    expect(Object.keys(one).sort()).toEqual(['get', 'patch']);
    expect(one.patch.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/RenameGroup',
    });
    expect(Object.keys(doc.paths['/api/message_groups/{message_group_uuid}/members'])).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/message_groups/{message_group_uuid}/leave'])).toEqual(['post']);
    expect(Object.keys(doc.components.schemas.Message.properties)).toEqual(
      expect.arrayContaining(['kind', 'system']),
    );
    expect(Object.keys(doc.components.schemas.MessageGroup.properties)).toEqual(
      expect.arrayContaining(['kind', 'title', 'member_count', 'members']),
    );
  });

  it('needs a token and JSON bodies on every group route, like the other routes', async () => {
    const group = randomUUID();
    const routes: [string, string][] = [
      ['POST', '/api/message_groups'],
      ['GET', `/api/message_groups/${group}`],
      ['POST', `/api/message_groups/${group}/members`],
      ['POST', `/api/message_groups/${group}/leave`],
      ['PATCH', `/api/message_groups/${group}`],
    ];
    for (const [method, path] of routes) {
      const res = await api(path, { method, body: method === 'GET' ? undefined : { handles: ['gr_bo'] } });
      expect([res.status, res.body], `${method} ${path}`).toEqual([401, { errors: ['unauthorized'] }]);
    }
    for (const [method, path] of routes.filter(([m, p]) => m !== 'GET' && !p.endsWith('/leave'))) {
      const res = await api(path, {
        method,
        token: ann.accessToken,
        body: 'handles=gr_bo',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect([res.status, res.body], `${method} ${path}`).toEqual([
        415,
        { errors: ['unsupported_media_type'] },
      ]);
    }
    const badUuid = await post(ann, '/api/message_groups/not-a-uuid/members', { handles: 7 });
    expect([badUuid.status, badUuid.body.errors]).toEqual([422, ['message_group_uuid_invalid']]);
  });
});
