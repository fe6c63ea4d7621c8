import { SAMPLE, sampleMessage } from '@cruddur/test-kit';
import { describe, expect, it } from 'vitest';
import { keys, messageSortKey } from '../keys.ts';
import { inboxItem, inboxItemSchema } from './inbox.ts';
import { parseItem, safeParseItem } from './parse.ts';

const { a: A, b: B, group: G, message: M, at } = SAMPLE;
const m = sampleMessage();

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
