import { z } from 'zod';
import { keys, messageSortKey } from '../keys.ts';
import { timestamp } from './fields.ts';
import type { NewMessage } from './message.ts';

/**
 * An inbox row, one per member of a conversation: `GRP#<owner>` / `<group>`, updated in place. The messaging
 * service writes both rows when a conversation starts and marks them read; the stream consumer moves them
 * forward (`last_message_key < :new`) and keeps `unread_count`. Read by both, so checked on every read.
 */

export const INBOX_ITEM_TYPE = 'inbox';

/** The attributes alone, for projections; `inboxItemSchema` adds the key rule. */
export const inboxItemFields = z.object({
  pk: z.string(),
  sk: z.string(),
  type: z.literal(INBOX_ITEM_TYPE),
  owner_uuid: z.uuid(),
  message_group_uuid: z.uuid(),
  /** Absent only on a row the stream consumer created for a message that names no other member. */
  other_user_uuid: z.uuid().optional(),
  /** The last message's sort key; the sort key of the inbox_by_activity LSI. */
  last_message_key: z.string(),
  last_message_uuid: z.uuid(),
  last_message_text: z.string(),
  last_message_at: timestamp,
  last_sender_uuid: z.uuid(),
  /** The other members' messages with a key above `last_read_key` (the stream consumer's unread rule). */
  unread_count: z.number().int().nonnegative(),
  /** The key of the newest message the owner has read; absent until they read one. */
  last_read_key: z.string().optional(),
});

export const inboxItemSchema = inboxItemFields.refine((row) => {
  const key = keys.inbox(row.owner_uuid, row.message_group_uuid);
  return row.pk === key.pk && row.sk === key.sk;
}, 'pk/sk do not match owner_uuid and message_group_uuid');

export type InboxItem = z.infer<typeof inboxItemSchema>;

/**
 * An inbox row pointing at `m`. `lastReadKey` follows the stream consumer's unread rule: `unread_count` is
 * the number of the other member's messages with a key above it, so a recount gives the same number.
 */
export function inboxItem(
  owner: string,
  other: string,
  m: NewMessage,
  unreadCount: number,
  lastReadKey?: string,
): InboxItem {
  return {
    ...keys.inbox(owner, m.groupUuid),
    type: INBOX_ITEM_TYPE,
    owner_uuid: owner,
    message_group_uuid: m.groupUuid,
    other_user_uuid: other,
    last_message_key: messageSortKey(m.createdAt, m.messageUuid),
    last_message_uuid: m.messageUuid,
    last_message_text: m.text,
    last_message_at: m.createdAt,
    last_sender_uuid: m.senderUuid,
    unread_count: unreadCount,
    ...(lastReadKey ? { last_read_key: lastReadKey } : {}),
  };
}
