import { conversationItem, groupConversationItem } from '@cruddur/ddb';
import { SAMPLE } from '@cruddur/test-kit';
import { describe, expect, it } from 'vitest';
import { DirectConversationCache } from './conversation-cache.ts';

const direct = (groupUuid: string) =>
  conversationItem({ groupUuid, members: [SAMPLE.a, SAMPLE.b], createdAt: '2026-01-01T00:00:00.000Z' });
const uuid = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

describe('DirectConversationCache', () => {
  it('keeps at most its capacity, evicting the least recently used', () => {
    const cache = new DirectConversationCache(2);
    cache.set(direct(uuid(1)));
    cache.set(direct(uuid(2)));
    expect(cache.get(uuid(1))?.message_group_uuid).toBe(uuid(1));
    cache.set(direct(uuid(3)));
    expect(cache.get(uuid(2))).toBeUndefined();
    expect(cache.get(uuid(1))).toBeDefined();
    expect(cache.get(uuid(3))).toBeDefined();
  });

  it('refuses a group, whose members change', () => {
    const group = groupConversationItem({
      groupUuid: uuid(4),
      members: [SAMPLE.a, SAMPLE.b, uuid(5)],
      createdBy: SAMPLE.a,
      title: undefined,
      createdAt: '2026-01-01T00:00:00.000Z',
      firstMessageKey: '2026-01-01T00:00:00.000Z#x',
    });
    expect(() => new DirectConversationCache().set(group)).toThrow(/never cached/);
  });
});
