import { randomUUID } from 'node:crypto';
import { inboxItem, messageItem } from '@cruddur/ddb';
import { streamRecordOf } from '@cruddur/stream-testing';
import { SAMPLE, sampleMessage } from '@cruddur/test-kit';
import { describe, expect, it } from 'vitest';
import { classifyRecord } from './message-record.ts';
import type { StreamRecord } from './stream-record.ts';

const { a, b } = SAMPLE;
const sent = sampleMessage();
const item = messageItem(sent);
const record = (over: Partial<StreamRecord> = {}, image: Record<string, unknown> = item) =>
  streamRecordOf(image, over);

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
