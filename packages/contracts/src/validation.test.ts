import { describe, expect, it } from 'vitest';
import { isSingleEmoji } from './validation.ts';

describe('isSingleEmoji', () => {
  it('takes one emoji with its modifiers, sequences, flags and keycaps', () => {
    for (const emoji of ['👍', '❤️', '❤', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷', '🏴󠁧󠁢󠁥󠁮󠁧󠁿', '1️⃣', '#️⃣', '©️', '🫶'])
      expect(isSingleEmoji(emoji), emoji).toBe(true);
  });
  it('refuses text, several emoji, spaces, control characters and lone indicators', () => {
    for (const bad of ['', 'a', 'ab', '1', ':)', '👍👍', ' 👍', '👍 ', '\u0000', 'é', '🇫', 'x\u20E3', '👍\n'])
      expect(isSingleEmoji(bad), JSON.stringify(bad)).toBe(false);
    expect(isSingleEmoji('👍'.repeat(40))).toBe(false);
  });
});
