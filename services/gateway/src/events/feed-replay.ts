import { parseEvent } from '@cruddur/contracts';
import type { Logger } from '@cruddur/logger';
import { type ClientEvent, toClientEvent } from './hub.ts';

/** One page of a user's feed, as messaging answers it. */
export type FeedPageReader = (
  after: string,
  limit: number,
) => Promise<{ items: { key: string; event: unknown }[]; next_after: string | null }>;

const PAGE = 500;

/**
 * The client events of a user's feed after `afterKey`, in key order, a page at a time (written to the stream in one
 * go), each event id at most once (`sent` holds what this stream has already sent; a replayed batch logged twice
 * keeps its first copy, so a later state is never followed by an earlier one). Returns 'too_many' instead of yielding
 * more than `max` in all. A logged event the catalog no longer accepts, or that no stream shows, is skipped.
 */
export async function* replayFeed(options: {
  readPage: FeedPageReader;
  afterKey: string;
  max: number;
  sent: { has(eventId: string): boolean; add(eventId: string): void };
  logger: Logger;
}): AsyncGenerator<ClientEvent[], 'done' | 'too_many'> {
  let after: string | null = options.afterKey;
  let yielded = 0;
  while (after !== null) {
    const page = await options.readPage(after, PAGE);
    const events: ClientEvent[] = [];
    for (const item of page.items) {
      const parsed = parseEvent(item.event);
      if (!parsed.ok) {
        options.logger.warn({ key: item.key, reason: parsed.reason }, 'feed item skipped');
        continue;
      }
      const routed = toClientEvent({ ...parsed.event, feed_key: item.key });
      if (!routed || options.sent.has(routed.wire.eventId)) continue;
      if (yielded >= options.max) {
        if (events.length > 0) yield events;
        return 'too_many';
      }
      options.sent.add(routed.wire.eventId);
      yielded++;
      events.push(routed.wire);
    }
    if (events.length > 0) yield events;
    after = page.next_after;
  }
  return 'done';
}
