import { describe, expect, it } from 'vitest';
import { compareSequenceNumbers } from './stream-record.ts';

describe('sequence numbers', () => {
  it('compares sequence numbers as numbers', () => {
    expect(compareSequenceNumbers('9', '10')).toBeLessThan(0);
    expect(compareSequenceNumbers('000100', '000100')).toBe(0);
  });
});
