import { inboxItem, inboxItemSchema, messageItem, parseItem, safeParseItem } from '@cruddur/ddb';
import { SAMPLE, sampleMessage } from '@cruddur/test-kit';
import { describe, expect, it } from 'vitest';
import {
  deterministicEventId,
  inboxUpdatedEvent,
  messageCreatedEvent,
  messageDeletedEvent,
  messageUpdatedEvent,
  reactionChangedEvent,
  reactionChangeOf,
} from './events.ts';

const { a, b } = SAMPLE;
const sent = sampleMessage();
const message = messageItem(sent);

describe('events', () => {
  it('derives the same ids from the same facts and new ids from new state', () => {
    expect(deterministicEventId('x', 'y')).toBe(deterministicEventId('x', 'y'));
    expect(deterministicEventId('x', 'y')).not.toBe(deterministicEventId('xy'));
    expect(deterministicEventId('x')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(messageCreatedEvent(message, 't1')?.id).toBe(messageCreatedEvent(message, 't2')?.id);
    const row = parseItem(inboxItemSchema, inboxItem(b, a, sent, 1));
    expect(inboxUpdatedEvent(row, 't').id).toBe(inboxUpdatedEvent(row, 'u').id);
    expect(inboxUpdatedEvent({ ...row, unread_count: 2 }, 't').id).not.toBe(inboxUpdatedEvent(row, 't').id);
    expect(safeParseItem(inboxItemSchema, { owner_uuid: b }).ok).toBe(false);
  });
});

describe('events of messages that change', () => {
  const edited = { ...message, message: 'fixed', edit_version: 1, edited_at: '2026-11-25T10:01:00.000Z' };
  const { message: _text, ...rest } = edited;
  const tombstone = {
    ...rest,
    deleted: true as const,
    edit_version: 2,
    deleted_at: '2026-11-25T10:02:00.000Z',
  };

  it('gives every edit its own id and every replay of it the same one', () => {
    const first = messageUpdatedEvent(edited, 't1');
    expect(first?.payload).toMatchObject({ message: 'fixed', edit_version: 1, members: [a, b] });
    expect(messageUpdatedEvent(edited, 't2')?.id).toBe(first?.id);
    expect(messageUpdatedEvent({ ...edited, edit_version: 2 }, 't1')?.id).not.toBe(first?.id);
    expect(messageUpdatedEvent(message, 't1')).toBeUndefined();
  });

  it('gives a delete and a later removal of the same message one id', () => {
    const deleted = messageDeletedEvent(tombstone, 't', new Date());
    expect(deleted?.payload).toMatchObject({ deleted_at: tombstone.deleted_at, edit_version: 2 });
    expect(deleted?.payload).not.toHaveProperty('message');
    expect(messageDeletedEvent(edited, 'u', new Date('2026-11-25T11:00:00.000Z'))).toMatchObject({
      id: deleted?.id,
      payload: { deleted_at: '2026-11-25T11:00:00.000Z', edit_version: 2 },
    });
  });

  it("names a row's preview in its inbox.updated id only when it is not the head as sent", () => {
    const row = parseItem(inboxItemSchema, inboxItem(b, a, sent, 1));
    const plain = inboxUpdatedEvent(row, 't');
    expect(plain.payload.last_message).not.toHaveProperty('deleted');
    const ids = [
      plain.id,
      inboxUpdatedEvent({ ...row, last_message_edit_version: 1 }, 't').id,
      inboxUpdatedEvent({ ...row, preview_key: 'older' }, 't').id,
      inboxUpdatedEvent({ ...row, last_message_deleted: true, last_message_edit_version: 1 }, 't').id,
    ];
    expect(new Set(ids).size).toBe(4);
    expect(
      inboxUpdatedEvent({ ...row, last_message_deleted: true, last_message_text: '' }, 't').payload
        .last_message,
    ).toMatchObject({ text: '', deleted: true });
  });

  it('says who changed which reaction, with the counts after it and an id per version', () => {
    const before = { ...message, reactions: { '👍': [a] }, reaction_version: 1 };
    const added = { ...message, reactions: { '👍': [a, b], '🎉': [b] }, reaction_version: 2 };
    expect(reactionChangeOf(before, { ...before, reactions: { '👍': [a, b] } })).toEqual({
      user_uuid: b,
      emoji: '👍',
      action: 'added',
    });
    expect(reactionChangeOf(before, { ...message, reactions: {} })).toEqual({
      user_uuid: a,
      emoji: '👍',
      action: 'removed',
    });
    expect(reactionChangeOf(undefined, before)).toBeUndefined();
    const event = reactionChangedEvent(
      added,
      { ...added, reactions: { '👍': [a, b] } },
      [a, b],
      't',
      new Date(),
    );
    expect(event?.payload).toMatchObject({
      reaction_version: 2,
      reactions: [
        { emoji: '👍', count: 2 },
        { emoji: '🎉', count: 1 },
      ],
      change: { user_uuid: b, emoji: '🎉', action: 'added' },
      members: [a, b],
    });
    expect(event?.id).toBe(reactionChangedEvent(added, undefined, [a], 'u', new Date())?.id);
    expect(reactionChangedEvent(added, undefined, [], 't', new Date())).toBeUndefined();
  });
});
