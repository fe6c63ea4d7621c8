import { describe, expect, it } from 'vitest';
import { lookupBody, registerUserBody, updateProfileBody } from './schemas.ts';

/** The codes a body fails with, as the 422 answer would list them (zod messages are the codes). */
function codes(
  schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } },
  value: unknown,
) {
  const result = schema.safeParse(value);
  return result.success ? [] : [...new Set(result.error!.issues.map((i) => i.message))].sort();
}

const valid = {
  handle: 'londo',
  display_name: 'Londo Mollari',
  email: 'lmollari@centari.com',
  cognito_user_id: 'sub-1',
};

describe('registration input', () => {
  it('accepts a plain user and normalises whitespace and a blank bio', () => {
    const parsed = registerUserBody.parse({
      ...valid,
      display_name: '  Londo  ',
      email: ' l@c.com ',
      bio: '  ',
    });
    expect(parsed).toMatchObject({ display_name: 'Londo', email: 'l@c.com', bio: null });
    expect(registerUserBody.parse({ ...valid, handle: 'Mixed_Case_9' }).handle).toBe('Mixed_Case_9');
  });

  it.each([
    ['', ['handle_blank']],
    ['has space', ['handle_invalid']],
    ['dash-ed', ['handle_invalid']],
    ['ünïcode', ['handle_invalid']],
    ['x'.repeat(33), ['handle_invalid']],
    ['x'.repeat(32), []],
  ])('handle %j gives %j', (handle, expected) => {
    expect(codes(registerUserBody, { ...valid, handle })).toEqual(expected);
  });

  it.each([
    [' ', ['display_name_blank']],
    ['x'.repeat(65), ['display_name_too_long']],
    ['tab\there', ['display_name_invalid']],
    ['Émile Zola 🎉', []],
  ])('display_name %j gives %j', (display_name, expected) => {
    expect(codes(registerUserBody, { ...valid, display_name })).toEqual(expected);
  });

  it.each([
    ['', ['email_blank']],
    ['nobody', ['email_invalid']],
    [`${'a'.repeat(250)}@x.com`, ['email_invalid']],
  ])('email %j gives %j', (email, expected) => {
    expect(codes(registerUserBody, { ...valid, email })).toEqual(expected);
  });

  it('lists every problem at once, and blank, not malformed, for missing fields', () => {
    expect(codes(registerUserBody, {})).toEqual([
      'cognito_user_id_blank',
      'display_name_blank',
      'email_blank',
      'handle_blank',
    ]);
    expect(
      codes(registerUserBody, { ...valid, cognito_user_id: 'x'.repeat(129), bio: 'b'.repeat(1025) }),
    ).toEqual(['bio_too_long', 'cognito_user_id_invalid']);
  });
});

describe('profile patch and lookup input', () => {
  it('allows an empty patch and a null bio, refuses fields it does not own', () => {
    expect(updateProfileBody.parse({})).toEqual({});
    expect(updateProfileBody.parse({ bio: null })).toEqual({ bio: null });
    expect(codes(updateProfileBody, { handle: 'x' })).toEqual(['body_invalid']);
  });

  it('takes 1 to 100 uuids', () => {
    const uuid = '6f1c2f7e-3b7a-4b8e-9a51-0c1d2e3f4a5b';
    expect(codes(lookupBody, { uuids: [uuid] })).toEqual([]);
    for (const uuids of [[], ['x'], Array(101).fill(uuid), null]) {
      expect(codes(lookupBody, { uuids })).toEqual(['uuids_invalid']);
    }
  });

  it('takes 1 to 100 handles that a user could have, in any case', () => {
    expect(codes(lookupBody, { handles: ['Bayko', 'x'.repeat(32)] })).toEqual([]);
    for (const handles of [
      [],
      ['no spaces'],
      ['x'.repeat(33)],
      [7],
      Array(101).fill('bayko'),
      'bayko',
      null,
    ]) {
      expect(codes(lookupBody, { handles }), JSON.stringify(handles)).toEqual(['handles_invalid']);
    }
  });

  it('takes exactly one of uuids or handles', () => {
    const uuid = '6f1c2f7e-3b7a-4b8e-9a51-0c1d2e3f4a5b';
    expect(codes(lookupBody, {})).toEqual(['uuids_invalid']);
    expect(codes(lookupBody, { uuids: [uuid], handles: ['bayko'] })).toEqual(['body_invalid']);
    expect(codes(lookupBody, { uuids: ['x'], handles: [] })).toEqual([
      'body_invalid',
      'handles_invalid',
      'uuids_invalid',
    ]);
  });
});
