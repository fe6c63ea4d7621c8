import { z } from 'zod';
import { keys, messageSortKey } from '../keys.ts';
import { groupTitle, MEMBER_SAMPLE_SIZE, timestamp } from './fields.ts';
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
  /**
   * The head: the sort key of the newest message sent to the owner, deleted or not; the sort key of the
   * inbox_by_activity LSI. It only moves forward, so a deleted message never moves a conversation down.
   */
  last_message_key: z.string(),
  /**
   * The preview, `last_message_*` and `last_sender_uuid`: the newest message sent to the owner at or below the
   * head that is not deleted, as its latest edit reads (the head itself, unless it was deleted). When every
   * such message is deleted, the head's tombstone with no text and `last_message_deleted`.
   */
  last_message_uuid: z.uuid(),
  last_message_text: z.string(),
  last_message_at: timestamp,
  last_sender_uuid: z.uuid(),
  /** The sort key of the message the preview shows, only when that is not the head (absent: the head). */
  preview_key: z.string().optional(),
  /** The `edit_version` of the message the preview shows, as it shows it (absent: 0, never edited). */
  last_message_edit_version: z.number().int().positive().optional(),
  /** The preview is a tombstone: nothing sent to the owner up to the head is left undeleted. */
  last_message_deleted: z.literal(true).optional(),
  /** The other members' messages with a key above `last_read_key` (the stream consumer's unread rule). */
  unread_count: z.number().int().nonnegative(),
  /** The key of the newest message the owner has read; absent until they read one. */
  last_read_key: z.string().optional(),
  /** Group rows only; the list entry's fields, all as of the row's head message. */
  kind: z.literal('group').optional(),
  title: groupTitle.optional(),
  member_count: z.number().int().nonnegative().optional(),
  member_sample: z.array(z.uuid()).max(MEMBER_SAMPLE_SIZE).optional(),
  /** Group rows only: the key of the message at which the owner joined; nothing older counts for them. */
  joined_key: z.string().optional(),
  /**
   * A message request: someone the owner has no conversation with wrote first while the owner accepts messages
   * only from people they have a conversation with. Listed apart (not in the conversation list), never pushed,
   * until the owner accepts (the attribute goes) or declines (`declined`: kept, out of both lists and never pushed,
   * so a message the sender committed just before the decline cannot bring the row back into the list when the
   * stream consumer, which creates a missing direct row, applies it after the decline).
   */
  request: z.enum(['pending', 'declined']).optional(),
});

export const inboxItemSchema = inboxItemFields.refine((row) => {
  const key = keys.inbox(row.owner_uuid, row.message_group_uuid);
  return row.pk === key.pk && row.sk === key.sk;
}, 'pk/sk do not match owner_uuid and message_group_uuid');

export type InboxItem = z.infer<typeof inboxItemSchema>;

/** The sort key of the message a row's preview shows. */
export const previewKeyOf = (row: Pick<InboxItem, 'preview_key' | 'last_message_key'>): string =>
  row.preview_key ?? row.last_message_key;

/** A row pointing at `m`, with what every row has (direct and group alike). */
function rowAt(
  owner: string,
  m: NewMessage,
  unreadCount: number,
  lastReadKey: string | undefined,
): InboxItem {
  return {
    ...keys.inbox(owner, m.groupUuid),
    type: INBOX_ITEM_TYPE,
    owner_uuid: owner,
    message_group_uuid: m.groupUuid,
    last_message_key: messageSortKey(m.createdAt, m.messageUuid),
    last_message_uuid: m.messageUuid,
    last_message_text: m.text,
    last_message_at: m.createdAt,
    last_sender_uuid: m.senderUuid,
    unread_count: unreadCount,
    ...(lastReadKey ? { last_read_key: lastReadKey } : {}),
  };
}

/**
 * A direct conversation's row pointing at `m`. `lastReadKey` follows the stream consumer's unread rule:
 * `unread_count` is the number of the other member's messages with a key above it, so a recount gives the same number.
 */
export function inboxItem(
  owner: string,
  other: string,
  m: NewMessage,
  unreadCount: number,
  lastReadKey?: string,
): InboxItem {
  return { ...rowAt(owner, m, unreadCount, lastReadKey), other_user_uuid: other };
}

/** The list-entry fields a group row takes from the message it shows (the stream consumer sets the same). */
export function groupRowFields(m: Pick<NewMessage, 'members' | 'group'>) {
  return {
    kind: 'group' as const,
    ...(m.group?.title !== undefined ? { title: m.group.title } : {}),
    member_count: m.members.length,
    member_sample: m.members.slice(0, MEMBER_SAMPLE_SIZE),
  };
}

/**
 * A group member's row pointing at `m`, written by the transaction that made them a member (the start, or the
 * add): `joinedKey` is that message's key, so nothing older ever counts as unread for them.
 */
export function groupInboxItem(
  owner: string,
  m: NewMessage,
  unreadCount: number,
  joinedKey: string,
  lastReadKey?: string,
): InboxItem {
  return { ...rowAt(owner, m, unreadCount, lastReadKey), ...groupRowFields(m), joined_key: joinedKey };
}
