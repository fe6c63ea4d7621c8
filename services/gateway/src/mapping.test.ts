import { describe, expect, it } from 'vitest';
import {
  groupDisplayName,
  toGroupView,
  toMessageGroupItem,
  toMessageItem,
  toThreadItems,
} from './mapping.ts';
import type { Conversation, Group, Message } from './upstream/schemas.ts';

const me = {
  uuid: '11111111-1111-4111-8111-111111111111',
  handle: 'andrewbrown',
  display_name: 'Andrew Brown',
};
const bayko = { uuid: '22222222-2222-4222-8222-222222222222', handle: 'bayko', display_name: 'Andrew Bayko' };
const group = '33333333-3333-4333-8333-333333333333';

describe('public shapes', () => {
  it('maps a conversation to what MessageGroupItem reads: the other person, the last message', () => {
    const conversation: Conversation = {
      message_group_uuid: group,
      kind: 'direct',
      other_user: bayko,
      last_message: {
        uuid: '44444444-4444-4444-8444-444444444444',
        message: 'see you',
        created_at: '2026-11-25T13:00:00.000Z',
        sender_uuid: me.uuid,
        sender_handle: 'andrewbrown',
      },
      unread_count: 0,
    };
    expect(toMessageGroupItem(conversation, me)).toEqual({
      uuid: group,
      display_name: 'Andrew Bayko',
      handle: 'bayko',
      other_user_uuid: bayko.uuid,
      message: 'see you',
      created_at: '2026-11-25T13:00:00.000Z',
      last_message_uuid: '44444444-4444-4444-8444-444444444444',
      last_sender_handle: 'andrewbrown',
      last_sender_is_me: true,
      unread_count: 0,
      // Additions the reference frontend ignores.
      kind: 'direct',
      title: null,
      member_count: 2,
      members: [me, bayko],
    });
  });

  it('names the other person as last sender when messaging leaves the handle out', () => {
    const conversation: Conversation = {
      message_group_uuid: group,
      kind: 'direct',
      other_user: bayko,
      last_message: {
        uuid: '44444444-4444-4444-8444-444444444444',
        message: 'hi',
        created_at: '2026-11-25T13:00:00.000Z',
        sender_uuid: bayko.uuid,
      },
      unread_count: 2,
    };
    expect(toMessageGroupItem(conversation, me)).toMatchObject({
      last_sender_handle: 'bayko',
      last_sender_is_me: false,
      unread_count: 2,
    });
  });

  it('maps a message to what MessageItem reads: the sender, text and time, keyed by the message uuid', () => {
    const message: Message = {
      uuid: '55555555-5555-4555-8555-555555555555',
      message_group_uuid: group,
      message: 'hello',
      created_at: '2026-11-25T13:00:00.000Z',
      sender: bayko,
      kind: 'text',
      reactions: [],
    };
    expect(toMessageItem(message)).toEqual({
      uuid: '55555555-5555-4555-8555-555555555555',
      message_group_uuid: group,
      display_name: 'Andrew Bayko',
      handle: 'bayko',
      sender_uuid: bayko.uuid,
      message: 'hello',
      created_at: '2026-11-25T13:00:00.000Z',
      kind: 'text',
      reactions: [],
    });
  });

  it('shows on a thread page whose read position each message is', () => {
    const base = { message_group_uuid: group, created_at: '2026-11-25T13:00:00.000Z', kind: 'text' as const };
    const first: Message = {
      ...base,
      uuid: '55555555-5555-4555-8555-555555555551',
      message: 'a',
      sender: me,
      reactions: [],
    };
    const second: Message = {
      ...base,
      uuid: '55555555-5555-4555-8555-555555555552',
      message: 'b',
      sender: me,
      reactions: [{ emoji: '👍', count: 1, me: false }],
    };
    const items = toThreadItems(
      [first, second],
      [{ user: bayko, message_uuid: second.uuid, read_at: '2026-11-25T13:01:00.000Z' }],
    );
    expect(items.map((m) => m.read_by)).toEqual([[], [bayko]]);
    expect(items[1]?.reactions).toEqual([{ emoji: '👍', count: 1, me: false }]);
  });
});

const person = (n: number) => ({
  uuid: `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`,
  handle: `user${n}`,
  display_name: `User ${n}`,
});

describe('groupDisplayName', () => {
  const [p1, p2, p3, p4, p5] = [person(1), person(2), person(3), person(4), person(5)];

  it('is the title when there is one', () => {
    expect(groupDisplayName('Book club', [me, p1, p2], 3, me.uuid)).toBe('Book club');
  });

  it.each([
    ['one other (a direct conversation)', [me, p1], 2, 'User 1'],
    ['two others', [me, p1, p2], 3, 'User 1, User 2'],
    ['three others', [p1, me, p2, p3], 4, 'User 1, User 2, User 3'],
    ['four others', [me, p1, p2, p3, p4], 5, 'User 1, User 2, User 3 and 1 more'],
    // A list row names only the first five members; the count says how many more there are.
    ['the caller outside the sample', [p1, p2, p3, p4, p5], 40, 'User 1, User 2, User 3 and 36 more'],
    ['the caller inside the sample', [p1, me, p2, p3, p4], 40, 'User 1, User 2, User 3 and 36 more'],
    ['nobody else left', [me], 1, 'Andrew Brown'],
  ])('without a title, names the other members: %s', (_case, members, count, expected) => {
    expect(groupDisplayName(null, members, count, me.uuid)).toBe(expected);
  });
});

describe('group shapes', () => {
  const last = {
    uuid: '44444444-4444-4444-8444-444444444444',
    message: 'who is in?',
    created_at: '2026-11-25T13:00:00.000Z',
    sender_uuid: bayko.uuid,
    sender_handle: 'bayko',
  };

  it('lists a group with its name, its last sender as handle, and no other user', () => {
    const conversation: Conversation = {
      message_group_uuid: group,
      kind: 'group',
      title: null,
      member_count: 4,
      members: [me, bayko, person(1), person(2)],
      other_user: null,
      last_message: last,
      unread_count: 3,
    };
    expect(toMessageGroupItem(conversation, me)).toEqual({
      uuid: group,
      kind: 'group',
      title: null,
      display_name: 'Andrew Bayko, User 1, User 2',
      handle: 'bayko',
      other_user_uuid: null,
      member_count: 4,
      members: [me, bayko, person(1), person(2)],
      message: 'who is in?',
      created_at: '2026-11-25T13:00:00.000Z',
      last_message_uuid: last.uuid,
      last_sender_handle: 'bayko',
      last_sender_is_me: false,
      unread_count: 3,
    });
    expect(toMessageGroupItem({ ...conversation, title: 'Planning' }, me)).toMatchObject({
      display_name: 'Planning',
      title: 'Planning',
    });
  });

  it("takes the last sender's handle from the members when messaging leaves it out", () => {
    const conversation: Conversation = {
      message_group_uuid: group,
      kind: 'group',
      title: 'Planning',
      member_count: 3,
      members: [me, bayko, person(1)],
      other_user: null,
      last_message: { ...last, sender_handle: undefined },
      unread_count: 0,
    };
    expect(toMessageGroupItem(conversation, me)).toMatchObject({
      handle: 'bayko',
      last_sender_handle: 'bayko',
    });
  });

  it('refuses a direct conversation without its other user: a contract bug, not a row to show', () => {
    const broken: Conversation = {
      message_group_uuid: group,
      kind: 'direct',
      other_user: null,
      last_message: last,
      unread_count: 0,
    };
    expect(() => toMessageGroupItem(broken, me)).toThrow(/without its other user/);
  });

  it('maps a system message with what happened and to whom', () => {
    const message: Message = {
      uuid: '55555555-5555-4555-8555-555555555555',
      message_group_uuid: group,
      message: 'Andrew Brown added User 1',
      created_at: '2026-11-25T13:00:00.000Z',
      sender: me,
      kind: 'system',
      system: { action: 'added', users: [person(1)] },
      reactions: [],
    };
    expect(toMessageItem(message)).toEqual({
      uuid: message.uuid,
      message_group_uuid: group,
      display_name: 'Andrew Brown',
      handle: 'andrewbrown',
      sender_uuid: me.uuid,
      message: 'Andrew Brown added User 1',
      created_at: '2026-11-25T13:00:00.000Z',
      kind: 'system',
      system: { action: 'added', users: [person(1)], title: null },
      reactions: [],
    });
  });

  it('shows a group with every member, named for the caller', () => {
    const upstream: Group = {
      message_group_uuid: group,
      kind: 'group',
      title: null,
      members: [me, bayko, person(1)],
      member_count: 3,
      created_at: '2026-11-25T13:00:00.000Z',
      created_by: me.uuid,
    };
    expect(toGroupView(upstream, bayko.uuid)).toEqual({
      uuid: group,
      kind: 'group',
      title: null,
      display_name: 'Andrew Brown, User 1',
      member_count: 3,
      members: [me, bayko, person(1)],
      created_at: '2026-11-25T13:00:00.000Z',
    });
  });
});
