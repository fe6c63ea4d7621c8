import { describe, expect, it } from 'vitest';
import { checkNewMessage, messageTextCodes } from './validation.ts';

const group = '0d3a8d5e-8f6a-4c1e-9a59-5b4e1f2f0a11';

describe('messageTextCodes', () => {
  it.each([
    ['hello', []],
    ['  \r\n\t ', ['message_blank']],
    [42, ['message_blank']],
    ['x'.repeat(1024), []],
    ['x'.repeat(1025), ['message_exceed_max_chars']],
    // 1024 emoji are 2048 UTF-16 units but 1024 characters.
    ['😀'.repeat(1024), []],
    ['a\u0000b', ['message_invalid_characters']],
    ['a\ud800b', ['message_invalid_characters']],
    ['line one\r\nline two', []],
    ['\u202eRTL override and zero\u200bwidth are text', []],
  ])('%j -> %j', (text, codes) => {
    expect(messageTextCodes(text)).toEqual(codes);
  });

  it('reports every code at once', () => {
    expect(messageTextCodes(`${'y'.repeat(1100)}\u0007`)).toEqual([
      'message_exceed_max_chars',
      'message_invalid_characters',
    ]);
  });
});

describe('checkNewMessage', () => {
  it('accepts a reply to a conversation or a first message by handle', () => {
    expect(checkNewMessage({ message: 'hi', message_group_uuid: group.toUpperCase() })).toEqual({
      ok: true,
      message: 'hi',
      target: { kind: 'group', messageGroupUuid: group },
    });
    expect(checkNewMessage({ message: 'hi', handle: '@bayko', message_group_uuid: null })).toEqual({
      ok: true,
      message: 'hi',
      target: { kind: 'handle', handle: 'bayko' },
    });
  });

  it.each([
    [{ message: 'hi', handle: 'bayko', message_group_uuid: group }, ['message_target_ambiguous']],
    [{ message: '' }, ['message_blank', 'message_group_uuid_blank', 'handle_blank']],
    [{ message: 'hi', handle: '' }, ['handle_blank']],
    [{ message: 'hi', handle: 'no spaces' }, ['handle_invalid']],
    [{ message: 'hi', handle: ['bayko'] }, ['handle_invalid']],
    [{ message: 'hi', message_group_uuid: 'not-a-uuid' }, ['message_group_uuid_invalid']],
    [{ message: 'hi', message_group_uuid: 7 }, ['message_group_uuid_invalid']],
    [{ message: ' ', message_group_uuid: ' ' }, ['message_blank', 'message_group_uuid_blank']],
    [[], ['body_invalid']],
    ['hi', ['body_invalid']],
    [null, ['body_invalid']],
  ])('%j -> %j', (body, codes) => {
    expect(checkNewMessage(body)).toEqual({ ok: false, codes });
  });
});
