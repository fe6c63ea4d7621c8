import { z } from 'zod';

/** Upstream shapes from docs/contracts.md, checked on arrival so a contract drift fails loudly, not silently. */
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

export const message = z.object({
  uuid: z.uuid(),
  message_group_uuid: z.uuid(),
  message: z.string(),
  created_at: z.string(),
  sender: userShort,
});
export type Message = z.infer<typeof message>;

const conversation = z.object({
  message_group_uuid: z.uuid(),
  other_user: userShort,
  last_message: z.object({
    uuid: z.uuid(),
    message: z.string(),
    created_at: z.string(),
    sender_uuid: z.uuid(),
    sender_handle: z.string().nullish(),
  }),
  unread_count: z.number().int().nonnegative(),
});
export type Conversation = z.infer<typeof conversation>;

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
