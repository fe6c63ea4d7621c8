import { inboxItem, inboxItemSchema, messageItem, parseItem, safeParseItem } from '@cruddur/ddb';
import { SAMPLE, sampleMessage } from '@cruddur/test-kit';
import { describe, expect, it } from 'vitest';
import { deterministicEventId, inboxUpdatedEvent, messageCreatedEvent } from './events.ts';

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
