import { describe, expect, it } from 'vitest';
import {
  checkAddMembers,
  checkHandleList,
  checkNewGroup,
  checkNewMessage,
  checkRename,
  messageTextCodes,
} from './validation.ts';

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

// The rule is the shared one (packages/contracts), which messaging applies again; these are the gateway's answers.
describe('group titles', () => {
  it.each([
    ['Book club', 'Book club'],
    ['  padded  ', 'padded'],
    ['x'.repeat(100), 'x'.repeat(100)],
    // 100 emoji are 200 UTF-16 units but 100 characters.
    ['🎉'.repeat(100), '🎉'.repeat(100)],
  ])('accepts %j as %j', (raw, title) => {
    expect(checkRename({ title: raw })).toEqual({ ok: true, title });
  });

  it.each([[''], ['   '], ['x'.repeat(101)], ['two\nlines'], ['tab\there'], ['a\ud800b'], [7]])(
    'refuses %j',
    (raw) => {
      expect(checkRename({ title: raw })).toEqual({ ok: false, codes: ['title_invalid'] });
    },
  );
});

describe('checkHandleList', () => {
  it("drops duplicates in any case, a leading @, and the caller's own handle", () => {
    expect(checkHandleList(['Bayko', '@londo', 'BAYKO', 'AndrewBrown', ' altbrown '], 'andrewbrown')).toEqual(
      {
        ok: true,
        handles: ['Bayko', 'londo', 'altbrown'],
      },
    );
  });

  it('takes an empty list as nobody', () => {
    expect(checkHandleList([], 'andrewbrown')).toEqual({ ok: true, handles: [] });
  });

  it.each([['bayko'], [null], [['bayko', 7]], [['no spaces']], [['x'.repeat(33)]], [['@']]])(
    'refuses %j',
    (raw) => {
      expect(checkHandleList(raw, 'andrewbrown')).toEqual({ ok: false, codes: ['handles_invalid'] });
    },
  );
});

describe('checkNewGroup', () => {
  const limits = { maxMembers: 3, callerHandle: 'andrewbrown' };

  it('accepts 2 to maxMembers others with an optional title and a first message', () => {
    expect(checkNewGroup({ handles: ['bayko', 'londo'], message: 'hi all' }, limits)).toEqual({
      ok: true,
      handles: ['bayko', 'londo'],
      title: undefined,
      message: 'hi all',
    });
    expect(
      checkNewGroup({ handles: ['bayko', 'londo', 'altbrown'], title: ' Plans ', message: 'hi' }, limits),
    ).toMatchObject({ ok: true, title: 'Plans' });
    expect(checkNewGroup({ handles: ['bayko', 'londo'], title: null, message: 'hi' }, limits)).toMatchObject({
      ok: true,
      title: undefined,
    });
  });

  it.each([
    // Too small once the caller and duplicates are dropped.
    [{ handles: ['bayko', 'andrewbrown'], message: 'hi' }, ['group_too_small']],
    [{ handles: ['bayko', 'BAYKO'], message: 'hi' }, ['group_too_small']],
    [{ handles: [], message: 'hi' }, ['group_too_small']],
    [{ handles: ['a', 'b', 'c', 'd'], message: 'hi' }, ['group_too_large']],
    // Five names, one of them the caller's: four others are one too many.
    [{ handles: ['a', 'b', 'AndrewBrown', 'c', 'd'], message: 'hi' }, ['group_too_large']],
    [{ handles: 'bayko', message: 'hi' }, ['handles_invalid']],
    [{ message: 'hi' }, ['handles_invalid']],
    [{ handles: ['a', 'b'], title: '', message: 'hi' }, ['title_invalid']],
    [{ handles: ['a', 'b'], title: 5, message: 'hi' }, ['title_invalid']],
    [
      { handles: ['a'], title: 'x'.repeat(101), message: ' ' },
      ['group_too_small', 'title_invalid', 'message_blank'],
    ],
    [
      { handles: ['a', '!'], title: '\u0000', message: 'x'.repeat(1025) },
      ['handles_invalid', 'title_invalid', 'message_exceed_max_chars'],
    ],
    [null, ['body_invalid']],
    [[], ['body_invalid']],
  ])('%j -> %j', (body, codes) => {
    expect(checkNewGroup(body, limits)).toEqual({ ok: false, codes });
  });

  it('fits exactly maxMembers others, the caller left out however it is spelt', () => {
    expect(checkNewGroup({ handles: ['a', 'b', 'c', '@ANDREWBROWN'], message: 'hi' }, limits)).toMatchObject({
      ok: true,
      handles: ['a', 'b', 'c'],
    });
  });
});

describe('checkAddMembers', () => {
  const limits = { maxMembers: 3, callerHandle: 'andrewbrown' };

  it('accepts up to maxMembers new handles, and the caller alone as nobody', () => {
    expect(checkAddMembers({ handles: ['a', 'b', 'c'] }, limits)).toEqual({
      ok: true,
      handles: ['a', 'b', 'c'],
    });
    expect(checkAddMembers({ handles: ['andrewbrown'] }, limits)).toEqual({ ok: true, handles: [] });
  });

  it.each([
    [{ handles: ['a', 'b', 'c', 'd'] }, ['group_too_large']],
    [{ handles: [] }, ['handles_invalid']],
    [{}, ['handles_invalid']],
    [{ handles: [{}] }, ['handles_invalid']],
    ['x', ['body_invalid']],
  ])('%j -> %j', (body, codes) => {
    expect(checkAddMembers(body, limits)).toEqual({ ok: false, codes });
  });
});

describe('checkRename', () => {
  it('takes a new title, or null to remove it', () => {
    expect(checkRename({ title: ' New name ' })).toEqual({ ok: true, title: 'New name' });
    expect(checkRename({ title: null })).toEqual({ ok: true, title: null });
  });

  it.each([[{}], [{ title: '' }], [{ title: 'x'.repeat(101) }], [{ title: 1 }]])('refuses %j', (body) => {
    expect(checkRename(body)).toEqual({ ok: false, codes: ['title_invalid'] });
  });

  it('refuses a body that is not an object', () => {
    expect(checkRename([])).toEqual({ ok: false, codes: ['body_invalid'] });
  });
});
