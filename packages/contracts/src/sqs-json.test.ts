import { describe, expect, it } from 'vitest';
import { sqsSafeJson } from './sqs-json.ts';

describe('sqsSafeJson', () => {
  it('writes only printable ASCII and reads back as the same value', () => {
    const value = {
      text: 'thumbs 👍🏽, flag 🇫🇷, é, 中文, \uFFFF, lone \uD800, tab\t, newline\n',
      nested: [{ emoji: '🍕' }],
    };
    const body = sqsSafeJson(value);
    expect(body).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(body)).toEqual(value);
  });

  it('leaves plain ASCII as JSON.stringify writes it', () => {
    const value = { a: 'plain "quoted" \\ text', n: 1 };
    expect(sqsSafeJson(value)).toBe(JSON.stringify(value));
  });
});
