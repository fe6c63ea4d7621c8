import { z } from 'zod';
import { keys } from '../keys.ts';
import { memberList, timestamp } from './fields.ts';

/**
 * A conversation: `CONV#<group>` / `META`, written once when it starts. Its members are the membership check of
 * every read and write of the conversation (reference bug 1), and never change.
 */

/** The attributes alone, for projections; `conversationItemSchema` adds the key rule. */
export const conversationItemFields = z.object({
  pk: z.string(),
  sk: z.literal('META'),
  type: z.literal('conversation'),
  message_group_uuid: z.uuid(),
  /** Sorted. */
  members: memberList,
  created_at: timestamp,
});

export const conversationItemSchema = conversationItemFields.refine(
  (c) => c.pk === keys.conversation(c.message_group_uuid).pk,
  'pk does not match message_group_uuid',
);

export type ConversationItem = z.infer<typeof conversationItemSchema>;

export function conversationItem(c: {
  groupUuid: string;
  members: readonly string[];
  createdAt: string;
}): ConversationItem {
  return {
    ...keys.conversation(c.groupUuid),
    type: 'conversation',
    message_group_uuid: c.groupUuid,
    members: [...c.members],
    created_at: c.createdAt,
  };
}
