import { randomUUID } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import { inboxItem, messageItem, type NewMessage } from '@cruddur/ddb';
import { describe, expect, it } from 'vitest';
import { classifyRecord } from './message-record.ts';
import type { StreamRecord } from './stream-record.ts';

const [a, b, g, m] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const at = '2026-05-01T10:00:00.000Z';
const sent: NewMessage = {
  groupUuid: g,
  messageUuid: m,
  senderUuid: a,
  text: 'hi',
  createdAt: at,
  members: [a, b],
};
const item = messageItem(sent);
const record = (over: Partial<StreamRecord> = {}, image: Record<string, unknown> = item): StreamRecord => ({
  eventId: 'e1',
  eventName: 'INSERT',
  sequenceNumber: '100',
  approximateCreatedAtMs: undefined,
  keys: marshall({ pk: image.pk, sk: image.sk }),
  newImage: marshall(image),
  ...over,
});

describe('classifyRecord', () => {
  it('accepts a message INSERT, with members as a list or a set', () => {
    expect(classifyRecord(record())).toMatchObject({
      kind: 'message',
      message: { sk: item.sk, members: [a, b] },
    });
    const asSet = record({}, { ...item, members: new Set([a, b]) });
    expect(classifyRecord(asSet)).toMatchObject({ kind: 'message' });
  });
  it('skips edits, deletes and other items (reference bug 6)', () => {
    expect(classifyRecord(record({ eventName: 'MODIFY' }))).toMatchObject({ kind: 'skip' });
    expect(classifyRecord(record({ eventName: 'REMOVE' }))).toMatchObject({ kind: 'skip' });
    const inbox = inboxItem(a, b, sent, 0);
    expect(classifyRecord(record({}, inbox))).toMatchObject({ kind: 'skip', reason: 'not a message item' });
  });
  it('rejects malformed message items with a reason', () => {
    expect(classifyRecord(record({}, { ...item, members: 'x' }))).toMatchObject({
      kind: 'invalid',
      reason: /members/,
    });
    expect(classifyRecord(record({}, { ...item, sender_uuid: randomUUID() }))).toMatchObject({
      kind: 'invalid',
      reason: /sender/,
    });
    expect(classifyRecord(record({}, { ...item, sk: 'wrong' }))).toMatchObject({
      kind: 'invalid',
      reason: /sk/,
    });
    expect(classifyRecord(record({ newImage: undefined }))).toMatchObject({ kind: 'invalid' });
  });
});
