import { randomUUID } from 'node:crypto';
import { keys } from '@cruddur/ddb';
import { describe, expect, it } from 'vitest';
import type { MessageItem } from '../records/message-record.ts';
import { deterministicEventId, inboxUpdatedEvent, messageCreatedEvent, parseInboxRow } from './events.ts';

const [a, b, g, m] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const at = '2026-05-01T10:00:00.000Z';
const item = {
  ...keys.message(g, at, m),
  type: 'message',
  message_uuid: m,
  message_group_uuid: g,
  sender_uuid: a,
  message: 'hi',
  created_at: at,
  members: [a, b],
};
const message: MessageItem = {
  message_uuid: m,
  message_group_uuid: g,
  sender_uuid: a,
  message: 'hi',
  created_at: at,
  members: [a, b],
  key: item.sk,
};

describe('events', () => {
  it('derives the same ids from the same facts and new ids from new state', () => {
    expect(deterministicEventId('x', 'y')).toBe(deterministicEventId('x', 'y'));
    expect(deterministicEventId('x', 'y')).not.toBe(deterministicEventId('xy'));
    expect(deterministicEventId('x')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(messageCreatedEvent(message, 't1').id).toBe(messageCreatedEvent(message, 't2').id);
    const row = parseInboxRow({
      owner_uuid: b,
      message_group_uuid: g,
      other_user_uuid: a,
      last_message_key: item.sk,
      last_message_uuid: m,
      last_message_text: 'hi',
      last_message_at: at,
      last_sender_uuid: a,
      unread_count: 1,
    })!;
    expect(inboxUpdatedEvent(row, 't').id).toBe(inboxUpdatedEvent(row, 'u').id);
    expect(inboxUpdatedEvent({ ...row, unread_count: 2 }, 't').id).not.toBe(inboxUpdatedEvent(row, 't').id);
    expect(parseInboxRow({ owner_uuid: b })).toBeUndefined();
  });
});
