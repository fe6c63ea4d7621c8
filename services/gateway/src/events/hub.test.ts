import { createEvent } from '@cruddur/contracts';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { type ClientEvent, type EventSink, SseHub } from './hub.ts';

const alice = '11111111-1111-4111-8111-111111111111';
const bob = '22222222-2222-4222-8222-222222222222';
const carol = '33333333-3333-4333-8333-333333333333';
const group = '44444444-4444-4444-8444-444444444444';
const messageUuid = '55555555-5555-4555-8555-555555555555';

function sink() {
  const received: ClientEvent[] = [];
  let closed = false;
  const s: EventSink & { received: ClientEvent[]; closed: () => boolean } = {
    received,
    closed: () => closed,
    send: (e) => received.push(e),
    close: () => {
      closed = true;
    },
  };
  return s;
}

const inboxOf = (owner: string, text = 'hi') =>
  createEvent(
    'inbox.updated',
    {
      owner_uuid: owner,
      message_group_uuid: group,
      other_user_uuid: owner === alice ? bob : alice,
      last_message: { uuid: messageUuid, text, created_at: '2026-11-25T13:00:00.000Z', sender_uuid: bob },
      unread_count: 1,
    },
    { traceId: 'trace-1' },
  );

describe('SseHub', () => {
  it('delivers an inbox change to every stream of its owner and to nobody else', () => {
    const hub = new SseHub({ maxStreamsPerUser: 4 });
    const [a1, a2, b] = [sink(), sink(), sink()];
    hub.register(alice, a1);
    hub.register(alice, a2);
    hub.register(bob, b);
    const event = inboxOf(alice);
    expect(hub.publish(event)).toBe(2);
    expect(b.received).toEqual([]);
    expect(a1.received).toHaveLength(1);
    expect(a1.received[0]?.event).toBe('inbox.updated');
    expect(a1.received[0]?.id).toBe(event.id);
    expect(JSON.parse(a1.received[0]!.data)).toEqual({
      message_group_uuid: group,
      other_user_uuid: bob,
      last_message: {
        uuid: messageUuid,
        message: 'hi',
        created_at: '2026-11-25T13:00:00.000Z',
        sender_uuid: bob,
      },
      unread_count: 1,
      occurred_at: event.occurred_at,
    });
  });

  it('sends message.created to the members only, and drops a redelivered event', () => {
    const hub = new SseHub({ maxStreamsPerUser: 4 });
    const [a, b, c] = [sink(), sink(), sink()];
    hub.register(alice, a);
    hub.register(bob, b);
    hub.register(carol, c);
    const event = createEvent(
      'message.created',
      {
        message_group_uuid: group,
        message_uuid: messageUuid,
        sender_uuid: bob,
        members: [alice, bob],
        message: 'hello',
        created_at: '2026-11-25T13:00:00.000Z',
      },
      { traceId: 't' },
    );
    expect(hub.publish(event)).toBe(2);
    expect(hub.publish(event)).toBe(0);
    expect([a.received.length, b.received.length, c.received.length]).toEqual([1, 1, 0]);
  });

  it("passes a group's fields on: the message's kind and system action, the group's kind, title and size", () => {
    const hub = new SseHub({ maxStreamsPerUser: 4 });
    const [a, c] = [sink(), sink()];
    hub.register(alice, a);
    hub.register(carol, c);
    const created = createEvent(
      'message.created',
      {
        message_group_uuid: group,
        message_uuid: messageUuid,
        sender_uuid: bob,
        // Carol has just left: the message was committed without her.
        members: [alice, bob],
        message: 'bob removed the title',
        created_at: '2026-11-25T13:00:00.000Z',
        kind: 'system',
        system: { action: 'renamed', user_uuids: [], title: null },
        conversation_kind: 'group',
        title: null,
      },
      { traceId: 't' },
    );
    const inbox = createEvent(
      'inbox.updated',
      {
        owner_uuid: alice,
        message_group_uuid: group,
        other_user_uuid: null,
        last_message: {
          uuid: messageUuid,
          text: 'hi',
          created_at: '2026-11-25T13:00:00.000Z',
          sender_uuid: bob,
        },
        unread_count: 2,
        member_count: 3,
        conversation_kind: 'group',
        title: 'Plans',
      },
      { traceId: 't' },
    );
    expect([hub.publish(created), hub.publish(inbox)]).toEqual([1, 1]);
    expect(c.received).toEqual([]);
    expect(a.received.map((e) => JSON.parse(e.data))).toEqual([
      {
        uuid: messageUuid,
        message_group_uuid: group,
        sender_uuid: bob,
        message: 'bob removed the title',
        created_at: '2026-11-25T13:00:00.000Z',
        kind: 'system',
        system: { action: 'renamed', user_uuids: [], title: null },
        conversation_kind: 'group',
        title: null,
        occurred_at: created.occurred_at,
      },
      {
        message_group_uuid: group,
        other_user_uuid: null,
        last_message: {
          uuid: messageUuid,
          message: 'hi',
          created_at: '2026-11-25T13:00:00.000Z',
          sender_uuid: bob,
        },
        unread_count: 2,
        conversation_kind: 'group',
        title: 'Plans',
        member_count: 3,
        occurred_at: inbox.occurred_at,
      },
    ]);
  });

  it('caps streams per user, forgets unregistered ones, and closes all on shutdown', () => {
    const hub = new SseHub({ maxStreamsPerUser: 1 });
    const first = sink();
    const registered = hub.register(alice, first);
    expect(registered.ok).toBe(true);
    expect(hub.register(alice, sink())).toEqual({ ok: false, reason: 'too_many_streams' });
    if (registered.ok) registered.unregister();
    expect(hub.streamCount).toBe(0);
    expect(hub.publish(inboxOf(alice))).toBe(0);
    const second = sink();
    hub.register(alice, second);
    hub.closeAll();
    expect(second.closed()).toBe(true);
    expect(hub.register(alice, sink())).toEqual({ ok: false, reason: 'closed' });
  });

  it('reports its open streams to the registry at scrape time', async () => {
    const metrics = new Registry();
    const hub = new SseHub({ maxStreamsPerUser: 4, metrics });
    const open = async () => /^gateway_sse_connections_open (\d+)$/m.exec(await metrics.metrics())?.[1];
    expect(await open()).toBe('0');
    const first = hub.register(alice, sink());
    hub.register(bob, sink());
    expect(await open()).toBe('2');
    if (first.ok) first.unregister();
    expect(await open()).toBe('1');
    hub.closeAll();
    expect(await open()).toBe('0');
  });
});

describe('SseHub: messages that change', () => {
  const change = {
    message_group_uuid: group,
    message_uuid: messageUuid,
    sender_uuid: bob,
    members: [alice, bob],
  };
  const at = '2026-11-25T13:00:00.000Z';

  it('sends an edit and a delete to the members of the message only, each once', () => {
    const hub = new SseHub({ maxStreamsPerUser: 4 });
    const [a, b, c] = [sink(), sink(), sink()];
    hub.register(alice, a);
    hub.register(bob, b);
    hub.register(carol, c);
    const edited = createEvent(
      'message.updated',
      { ...change, created_at: at, edit_version: 1, message: 'fixed', edited_at: at },
      { traceId: 't' },
    );
    const deleted = createEvent(
      'message.deleted',
      { ...change, created_at: at, edit_version: 2, deleted_at: at },
      { traceId: 't' },
    );
    expect([hub.publish(edited), hub.publish(edited), hub.publish(deleted)]).toEqual([2, 0, 2]);
    expect(c.received).toEqual([]);
    expect(a.received.map((e) => [e.event, JSON.parse(e.data)])).toEqual([
      [
        'message.updated',
        expect.objectContaining({ uuid: messageUuid, message: 'fixed', edit_version: 1, edited_at: at }),
      ],
      ['message.deleted', expect.objectContaining({ uuid: messageUuid, deleted: true, edit_version: 2 })],
    ]);
    expect(JSON.parse(a.received[1]!.data)).not.toHaveProperty('message');
  });
  it('pushes typing to the members it names and presence to the contacts it names, without those lists', () => {
    const hub = new SseHub({ maxStreamsPerUser: 4 });
    const [a, b, c] = [sink(), sink(), sink()];
    hub.register(alice, a);
    hub.register(bob, b);
    hub.register(carol, c);
    const until = '2026-11-25T13:00:05.000Z';
    hub.publish(
      createEvent(
        'typing',
        { message_group_uuid: group, user_uuid: alice, typing: true, until, members: [bob] },
        { traceId: 't' },
      ),
    );
    hub.publish(
      createEvent(
        'presence.changed',
        { user_uuid: alice, online: true, last_seen_at: null, recipients: [carol] },
        { traceId: 't' },
      ),
    );
    expect(a.received).toEqual([]);
    expect(b.received.map((e) => [e.event, JSON.parse(e.data)])).toEqual([
      [
        'typing',
        { message_group_uuid: group, user_uuid: alice, typing: true, until, occurred_at: expect.any(String) },
      ],
    ]);
    expect(c.received.map((e) => [e.event, JSON.parse(e.data)])).toEqual([
      [
        'presence.changed',
        { user_uuid: alice, online: true, last_seen_at: null, occurred_at: expect.any(String) },
      ],
    ]);
  });
});

describe('SseHub: reactions and read receipts', () => {
  it("sends reaction.changed and receipt.updated to their payload's members only", () => {
    const hub = new SseHub({ maxStreamsPerUser: 4 });
    const [a, b, c] = [sink(), sink(), sink()];
    hub.register(alice, a);
    hub.register(bob, b);
    hub.register(carol, c);
    const reacted = createEvent(
      'reaction.changed',
      {
        message_group_uuid: group,
        message_uuid: messageUuid,
        members: [alice, bob],
        reaction_version: 3,
        reactions: [{ emoji: '👍', count: 2 }],
        change: { user_uuid: bob, emoji: '👍', action: 'added' },
      },
      { traceId: 't' },
    );
    const read = createEvent(
      'receipt.updated',
      {
        message_group_uuid: group,
        user_uuid: bob,
        members: [bob],
        message_uuid: messageUuid,
        read_key: `2026-11-25T13:00:00.000Z#${messageUuid}`,
        read_at: '2026-11-25T13:01:00.000Z',
      },
      { traceId: 't' },
    );
    expect([hub.publish(reacted), hub.publish(read), hub.publish(read)]).toEqual([2, 1, 0]);
    expect(c.received).toEqual([]);
    expect(a.received.map((e) => [e.event, JSON.parse(e.data)])).toEqual([
      [
        'reaction.changed',
        expect.objectContaining({
          uuid: messageUuid,
          reaction_version: 3,
          reactions: [{ emoji: '👍', count: 2 }],
          change: { user_uuid: bob, emoji: '👍', action: 'added' },
        }),
      ],
    ]);
    expect(JSON.parse(b.received[1]!.data)).toEqual({
      message_group_uuid: group,
      user_uuid: bob,
      message_uuid: messageUuid,
      read_at: '2026-11-25T13:01:00.000Z',
      occurred_at: expect.any(String),
    });
  });
});
