import { randomUUID } from 'node:crypto';
import { inboxItem, messageItem, receiptItem } from '@cruddur/ddb';
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
  it('tells edits, deletes and removals from rewrites that change nothing, and skips other items', () => {
    const image = (m: Record<string, unknown>) => streamRecordOf(m).newImage;
    const edited = { ...item, message: 'fixed', edit_version: 1, edited_at: item.created_at };
    const { message: _text, ...rest } = edited;
    const tombstone = { ...rest, deleted: true, edit_version: 2, deleted_at: item.created_at };
    const modify = (before: Record<string, unknown> | undefined, after: Record<string, unknown>) =>
      classifyRecord(record({ eventName: 'MODIFY', oldImage: before && image(before) }, after));
    expect(modify(item, edited)).toMatchObject({
      kind: 'change',
      change: 'edited',
      message: { message: 'fixed' },
    });
    expect(modify(undefined, edited)).toMatchObject({ kind: 'change', change: 'edited' });
    expect(modify(edited, tombstone)).toMatchObject({ kind: 'change', change: 'deleted' });
    expect(modify(item, item)).toMatchObject({ kind: 'skip', reason: /without a change/ });
    expect(modify(edited, edited)).toMatchObject({ kind: 'skip' });
    expect(modify(tombstone, tombstone)).toMatchObject({ kind: 'skip', reason: /tombstone/ });
    const removed = classifyRecord(
      record({ eventName: 'REMOVE', newImage: undefined, oldImage: image(edited) }, edited),
    );
    expect(removed).toMatchObject({ kind: 'change', change: 'removed', message: { message: 'fixed' } });
    expect(classifyRecord(record({ eventName: 'REMOVE', newImage: undefined }))).toMatchObject({
      kind: 'invalid',
    });
    const inbox = inboxItem(a, b, sent, 0);
    expect(classifyRecord(record({}, inbox))).toMatchObject({ kind: 'skip', reason: 'not a message item' });
    expect(classifyRecord(record({ eventName: 'MODIFY' }, inbox))).toMatchObject({ kind: 'skip' });
  });
  it('tells reaction changes from rewrites, and read positions that moved from ones that did not', () => {
    const image = (m: Record<string, unknown>) => streamRecordOf(m).newImage;
    const reacted = { ...item, reactions: { '👍': new Set([a]) }, reaction_version: 1 };
    const modify = (before: Record<string, unknown> | undefined, after: Record<string, unknown>) =>
      classifyRecord(record({ eventName: 'MODIFY', oldImage: before && image(before) }, after));
    expect(modify(item, reacted)).toMatchObject({ kind: 'reaction', before: { sk: item.sk } });
    // DynamoDB Local's images write an empty map as {} (no M): read like AWS's {M: {}}.
    const emptied = record(
      { eventName: 'MODIFY', oldImage: { ...image(item), reactions: {} as never } },
      reacted,
    );
    expect(classifyRecord(emptied)).toMatchObject({ kind: 'reaction', before: { reactions: {} } });
    expect(modify(reacted, reacted)).toMatchObject({ kind: 'skip' });
    // The empty map a first reaction needs is no change anyone hears of.
    expect(modify(item, { ...item, reactions: {} })).toMatchObject({ kind: 'skip' });
    const at = (ms: number) => {
      const time = new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
      return receiptItem({
        groupUuid: sent.groupUuid,
        userUuid: b,
        readKey: `${time}#${sent.messageUuid}`,
        messageUuid: sent.messageUuid,
        at: time,
      });
    };
    expect(classifyRecord(record({}, at(1)))).toMatchObject({ kind: 'receipt', receipt: { user_uuid: b } });
    expect(modify(at(1), at(2))).toMatchObject({ kind: 'receipt' });
    expect(modify(at(2), at(2))).toMatchObject({ kind: 'skip' });
    expect(classifyRecord(record({}, { ...at(1), user_uuid: 'x' }))).toMatchObject({ kind: 'invalid' });
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
