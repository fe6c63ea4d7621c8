import { z } from 'zod';
import { keys } from '../keys.ts';
import { conversationKind, GROUP_MEMBERS_LIMIT, groupTitle, memberList, timestamp } from './fields.ts';

/**
 * A conversation: `CONV#<group>` / `META`. Its members are the membership check of every read and write of the
 * conversation (reference bug 1). A direct conversation's two members never change. A group's change with every
 * add and leave, and each change (a rename too) moves `state_key` to the key of the system message that made it:
 * every group send is conditional on the `state_key` it read, which is how a message gets exactly the membership
 * in force when it is committed (docs/contracts.md, "Group conversations").
 */

/** The attributes alone, for projections; `conversationItemSchema` adds the rules that tie them together. */
export const conversationItemFields = z.object({
  pk: z.string(),
  sk: z.literal('META'),
  type: z.literal('conversation'),
  message_group_uuid: z.uuid(),
  /** Absent on conversations written before groups: direct. */
  kind: conversationKind.optional(),
  /** Direct: the pair, sorted. Group: the current members in join order. */
  members: memberList,
  created_at: timestamp,
  /** Group only. */
  title: groupTitle.optional(),
  created_by: z.uuid().optional(),
  /** Group only: each current member's join, the sort key of the message at which they (last) joined. */
  joined: z.record(z.uuid(), z.string()).optional(),
  /** Group only: the sort key of the newest system message (the group's state version). */
  state_key: z.string().optional(),
});

export const conversationItemSchema = conversationItemFields
  .refine((c) => c.pk === keys.conversation(c.message_group_uuid).pk, 'pk does not match message_group_uuid')
  .refine(
    (c) =>
      c.kind === 'group'
        ? c.members.length <= GROUP_MEMBERS_LIMIT &&
          c.state_key !== undefined &&
          c.joined !== undefined &&
          c.members.every((m) => c.joined?.[m] !== undefined)
        : c.members.length === 2,
    'a direct conversation has two members; a group has a state key and a join for each member',
  );

export type ConversationItem = z.infer<typeof conversationItemSchema>;

export const isGroup = (c: Pick<ConversationItem, 'kind'>): boolean => c.kind === 'group';

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

/** A new group's META: every member joined at its first message, which is also its first state. */
export function groupConversationItem(g: {
  groupUuid: string;
  members: readonly string[];
  createdBy: string;
  title: string | undefined;
  createdAt: string;
  firstMessageKey: string;
}): ConversationItem {
  return {
    ...keys.conversation(g.groupUuid),
    type: 'conversation',
    kind: 'group',
    message_group_uuid: g.groupUuid,
    members: [...g.members],
    created_at: g.createdAt,
    created_by: g.createdBy,
    ...(g.title !== undefined ? { title: g.title } : {}),
    joined: Object.fromEntries(g.members.map((m) => [m, g.firstMessageKey])),
    state_key: g.firstMessageKey,
  };
}
