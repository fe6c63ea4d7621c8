import { z } from 'zod';

/** Upstream shapes from docs/contracts.md, checked on arrival so a contract drift fails loudly, not silently. */
/** Also what the gateway sends messaging as a group member: the users service's answer for them. */
export const userShort = z.object({
  uuid: z.uuid(),
  handle: z.string(),
  display_name: z.string(),
});
export type UserShort = z.infer<typeof userShort>;

export const user = userShort.extend({
  cognito_user_id: z.string().nullable(),
});
export type User = z.infer<typeof user>;

/** `direct` (two people, fixed) or `group`; absent means direct, as on everything written before groups. */
const conversationKind = z.enum(['direct', 'group']);
export type ConversationKind = z.infer<typeof conversationKind>;

/** What a system message says happened, and to whom: added or left users, or the new title. */
const systemAction = z.object({
  action: z.enum(['added', 'left', 'renamed']),
  users: z.array(userShort),
  title: z.string().nullish(),
});

export const message = z.object({
  uuid: z.uuid(),
  message_group_uuid: z.uuid(),
  message: z.string(),
  created_at: z.string(),
  /** The author; of a system message, who did it. */
  sender: userShort,
  kind: z.enum(['text', 'system']).default('text'),
  system: systemAction.optional(),
  edited_at: z.string().optional(),
  edit_version: z.number().int().positive().optional(),
  /** A tombstone: deleted for everyone, `message` is "". */
  deleted: z.literal(true).optional(),
});
export type Message = z.infer<typeof message>;

const conversation = z.object({
  message_group_uuid: z.uuid(),
  kind: conversationKind.default('direct'),
  title: z.string().nullish(),
  member_count: z.number().int().nonnegative().optional(),
  /** The first few members. */
  members: z.array(userShort).optional(),
  /** The other person of a direct conversation; null for a group. */
  other_user: userShort.nullable(),
  last_message: z.object({
    uuid: z.uuid(),
    message: z.string(),
    created_at: z.string(),
    sender_uuid: z.uuid(),
    sender_handle: z.string().nullish(),
    edit_version: z.number().int().positive().optional(),
    deleted: z.literal(true).optional(),
  }),
  unread_count: z.number().int().nonnegative(),
});
export type Conversation = z.infer<typeof conversation>;

/** A conversation as `GET /internal/conversations/:g` describes it: every member, in join order. */
export const group = z.object({
  message_group_uuid: z.uuid(),
  kind: conversationKind,
  title: z.string().nullable(),
  members: z.array(userShort),
  member_count: z.number().int().nonnegative(),
  created_at: z.string(),
  created_by: z.uuid().nullish(),
});
export type Group = z.infer<typeof group>;

export const startGroupResult = z.object({ group, message });

/** Adding members or renaming: the group afterwards, and its system message (null when nothing changed). */
export const groupChangeResult = z.object({ group, message: message.nullable() });

export const leaveResult = z.object({ message_group_uuid: z.uuid(), left: z.literal(true) });

export const lookupResult = z.object({ users: z.array(userShort) });

const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullish() });

// Built once: zod compiles a schema on its first parse, so a schema made per request is compiled per request.
export const conversationPage = page(conversation);
export const messagePage = page(message);

export const startConversationResult = z.object({ created: z.boolean(), message });

export const readResult = z.object({ message_group_uuid: z.uuid(), unread_count: z.number().int() });

export const errorBody = z.object({
  errors: z.array(z.string()),
  unknown_handles: z.array(z.string()).max(100).optional(),
});

/** A page of the caller's change feed: each logged event with its feed key (validated by the replay, not here). */
export const feedPage = z.object({
  items: z.array(z.object({ key: z.string(), event: z.unknown() })),
  next_after: z.string().nullable(),
});
