import { describe, expect, it } from 'vitest';
import { toMessageGroupItem, toMessageItem } from './mapping.ts';
import type { Conversation, Message } from './upstream/schemas.ts';

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
    expect(toMessageGroupItem(conversation, me.uuid)).toEqual({
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
    });
  });

  it('names the other person as last sender when messaging leaves the handle out', () => {
    const conversation: Conversation = {
      message_group_uuid: group,
      other_user: bayko,
      last_message: {
        uuid: '44444444-4444-4444-8444-444444444444',
        message: 'hi',
        created_at: '2026-11-25T13:00:00.000Z',
        sender_uuid: bayko.uuid,
      },
      unread_count: 2,
    };
    expect(toMessageGroupItem(conversation, me.uuid)).toMatchObject({
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
    };
    expect(toMessageItem(message)).toEqual({
      uuid: '55555555-5555-4555-8555-555555555555',
      message_group_uuid: group,
      display_name: 'Andrew Bayko',
      handle: 'bayko',
      sender_uuid: bayko.uuid,
      message: 'hello',
      created_at: '2026-11-25T13:00:00.000Z',
    });
  });
});
