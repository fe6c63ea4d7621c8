import { z } from 'zod';
import { type ItemKind, itemKindOf } from '../keys.ts';
import { type ConversationItem, conversationItemSchema } from './conversation.ts';
import { type FeedItem, feedItemSchema } from './feed.ts';
import { type IdempotencyItem, idempotencyItemSchema } from './idempotency.ts';
import { type InboxItem, inboxItemSchema } from './inbox.ts';
import { leaseWorkerSchema, type WorkerItem } from './lease-worker.ts';
import { type MessageItem, messageItemSchema } from './message.ts';
import { type PairItem, pairItemSchema } from './pair.ts';
import { MalformedItemError, type ParsedItem, safeParseItem } from './parse.ts';
import { type SeedAnchorItem, seedAnchorItemSchema } from './seed-anchor.ts';
import { type ShardLease, shardLeaseSchema } from './shard-lease.ts';
import { type UserItem, userItemSchema } from './user.ts';

/** Every item of the messages table, by the kind its key prefix names. */
export type TableItem =
  | MessageItem
  | ConversationItem
  | PairItem
  | InboxItem
  | UserItem
  | IdempotencyItem
  | SeedAnchorItem
  | FeedItem;

export const tableItemSchemas = {
  message: messageItemSchema,
  inbox: inboxItemSchema,
  conversation: conversationItemSchema,
  pair: pairItemSchema,
  user: userItemSchema,
  idempotency: idempotencyItemSchema,
  seed: seedAnchorItemSchema,
  feed: feedItemSchema,
} satisfies Record<ItemKind, z.ZodType<TableItem>>;

/** Every item of the stream consumer's lease table, by its `kind`. */
export type LeaseTableItem = ShardLease | WorkerItem;

export const leaseTableItemSchemas = { shard: shardLeaseSchema, worker: leaseWorkerSchema } as const;

const unknownItem = (raw: unknown, path: string, message: string) =>
  new MalformedItemError(raw, new z.ZodError([{ code: 'custom', path: [path], message, input: raw }]));

/**
 * Parses any item of either table with the schema its key names (a `pk` prefix, or a lease item's `kind`): for
 * tools that read whole tables. Services read items of known kinds and parse with that kind's schema directly.
 */
export function parseStoredItem(raw: Record<string, unknown>): ParsedItem<TableItem | LeaseTableItem> {
  if (typeof raw.pk === 'string') {
    const kind = itemKindOf(raw.pk);
    if (!kind) return { ok: false, error: unknownItem(raw, 'pk', 'no item kind has this key prefix') };
    return safeParseItem(tableItemSchemas[kind], raw);
  }
  if (raw.kind === 'shard' || raw.kind === 'worker')
    return safeParseItem(leaseTableItemSchemas[raw.kind], raw);
  return { ok: false, error: unknownItem(raw, 'pk', 'neither a pk nor a lease kind') };
}
