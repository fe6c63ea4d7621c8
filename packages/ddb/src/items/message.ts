import { z } from 'zod';
import { itemKindOf, keys, messageSortKey } from '../keys.ts';
import { memberList, timestamp } from './fields.ts';

/**
 * A message: `MSG#<group>` / `<created_at>#<message_uuid>`. Written by the messaging service, read by it and by the
 * stream consumer (from the stream's NewImage), so it is a contract between them: change it only additively.
 */

export const MESSAGE_ITEM_TYPE = 'message';

/** The attributes alone, for projections; `messageItemSchema` adds the rules that tie them together. */
export const messageItemFields = z.object({
  pk: z.string(),
  /** `<created_at>#<message_uuid>`: time-ordered, and unique when two messages share a millisecond. */
  sk: z.string(),
  type: z.literal(MESSAGE_ITEM_TYPE),
  message_uuid: z.uuid(),
  message_group_uuid: z.uuid(),
  sender_uuid: z.uuid(),
  message: z.string(),
  created_at: timestamp,
  /** Every member, so the stream consumer can update each inbox row without another read. */
  members: memberList,
});

/** A stored message: its key is the one its fields give, and its sender is one of its members. */
export const messageItemSchema = messageItemFields
  .refine((m) => m.pk === keys.messagePartition(m.message_group_uuid), 'pk does not match message_group_uuid')
  .refine(
    (m) => m.sk === messageSortKey(m.created_at, m.message_uuid),
    'sk does not match created_at#message_uuid',
  )
  .refine((m) => m.members.includes(m.sender_uuid), 'the sender is not a member');

export type MessageItem = z.infer<typeof messageItemSchema>;

/** Whether a partition key holds messages: the only items whose stream records move inbox rows. */
export const isMessagePartition = (pk: string): boolean => itemKindOf(pk) === 'message';

export interface NewMessage {
  groupUuid: string;
  messageUuid: string;
  senderUuid: string;
  text: string;
  createdAt: string;
  /** Every member of the conversation. */
  members: readonly string[];
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
  };
}
