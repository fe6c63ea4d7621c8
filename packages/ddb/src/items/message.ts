import { z } from 'zod';
import { itemKindOf, keys, messageSortKey } from '../keys.ts';
import { groupTitle, memberList, timestamp } from './fields.ts';

/**
 * A message: `MSG#<group>` / `<created_at>#<message_uuid>`. Written by the messaging service, read by it and by the
 * stream consumer (from the stream's NewImage), so it is a contract between them: change it only additively.
 */

export const MESSAGE_ITEM_TYPE = 'message';

/** What a system message records: who did it is its sender; `user_uuids` are who was added, or who left. */
export const systemEventFields = z.object({
  action: z.enum(['added', 'left', 'renamed']),
  user_uuids: z.array(z.uuid()).max(100),
  /** The title after a rename (null: removed); absent for other actions. */
  title: groupTitle.nullable().optional(),
});
export type SystemEvent = z.infer<typeof systemEventFields>;

/** The attributes alone, for projections; `messageItemSchema` adds the rules that tie them together. */
export const messageItemFields = z.object({
  pk: z.string(),
  /** `<created_at>#<message_uuid>`: time-ordered, and unique when two messages share a millisecond. */
  sk: z.string(),
  type: z.literal(MESSAGE_ITEM_TYPE),
  message_uuid: z.uuid(),
  message_group_uuid: z.uuid(),
  sender_uuid: z.uuid(),
  /** The text; absent only on a tombstone (`deleted`), whose text is removed from the table. */
  message: z.string().optional(),
  created_at: timestamp,
  /**
   * The members it was sent to: the conversation's membership when the message was committed (for a system
   * message, the membership after its change). The stream consumer updates exactly these members' rows.
   */
  members: memberList,
  /**
   * Group messages only: the members who blocked the sender when it was committed (decided in the send's
   * transaction). It was not sent to them: their rows, unread counts, previews, pushes and thread leave it out.
   */
  hidden_from: z.array(z.uuid()).max(100).optional(),
  /** Absent: a text message. */
  kind: z.enum(['text', 'system']).optional(),
  /** System messages only. */
  system: systemEventFields.optional(),
  /** `group` for a group's messages; absent for direct ones. */
  conversation_kind: z.literal('group').optional(),
  /** A group's title when the message was committed; absent when untitled. */
  title: groupTitle.optional(),
  /**
   * How many times the message changed: absent (0) until the first edit, then +1 per edit and +1 for the
   * delete. Every edit and delete is conditional on the version it read, so two changes never both apply to
   * the same version, and the stream consumer orders MODIFY records by it (docs/contracts.md, "Messages that change").
   */
  edit_version: z.number().int().positive().optional(),
  /** The last edit's time; kept on a tombstone. */
  edited_at: timestamp.optional(),
  /** A tombstone: deleted for everyone, its text removed; it keeps its key, sender and members. */
  deleted: z.literal(true).optional(),
  deleted_at: timestamp.optional(),
  /** Epoch seconds after which DynamoDB's TTL removes it (`MESSAGE_RETENTION_DAYS`); absent: kept. */
  expires_at: z.number().int().positive().optional(),
  /**
   * Emoji reactions: each emoji names the set of members who added it, so a count is the size of its set and
   * can never differ from who reacted (an add or a remove is one conditional ADD/DELETE of one set element).
   * At most MAX_REACTIONS_PER_MESSAGE emoji; an emoji whose last member removed it is gone (DynamoDB drops an
   * empty set). Absent (or `{}`) with none; never on a tombstone (the delete removes it).
   */
  reactions: z.record(z.string(), memberList).optional(),
  /** +1 per reaction change (absent: 0); orders `reaction.changed` events and names them. */
  reaction_version: z.number().int().positive().optional(),
});

/** A stored message: its key is the one its fields give, and its sender is one of its members. */
export const messageItemSchema = messageItemFields
  .refine((m) => m.pk === keys.messagePartition(m.message_group_uuid), 'pk does not match message_group_uuid')
  .refine(
    (m) => m.sk === messageSortKey(m.created_at, m.message_uuid),
    'sk does not match created_at#message_uuid',
  )
  .refine(
    (m) => (m.kind === 'system') === (m.system !== undefined),
    'a system message, and only one, carries system',
  )
  // A leave is sent to the members who stay, so its sender (the one who left) is not among them.
  .refine(
    (m) => m.members.includes(m.sender_uuid) || m.system?.action === 'left',
    'the sender is not a member',
  )
  .refine(
    (m) => m.conversation_kind === 'group' || (m.members.length === 2 && m.kind !== 'system'),
    'a direct message has two members and no system event',
  )
  .refine(
    (m) => (m.deleted === true) === (m.message === undefined),
    'a tombstone, and only a tombstone, has no text',
  )
  .refine((m) => m.deleted !== true || m.kind !== 'system', 'a system message cannot be deleted')
  .refine(
    (m) => m.deleted !== true || Object.keys(m.reactions ?? {}).length === 0,
    'a tombstone has no reactions',
  );

export type MessageItem = z.infer<typeof messageItemSchema>;

/** Whether a partition key holds messages: the only items whose stream records move inbox rows. */
export const isMessagePartition = (pk: string): boolean => itemKindOf(pk) === 'message';

export interface NewMessage {
  groupUuid: string;
  messageUuid: string;
  senderUuid: string;
  text: string;
  createdAt: string;
  /** The members it is sent to (see the item's `members`). */
  members: readonly string[];
  /** Group messages only. */
  group?: { title: string | undefined; system?: SystemEvent | undefined } | undefined;
  /** Group members who block the sender (see the item's `hidden_from`). */
  hiddenFrom?: readonly string[] | undefined;
  /** Epoch seconds: when the table's TTL may remove it (the retention period); absent: kept. */
  expiresAt?: number | undefined;
}

export function messageItem(m: NewMessage): MessageItem {
  return {
    ...keys.message(m.groupUuid, m.createdAt, m.messageUuid),
    type: MESSAGE_ITEM_TYPE,
    message_uuid: m.messageUuid,
    message_group_uuid: m.groupUuid,
    sender_uuid: m.senderUuid,
    message: m.text,
    created_at: m.createdAt,
    members: [...m.members],
    ...(m.expiresAt !== undefined ? { expires_at: m.expiresAt } : {}),
    ...(m.group
      ? {
          conversation_kind: 'group' as const,
          ...(m.group.title !== undefined ? { title: m.group.title } : {}),
          ...(m.group.system ? { kind: 'system' as const, system: m.group.system } : {}),
          ...(m.hiddenFrom && m.hiddenFrom.length > 0 ? { hidden_from: [...m.hiddenFrom] } : {}),
        }
      : {}),
  };
}

/** Whether a message was sent to `owner`: one of its members, and not one who blocked its sender. */
export const isSentTo = (m: Pick<MessageItem, 'members' | 'hidden_from'>, owner: string): boolean =>
  m.members.includes(owner) && !m.hidden_from?.includes(owner);

/** The members a message was sent to: its members but those who blocked its sender (see `hidden_from`). */
export const messageRecipients = (m: Pick<MessageItem, 'members' | 'hidden_from'>): string[] =>
  m.hidden_from ? m.members.filter((u) => !m.hidden_from!.includes(u)) : [...m.members];

/** A message's reactions as counts, largest first (ties by emoji), and who added each. */
export function reactionsOf(
  m: Pick<MessageItem, 'reactions' | 'deleted'>,
): { emoji: string; users: string[] }[] {
  if (m.deleted) return [];
  return Object.entries(m.reactions ?? {})
    .filter(([, users]) => users.length > 0)
    .map(([emoji, users]) => ({ emoji, users: [...users].sort() }))
    .sort((a, b) => b.users.length - a.users.length || (a.emoji < b.emoji ? -1 : a.emoji > b.emoji ? 1 : 0));
}

export const isGroupMessage = (m: Pick<MessageItem, 'conversation_kind'>): boolean =>
  m.conversation_kind === 'group';

/** What a message shows as text: a tombstone shows none. */
export const messageText = (m: Pick<MessageItem, 'message'>): string => m.message ?? '';
