import {
  call,
  type E2eSystem,
  type EventStreamClient,
  startE2eSystem,
  type TestUser,
} from '@cruddur/system-testing';
import { documentClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyTable } from '../../../../scripts/ddb/lib/verify/table.ts';
import type { RunningGateway } from '../service.ts';

/** Who may message me, through the gateway on the real services: requests, accept, decline, and no pushes. */
describe('gateway end to end: message requests', () => {
  let system: E2eSystem;
  let gateway: RunningGateway;
  let ann: TestUser;
  let bo: TestUser;
  let cy: TestUser;
  let dee: TestUser;
  const api = (path: string, options: Parameters<typeof call>[2] = {}) => call(gateway.url, path, options);
  const send = (from: TestUser, body: Record<string, unknown>) =>
    api('/api/messages', { token: from.accessToken, body });
  const list = async (user: TestUser, path: string) =>
    (
      await api(path, { token: user.accessToken }).then((r) => {
        if (!Array.isArray(r.body)) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
        return r;
      })
    ).body as {
      uuid: string;
      message: string;
      unread_count: number;
    }[];
  const stream = (user: TestUser) => system.connect(gateway, user);
  const got = (s: EventStreamClient, messageUuid: string) =>
    s.events.some((e) => e.event === 'message.created' && (e.data as { uuid?: string }).uuid === messageUuid);
  const inboxEventFor = (s: EventStreamClient, group: string) =>
    s.events.some(
      (e) =>
        e.event === 'inbox.updated' &&
        (e.data as { message_group_uuid?: string }).message_group_uuid === group,
    );

  beforeAll(async () => {
    system = await startE2eSystem();
    gateway = await system.startGateway();
    [ann, bo, cy, dee] = await system.createUsers('rq_ann', 'rq_bo', 'rq_cy', 'rq_dee');
  });
  afterAll(() => system?.stop());

  it('lands a stranger’s first message as a request: listed apart, not pushed, until accepted', async () => {
    // cy and ann already have a conversation: it stays an ordinary one after the setting changes.
    const known = await vi.waitFor(
      async () => {
        const res = await send(cy, { message: 'hi ann, cy here', handle: 'rq_ann' });
        if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
        return res.body.message_group_uuid as string;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect((await api('/api/me/message_settings', { token: ann.accessToken })).body).toEqual({
      who_can_message: 'everyone',
    });
    const set = await api('/api/me/message_settings', {
      token: ann.accessToken,
      method: 'PUT',
      body: { who_can_message: 'conversations' },
    });
    expect([set.status, set.body]).toEqual([200, { who_can_message: 'conversations' }]);
    const bad = await api('/api/me/message_settings', {
      token: ann.accessToken,
      method: 'PUT',
      body: { who_can_message: 'nobody' },
    });
    expect(bad.status).toBe(422);

    const annStream = await stream(ann);
    const boStream = await stream(bo);
    const first = await vi.waitFor(
      async () => {
        const res = await send(bo, { message: 'hello stranger', handle: 'rq_ann' });
        if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
        return res.body as { uuid: string; message_group_uuid: string; created: boolean };
      },
      { timeout: 15_000, interval: 100 },
    );
    // The sender is not told: an ordinary answer.
    expect(first.created).toBe(true);
    const request = first.message_group_uuid;
    expect((await list(ann, '/api/message_requests')).map((r) => [r.uuid, r.message])).toEqual([
      [request, 'hello stranger'],
    ]);
    expect((await list(ann, '/api/message_groups')).map((r) => r.uuid)).toEqual([known]);
    // The sender sees their conversation as any other.
    expect((await list(bo, '/api/message_groups')).map((r) => r.uuid)).toEqual([request]);

    const second = await send(bo, { message: 'are you there?', message_group_uuid: request });
    expect(second.status).toBe(200);
    // The one event for the message reaches its sender; the request's owner got nothing for it or the first.
    await vi.waitFor(() => expect(got(boStream, second.body.uuid)).toBe(true), { timeout: 20_000 });
    expect(got(annStream, first.uuid) || got(annStream, second.body.uuid)).toBe(false);
    expect(inboxEventFor(annStream, request)).toBe(false);
    await vi.waitFor(
      async () => expect((await list(ann, '/api/message_requests'))[0]?.message).toBe('are you there?'),
      { timeout: 20_000 },
    );
    // The owner can read the request's thread before deciding.
    const thread = await api(`/api/messages/${request}`, { token: ann.accessToken });
    expect(thread.body.map((m: { message: string }) => m.message)).toEqual([
      'hello stranger',
      'are you there?',
    ]);

    const accepted = await api(`/api/message_requests/${request}/accept`, {
      token: ann.accessToken,
      method: 'POST',
    });
    expect([accepted.status, accepted.body]).toEqual([200, { message_group_uuid: request, accepted: true }]);
    expect(await list(ann, '/api/message_requests')).toEqual([]);
    expect((await list(ann, '/api/message_groups')).map((r) => r.uuid).sort()).toEqual(
      [known, request].sort(),
    );
    const again = await api(`/api/message_requests/${request}/accept`, {
      token: ann.accessToken,
      method: 'POST',
    });
    expect(again.status).toBe(404);
    // From now on it is an ordinary conversation: pushed.
    const third = await send(bo, { message: 'thanks!', message_group_uuid: request });
    await vi.waitFor(() => expect(got(annStream, third.body.uuid)).toBe(true), { timeout: 20_000 });
  });

  it('declines without telling the sender, and refuses what they send afterwards like a block', async () => {
    const put = {
      token: ann.accessToken,
      method: 'PUT' as const,
      body: { who_can_message: 'conversations' },
    };
    expect((await api('/api/me/message_settings', put)).status).toBe(200);
    const first = await vi.waitFor(
      async () => {
        const res = await send(dee, { message: 'buy my stuff', handle: 'rq_ann' });
        if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
        return res.body as { message_group_uuid: string };
      },
      { timeout: 15_000, interval: 100 },
    );
    const request = first.message_group_uuid;
    expect((await list(ann, '/api/message_requests')).map((r) => r.uuid)).toEqual([request]);
    const declined = await api(`/api/message_requests/${request}/decline`, {
      token: ann.accessToken,
      method: 'POST',
    });
    expect([declined.status, declined.body]).toEqual([200, { message_group_uuid: request, declined: true }]);
    expect(await list(ann, '/api/message_requests')).toEqual([]);
    expect((await list(ann, '/api/message_groups')).map((r) => r.uuid)).not.toContain(request);
    expect((await api(`/api/messages/${request}`, { token: ann.accessToken })).status).toBe(200);

    const refused = { status: 403, body: { errors: ['recipient_unavailable'] } };
    const after = await send(dee, { message: 'hello again', message_group_uuid: request });
    expect({ status: after.status, body: after.body }).toEqual(refused);
    const restart = await send(dee, { message: 'hello again', handle: 'rq_ann' });
    expect({ status: restart.status, body: restart.body }).toEqual(refused);
    // Nor into a group with her.
    const group = await api('/api/message_groups', {
      token: dee.accessToken,
      body: { handles: ['rq_ann', 'rq_cy'], message: 'group spam' },
    });
    expect({ status: group.status, body: group.body }).toEqual(refused);
    // The sender's own view is as it was.
    expect((await list(dee, '/api/message_groups')).map((r) => r.uuid)).toEqual([request]);
    // Request rows and a declined one's missing row are what the checker expects.
    await vi.waitFor(
      async () =>
        expect((await verifyTable(documentClient(testStack()), system.tableName)).violations).toEqual([]),
      { timeout: 30_000, interval: 500 },
    );
    // Once the stream consumer has applied the first message (which may come after the decline), the declined
    // row is still out of both lists: it is kept as `declined`, so the consumer moves it instead of re-creating it.
    expect((await list(ann, '/api/message_groups')).map((r) => r.uuid)).not.toContain(request);
    expect(await list(ann, '/api/message_requests')).toEqual([]);
  });
});
