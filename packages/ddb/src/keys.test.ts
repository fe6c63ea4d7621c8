import { describe, expect, it } from 'vitest';
import { messageSortKey, messageSortKeyOfUuid, messageUuidAt, parseMessageSortKey } from './keys.ts';

describe('message uuids carry their sort key', () => {
  it('makes a UUIDv7 whose time is the message time, and reads the sort key back from it', () => {
    const at = '2026-11-25T10:00:00.123Z';
    const uuid = messageUuidAt(at);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(messageSortKeyOfUuid(uuid)).toBe(messageSortKey(at, uuid));
    expect(messageSortKeyOfUuid(uuid.toUpperCase())).toBe(messageSortKey(at, uuid));
    expect(parseMessageSortKey(messageSortKeyOfUuid(uuid)!)).toEqual({ createdAt: at, messageUuid: uuid });
  });

  it('is random by default and deterministic with given bytes', () => {
    const at = new Date('2026-01-01T00:00:00.000Z');
    expect(messageUuidAt(at)).not.toBe(messageUuidAt(at));
    const bytes = new Uint8Array(16).fill(7);
    expect(messageUuidAt(at, bytes)).toBe(messageUuidAt(at, bytes));
    expect(messageSortKeyOfUuid(messageUuidAt(at, bytes))?.startsWith('2026-01-01T00:00:00.000Z#')).toBe(
      true,
    );
  });

  it('finds no key in a uuid of another version (messages written before v7)', () => {
    expect(messageSortKeyOfUuid('00000000-0000-4000-8000-0000000000ff')).toBeUndefined();
    expect(messageSortKeyOfUuid('not a uuid')).toBeUndefined();
    expect(() => messageUuidAt('yesterday')).toThrow(TypeError);
  });
});
