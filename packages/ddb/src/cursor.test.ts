import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { keys } from './keys.ts';

describe('cursor', () => {
  const pk = 'GRP#a';
  it('round-trips a key for the same partition', () => {
    const key = { pk, sk: 'g1', last_message_key: '2026-01-01T00:00:00.000Z#m' };
    expect(decodeCursor(encodeCursor(key), pk)).toEqual({ ok: true, key });
  });
  it('treats a missing cursor as the first page', () => {
    expect(decodeCursor(undefined, pk)).toEqual({ ok: true, key: undefined });
    expect(decodeCursor('', pk)).toEqual({ ok: true, key: undefined });
  });
  it('rejects a cursor for another partition, garbage and non-string values', () => {
    expect(decodeCursor(encodeCursor({ pk: 'GRP#b', sk: 'x' }), pk)).toEqual({ ok: false });
    expect(decodeCursor('%%%', pk)).toEqual({ ok: false });
    expect(decodeCursor(Buffer.from('[1]').toString('base64url'), pk)).toEqual({ ok: false });
    expect(decodeCursor(Buffer.from('{"pk":"GRP#a","sk":1}').toString('base64url'), pk)).toEqual({
      ok: false,
    });
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
