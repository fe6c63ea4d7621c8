import type { EventEnvelope } from '@cruddur/contracts';
import { z } from 'zod';
import { keys, prefixes } from '../keys.ts';

/**
 * One change in one user's feed: `FEED#<user>` / `<written_at>#<index>#<event id>`. The stream consumer writes one
 * per recipient of every event it publishes, before publishing, so whatever a stream delivered live can be read
 * again; the gateway replays a user's feed after the cursor a reconnecting client sends. DynamoDB's TTL removes it
 * after `expires_at`; DynamoDB Local never does, so readers also skip expired items by that attribute.
 */
export const feedItemSchema = z.object({
  pk: z.string().startsWith(prefixes.feed),
  sk: z.string(),
  type: z.literal('feed'),
  /** The envelope as published, its `members` narrowed to the feed's owner (the item is theirs alone). */
  event: z.string(),
  /** Epoch seconds for DynamoDB TTL (`MESSAGE_TTL_ATTRIBUTE`). */
  expires_at: z.number().int(),
});
export type FeedItem = z.infer<typeof feedItemSchema>;

/** The feed item of `event` for `owner`; conversation events keep only the owner among their members. */
export function feedItem(owner: string, key: string, event: EventEnvelope, expiresAt: number): FeedItem {
  const payload = event.payload as { members?: unknown };
  const narrowed = Array.isArray(payload.members) ? { ...event.payload, members: [owner] } : event.payload;
  const { feed_key: _published, ...logged } = event;
  return {
    ...keys.feed(owner, key),
    type: 'feed',
    event: JSON.stringify({ ...logged, payload: narrowed, feed_key: key }),
    expires_at: expiresAt,
  };
}
