import { describe, expect, it } from 'vitest';
import { cursorShapes, decodeCursor, encodeCursor } from './cursor.ts';
import { keys } from './keys.ts';

const owner = '5ae290ed-55d1-47a0-bc6d-fe2bc2700399';
const group = '0c5f4c3e-2a8d-4a2b-9d0e-6f1b2c3d4e5f';
const messageKey = '2026-01-01T00:00:00.000Z#9b2f4c3e-2a8d-4a2b-9d0e-6f1b2c3d4e5f';
const inbox = cursorShapes.inbox(owner);
const thread = cursorShapes.thread(group);
const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('cursor', () => {
  it('round-trips the LastEvaluatedKey of an inbox page and of a thread page', () => {
    const inboxKey = { pk: keys.inboxPartition(owner), sk: group, last_message_key: messageKey };
    expect(decodeCursor(encodeCursor(inboxKey), inbox)).toEqual({ ok: true, key: inboxKey });
    const threadKey = { pk: keys.messagePartition(group), sk: messageKey };
    expect(decodeCursor(encodeCursor(threadKey), thread)).toEqual({ ok: true, key: threadKey });
  });
  it('treats a missing cursor as the first page', () => {
    expect(decodeCursor(undefined, inbox)).toEqual({ ok: true, key: undefined });
    expect(decodeCursor('', inbox)).toEqual({ ok: true, key: undefined });
  });
  it('rejects a cursor for another partition, garbage and non-string values', () => {
    expect(decodeCursor(raw({ pk: 'GRP#b', sk: group, last_message_key: messageKey }), inbox)).toEqual({
      ok: false,
    });
    expect(decodeCursor('%%%', inbox)).toEqual({ ok: false });
    expect(decodeCursor(raw([1]), inbox)).toEqual({ ok: false });
    expect(decodeCursor(raw({ pk: keys.inboxPartition(owner), sk: 1 }), inbox)).toEqual({ ok: false });
  });
  it('rejects the right partition with the wrong key shape, which DynamoDB would refuse with a 400', () => {
    const pk = keys.inboxPartition(owner);
    for (const forged of [
      { pk, sk: group },
      { pk, sk: group, last_message_key: messageKey, extra: 'x' },
      { pk, sk: 'not-a-uuid', last_message_key: messageKey },
      { pk, sk: group, last_message_key: '2026-01-01#x' },
      { pk, sk: group, lastMessageKey: messageKey },
    ]) {
      expect(decodeCursor(raw(forged), inbox), JSON.stringify(forged)).toEqual({ ok: false });
    }
    const tpk = keys.messagePartition(group);
    for (const forged of [
      { pk: tpk },
      { pk: tpk, sk: 'x' },
      { pk: tpk, sk: messageKey, last_message_key: messageKey },
    ]) {
      expect(decodeCursor(raw(forged), thread), JSON.stringify(forged)).toEqual({ ok: false });
    }
  });
});

describe('keys', () => {
  it('gives one pair lock whatever the order', () => {
    expect(keys.pair('b', 'a')).toEqual(keys.pair('a', 'b'));
  });
  it('makes message keys unique within a millisecond', () => {
    const at = '2026-01-01T00:00:00.000Z';
    expect(keys.message('g', at, 'm1').sk).not.toBe(keys.message('g', at, 'm2').sk);
  });
});
