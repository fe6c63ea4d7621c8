import { createEvent, feedKey } from '@cruddur/contracts';
import { silentLogger } from '@cruddur/logger';
import { describe, expect, it } from 'vitest';
import { type FeedPageReader, replayFeed } from './feed-replay.ts';

const owner = '0b7c1f4e-5d2a-4f3b-9c8d-7e6f5a4b3c2d';
const group = '1c8d2e5f-6a3b-4c4d-8e9f-0a1b2c3d4e5f';
const created = (n: number) =>
  createEvent(
    'message.created',
    {
      message_group_uuid: group,
      message_uuid: `2d9e3f60-7b4c-4d5e-9f0a-${String(n).padStart(12, '0')}`,
      sender_uuid: owner,
      members: [owner],
      message: `m${n}`,
      created_at: '2026-12-01T10:00:00.000Z',
    },
    { traceId: 't', id: `3e0f4a71-8c5d-4e6f-8a1b-${String(n).padStart(12, '0')}` },
  );

/** A feed as messaging pages it: the items in key order, `size` to a page. */
function feedOf(items: { key: string; event: unknown }[], size: number): FeedPageReader {
  return async (after) => {
    const rest = items.filter((i) => i.key > after);
    const page = rest.slice(0, size);
    return { items: page, next_after: rest.length > size ? page.at(-1)!.key : null };
  };
}

const collect = async (replay: AsyncGenerator<{ id: string }[], string>) => {
  const ids: string[] = [];
  for (;;) {
    const next = await replay.next();
    if (next.done) return { ids, end: next.value };
    ids.push(...next.value.map((e) => e.id));
  }
};

describe('replayFeed', () => {
  const at = Date.parse('2026-12-01T10:00:00.000Z');
  const events = [1, 2, 3, 4].map(created);
  const items = events.map((e, i) => ({ key: feedKey(at + i, 0, e.id), event: e }));

  it('sends every logged change after the key, in key order, over pages', async () => {
    const sent = new Set<string>();
    const replay = replayFeed({
      readPage: feedOf(items, 3),
      afterKey: '',
      max: 100,
      sent,
      logger: silentLogger,
    });
    expect(await collect(replay)).toEqual({ ids: items.map((i) => i.key), end: 'done' });
    expect(sent.size).toBe(4);
  });

  it('keeps the first copy of an event logged twice, and skips what the stream already sent or cannot show', async () => {
    const again = { key: feedKey(at + 10, 0, events[1]!.id), event: events[1] };
    const broken = { key: feedKey(at + 11, 0, 'x'), event: { type: 'message.created', nonsense: true } };
    const sent = new Set([events[0]!.id]);
    const replay = replayFeed({
      readPage: feedOf([...items, again, broken], 2),
      afterKey: '',
      max: 100,
      sent,
      logger: silentLogger,
    });
    expect(await collect(replay)).toEqual({ ids: items.slice(1).map((i) => i.key), end: 'done' });
  });

  it('stops at max and says so', async () => {
    const replay = replayFeed({
      readPage: feedOf(items, 10),
      afterKey: '',
      max: 2,
      sent: new Set(),
      logger: silentLogger,
    });
    expect(await collect(replay)).toEqual({ ids: items.slice(0, 2).map((i) => i.key), end: 'too_many' });
  });
});
