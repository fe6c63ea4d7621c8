import { describe, expect, it } from 'vitest';
import { keys, messageSortKey } from '../keys.ts';
import { inboxItem, inboxItemSchema } from './inbox.ts';
import type { NewMessage } from './message.ts';
import { parseItem, safeParseItem } from './parse.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const G = '00000000-0000-4000-8000-0000000000aa';
const M = '00000000-0000-4000-8000-0000000000ff';
const at = '2026-11-25T10:00:00.000Z';
const m: NewMessage = {
  groupUuid: G,
  messageUuid: M,
  senderUuid: A,
  text: 'hi',
  createdAt: at,
  members: [A, B],
};

describe('inbox row', () => {
  it('points at the message, with a read mark only when given', () => {
    const sk = messageSortKey(at, M);
    expect(inboxItem(A, B, m, 0, sk)).toEqual({
      ...keys.inbox(A, G),
      type: 'inbox',
      owner_uuid: A,
      message_group_uuid: G,
      other_user_uuid: B,
      last_message_key: sk,
      last_message_uuid: M,
      last_message_text: 'hi',
      last_message_at: at,
      last_sender_uuid: A,
      unread_count: 0,
      last_read_key: sk,
    });
    expect(inboxItem(B, A, m, 1)).not.toHaveProperty('last_read_key');
    expect(parseItem(inboxItemSchema, inboxItem(B, A, m, 1))).toEqual(inboxItem(B, A, m, 1));
  });

  it('parses a row the stream consumer created without other_user_uuid', () => {
    const { other_user_uuid: _, ...row } = inboxItem(B, A, m, 1);
    expect(parseItem(inboxItemSchema, row)).toEqual(row);
  });

  it('refuses a row that is not one, or under another owner key', () => {
    expect(safeParseItem(inboxItemSchema, { owner_uuid: B }).ok).toBe(false);
    expect(safeParseItem(inboxItemSchema, { ...inboxItem(B, A, m, 1), pk: keys.inboxPartition(A) }).ok).toBe(
      false,
    );
    expect(safeParseItem(inboxItemSchema, { ...inboxItem(B, A, m, 1), unread_count: -1 }).ok).toBe(false);
  });
});
