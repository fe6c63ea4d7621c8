import { z } from '@hono/zod-openapi';
import { UUID_PATTERN } from '../validation.ts';

/** Public request and response schemas; every zod message is an error code (packages/http). */

export const errorsSchema = z
  .object({ errors: z.array(z.string()).openapi({ example: ['message_blank'] }) })
  .openapi('Errors');

export const limitQuery = z.coerce
  .number({ error: 'limit_invalid' })
  .int({ error: 'limit_invalid' })
  .min(1, { error: 'limit_invalid' })
  .max(100, { error: 'limit_invalid' })
  .optional()
  .openapi({ description: '1..100, default 20', example: 20 });

export const cursorQuery = z
  .string()
  .max(2048, { error: 'cursor_invalid' })
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'cursor_invalid' })
  .optional();

export const groupUuidParam = z
  .string()
  .regex(UUID_PATTERN, { error: 'message_group_uuid_invalid' })
  .openapi({ param: { name: 'message_group_uuid', in: 'path' }, format: 'uuid' });

export const messageUuidParam = z
  .string()
  .regex(UUID_PATTERN, { error: 'message_uuid_invalid' })
  .openapi({ param: { name: 'message_uuid', in: 'path' }, format: 'uuid' });

export const userShortSchema = z
  .object({ uuid: z.uuid(), handle: z.string(), display_name: z.string() })
  .openapi('UserShort');

const conversationKindSchema = z
  .enum(['direct', 'group'])
  .openapi({ description: '`direct`: two people, for good; `group`: members may be added and may leave' });

export const messageGroupItemSchema = z
  .object({
    uuid: z.uuid().openapi({ description: 'The conversation (message group)' }),
    kind: conversationKindSchema,
    title: z.string().nullable().openapi({ description: "A group's title; null for direct conversations" }),
    display_name: z.string().openapi({
      description:
        'The other participant; for a group its title, or when untitled the other members\' names ("Ann, Bo, Cy and 2 more")',
    }),
    handle: z.string().openapi({ description: "The other participant's; for a group, the last sender's" }),
    other_user_uuid: z.uuid().nullable().openapi({ description: 'Null for a group' }),
    member_count: z.number().int(),
    members: z.array(userShortSchema).openapi({ description: 'The first few members' }),
    message: z.string().openapi({ description: 'The last message' }),
    created_at: z.string().openapi({ example: '2026-11-25T13:40:00.000Z' }),
    last_message_uuid: z.uuid(),
    last_sender_handle: z.string().nullable(),
    last_sender_is_me: z.boolean(),
    last_message_deleted: z.literal(true).optional().openapi({
      description:
        'Everything sent to you is deleted: `message` is ""; otherwise a deleted last message is replaced by the one before it',
    }),
    unread_count: z.number().int(),
  })
  .openapi('MessageGroup');

const systemSchema = z
  .object({
    action: z.enum(['added', 'left', 'renamed']),
    users: z.array(userShortSchema).openapi({ description: 'Who was added, or who left' }),
    title: z.string().nullable().openapi({ description: 'The title after a rename (null: removed)' }),
  })
  .openapi('SystemMessage');

export const reactionSchema = z
  .object({
    emoji: z.string().openapi({ example: '👍' }),
    count: z.number().int().positive(),
    me: z.boolean().openapi({ description: 'You added this one' }),
  })
  .openapi('Reaction');

export const messageItemSchema = z
  .object({
    uuid: z.uuid().openapi({ description: 'The message' }),
    message_group_uuid: z.uuid(),
    display_name: z.string().openapi({ description: 'The sender; of a system message, who did it' }),
    handle: z.string(),
    sender_uuid: z.uuid(),
    message: z
      .string()
      .openapi({ description: 'The text; of a system message, what happened, as a sentence' }),
    created_at: z.string().openapi({ example: '2026-11-25T13:40:00.000Z' }),
    kind: z.enum(['text', 'system']),
    system: systemSchema.optional().openapi({ description: 'On system messages only' }),
    edited_at: z
      .string()
      .optional()
      .openapi({ description: 'When its sender last edited it; absent if never' }),
    edit_version: z.number().int().optional().openapi({
      description:
        'How many times it changed (each edit, and the delete); absent if never. Keep the highest seen',
    }),
    deleted: z
      .literal(true)
      .optional()
      .openapi({ description: 'Deleted for everyone: the tombstone keeps its place, `message` is ""' }),
    reactions: z
      .array(reactionSchema)
      .openapi({ description: "Each emoji's count, largest first; none on a tombstone" }),
    read_by: z.array(userShortSchema).optional().openapi({
      description:
        'Thread pages only: the other members whose read position is this message (they have read up to here). Only members who send read receipts, and none when you turned yours off. In a 1:1, the other person on a message means "seen"; on the newest message, everyone listed has seen all of it',
    }),
  })
  .openapi('Message');

export const groupViewSchema = z
  .object({
    uuid: z.uuid().openapi({ description: 'The conversation (message group)' }),
    kind: conversationKindSchema,
    title: z.string().nullable(),
    display_name: z.string().openapi({ description: 'As in the conversation list' }),
    member_count: z.number().int(),
    members: z.array(userShortSchema).openapi({ description: 'Every member, in join order' }),
    created_at: z.string().openapi({ example: '2026-11-25T13:40:00.000Z' }),
  })
  .openapi('Group');

export const nextCursorHeader = {
  'X-Next-Cursor': {
    description: 'Pass as `cursor` (lists) or `before` (threads) for the next page; absent on the last page',
    schema: { type: 'string' as const },
  },
};

export const errorResponses = {
  401: {
    description: 'Missing, invalid or expired access token',
    content: { 'application/json': { schema: errorsSchema } },
  },
  413: { description: 'Body over the size limit', content: { 'application/json': { schema: errorsSchema } } },
  422: {
    description: 'Invalid input: every code that applies',
    content: { 'application/json': { schema: errorsSchema } },
  },
  429: {
    description: 'Rate limited; see Retry-After',
    content: { 'application/json': { schema: errorsSchema } },
  },
} as const;

export const notFound = {
  404: { description: 'Unknown, or not yours', content: { 'application/json': { schema: errorsSchema } } },
} as const;

/** 404 of a request naming users by handle: `unknown_handles` lists every handle no user has. */
export const unknownHandlesResponse = {
  404: {
    description:
      '`user_not_found` with `unknown_handles`; or `message_group_not_found`: unknown, or not yours',
    content: {
      'application/json': {
        schema: errorsSchema
          .extend({
            unknown_handles: z
              .array(z.string())
              .optional()
              .openapi({ example: ['ghost'] }),
          })
          .openapi('UnknownHandles'),
      },
    },
  },
} as const;

export const bearer = [{ bearer: [] as string[] }];
