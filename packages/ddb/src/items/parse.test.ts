import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MalformedItemError, parseItem, parseOptionalItem, safeParseItem } from './parse.ts';

const schema = z.object({ pk: z.string(), sk: z.string(), n: z.number() });

describe('parsing items read from a table', () => {
  it('gives the parsed item, or a typed error with the item key and the zod issues', () => {
    expect(parseItem(schema, { pk: 'P', sk: 'S', n: 1 })).toEqual({ pk: 'P', sk: 'S', n: 1 });
    const parsed = safeParseItem(schema, { pk: 'P', sk: 'S', n: 'one' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toBeInstanceOf(MalformedItemError);
    expect(parsed.error).toMatchObject({ name: 'MalformedItemError', pk: 'P', sk: 'S', retryable: false });
    expect(parsed.error.issues.map((i) => i.path)).toEqual([['n']]);
    expect(parsed.error.message).toMatch(/^malformed item P\/S: /);
  });

  it('names a lease item by its lease_key, and survives items without keys', () => {
    expect(() => parseItem(schema, { lease_key: 'L' })).toThrow(/malformed item L:/);
    expect(() => parseItem(schema, 'garbage')).toThrow(/malformed item \(no key\):/);
  });

  it('keeps "no item" apart from "a bad item"', () => {
    expect(parseOptionalItem(schema, undefined)).toBeUndefined();
    expect(() => parseOptionalItem(schema, {})).toThrow(MalformedItemError);
  });
});
