import { describe, expect, it } from 'vitest';
import { checkMessage, isUuid, MAX_MESSAGE_CHARS } from './validation.ts';

describe('checkMessage', () => {
  it('trims and turns CRLF and lone CR into LF', () => {
    expect(checkMessage('  a\r\nb\rc\n ')).toEqual({ ok: true, text: 'a\nb\nc' });
  });
  it('counts code points, not UTF-16 units', () => {
    expect(checkMessage('😀'.repeat(MAX_MESSAGE_CHARS))).toMatchObject({ ok: true });
    expect(checkMessage('😀'.repeat(MAX_MESSAGE_CHARS + 1))).toEqual({
      ok: false,
      codes: ['message_exceed_max_chars'],
    });
  });
  it('measures length after trimming', () => {
    expect(checkMessage(` ${'a'.repeat(MAX_MESSAGE_CHARS)}\n\n`)).toMatchObject({ ok: true });
  });
  it('rejects blanks, controls other than newline, and lone surrogates', () => {
    expect(checkMessage(' \n ')).toEqual({ ok: false, codes: ['message_blank'] });
    expect(checkMessage(null)).toEqual({ ok: false, codes: ['message_blank'] });
    for (const bad of ['a\tb', 'a\u0000', '\u001bx', 'x\u007f', 'x\u009f', 'x\ud83d'])
      expect(checkMessage(bad)).toEqual({ ok: false, codes: ['message_invalid_characters'] });
    expect(checkMessage('line one\nline two é 中文')).toMatchObject({ ok: true });
  });
  it('returns every code that applies', () => {
    expect(checkMessage(`${'a'.repeat(2000)}\u0001`)).toEqual({
      ok: false,
      codes: ['message_exceed_max_chars', 'message_invalid_characters'],
    });
  });
});

describe('isUuid', () => {
  it('accepts canonical uuids in either case only', () => {
    expect(isUuid('5ae290ed-55d1-47a0-bc6d-fe2bc2700399')).toBe(true);
    expect(isUuid('5AE290ED-55D1-47A0-BC6D-FE2BC2700399')).toBe(true);
    expect(isUuid('5ae290ed55d147a0bc6dfe2bc2700399')).toBe(false);
    expect(isUuid(42)).toBe(false);
  });
});
