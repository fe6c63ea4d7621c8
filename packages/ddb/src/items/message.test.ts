import { SAMPLE, sampleMessage } from '@cruddur/test-kit';
import { describe, expect, it } from 'vitest';
import { keys } from '../keys.ts';
import { isMessagePartition, messageItem, messageItemSchema, messageText } from './message.ts';
import { MalformedItemError, parseItem, safeParseItem } from './parse.ts';

const { a: A, b: B, group: G, message: M, at } = SAMPLE;
const m = sampleMessage();

describe('message item', () => {
  it('is built under the key its fields give, with the attribute names stored today', () => {
    const item = messageItem(m);
    expect(item).toEqual({
      ...keys.message(G, at, M),
      type: 'message',
      message_uuid: M,
      message_group_uuid: G,
      sender_uuid: A,
      message: 'hi',
      created_at: at,
      members: [A, B],
    });
    expect(parseItem(messageItemSchema, item)).toEqual(item);
  });

  it('reads members stored as a string set as a list', () => {
    const stored = { ...messageItem(m), members: new Set([A, B]) };
    expect(parseItem(messageItemSchema, stored).members).toEqual([A, B]);
  });

  it('refuses an item whose key, sender or members do not hold together, saying which', () => {
    const reasons = (over: Record<string, unknown>) => {
      const parsed = safeParseItem(messageItemSchema, { ...messageItem(m), ...over });
      return parsed.ok ? '' : parsed.error.detail;
    };
    expect(reasons({ sk: 'wrong' })).toMatch(/sk does not match/);
    expect(reasons({ pk: keys.messagePartition(B) })).toMatch(/pk does not match/);
    expect(reasons({ sender_uuid: '00000000-0000-4000-8000-00000000000c' })).toMatch(/sender/);
    expect(reasons({ members: 'x' })).toMatch(/members/);
    expect(reasons({ created_at: '2026-11-25' })).toMatch(/created_at/);
    expect(() => parseItem(messageItemSchema, { ...messageItem(m), type: 'inbox' })).toThrow(
      MalformedItemError,
    );
  });

  it('parses a tombstone without text, and refuses text on one or a message without it', () => {
    const { message: _text, ...rest } = messageItem(m);
    const tombstone = { ...rest, deleted: true, deleted_at: at, edit_version: 2, edited_at: at };
    expect(parseItem(messageItemSchema, tombstone)).toEqual(tombstone);
    expect(messageText(parseItem(messageItemSchema, tombstone))).toBe('');
    const reasons = (item: Record<string, unknown>) => {
      const parsed = safeParseItem(messageItemSchema, item);
      return parsed.ok ? '' : parsed.error.detail;
    };
    expect(reasons({ ...tombstone, message: 'left behind' })).toMatch(/tombstone/);
    expect(reasons(rest)).toMatch(/tombstone/);
    expect(reasons({ ...messageItem(m), edit_version: 0 })).toMatch(/edit_version/);
  });

  it('tells message partitions from the others', () => {
    expect(isMessagePartition(keys.messagePartition(G))).toBe(true);
    expect(isMessagePartition(keys.inboxPartition(A))).toBe(false);
  });
});
