import { describe, expect, it } from 'vitest';
import { itemSize, readUnits, writeUnits } from './capacity.ts';

describe('itemSize (AWS "Item sizes and formats")', () => {
  it('counts names and UTF-8 string bytes', () => {
    expect(itemSize({ pk: 'abc', é: 'ü' })).toBe(2 + 3 + 2 + 2);
  });

  it('counts a number as one byte per two significant digits plus one', () => {
    expect(itemSize({ n: 0 })).toBe(1 + 2);
    expect(itemSize({ n: 12345 })).toBe(1 + 4);
    expect(itemSize({ n: 1200 })).toBe(1 + 2);
  });

  it('gives lists and maps 3 bytes plus 1 byte per element, booleans and null 1 byte', () => {
    expect(itemSize({ l: ['ab', 'c'] })).toBe(1 + 3 + (1 + 2) + (1 + 1));
    expect(itemSize({ m: { k: true, z: null } })).toBe(1 + 3 + (1 + 1 + 1) + (1 + 1 + 1));
  });
});

describe('request units', () => {
  it('rounds writes up to 1 KB and reads to 4 KB, halving eventually consistent reads', () => {
    expect(writeUnits(1)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(readUnits(4096, true)).toBe(1);
    expect(readUnits(4097, false)).toBe(1);
    expect(readUnits(11_616, false)).toBe(1.5);
  });
});
