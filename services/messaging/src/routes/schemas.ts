import { AppError, type ErrorCode } from '@cruddur/http';
import { z } from '@hono/zod-openapi';
import {
  checkGroupTitle,
  checkMessage,
  DISPLAY_NAME_MAX,
  HANDLE_PATTERN,
  IDEMPOTENCY_KEY,
  isUuid,
  MAX_MESSAGE_CHARS,
} from '../validation.ts';

/** Request and response schemas shared by the route files. zod messages are error codes. */

export const uuidField = (code: ErrorCode) =>
  z
    .string({ error: code })
    .refine(isUuid, { error: code })
    .openapi({ format: 'uuid', example: '5ae290ed-55d1-47a0-bc6d-fe2bc2700399' });

export const messageField = z
  .string({ error: 'message_blank' })
  .superRefine((value, ctx) => {
    const checked = checkMessage(value);
    if (!checked.ok) for (const code of checked.codes) ctx.addIssue({ code: 'custom', message: code });
  })
  // Stored as checked: CRLF as LF, trimmed.
  .transform((value) => {
    const checked = checkMessage(value);
    return checked.ok ? checked.text : value;
  })
  .openapi({
    description: `1 to ${MAX_MESSAGE_CHARS} Unicode code points after trimming; CRLF becomes LF; no control characters other than newline`,
    example: 'Are we still on for Friday?',
  });

export const idempotencyKeyField = z
  .string({ error: 'idempotency_key_invalid' })
  .regex(IDEMPOTENCY_KEY, { error: 'idempotency_key_invalid' })
  .optional()
  .openapi({ description: 'A retry with the same key and body returns the same message (200)' });

export const limitField = z.coerce
  .number({ error: 'limit_invalid' })
  .int({ error: 'limit_invalid' })
  .min(1, { error: 'limit_invalid' })
  .max(100, { error: 'limit_invalid' })
  .default(20)
  .openapi({ type: 'integer', minimum: 1, maximum: 100, default: 20 });

export const cursorField = z
  .string({ error: 'cursor_invalid' })
  .max(2048, { error: 'cursor_invalid' })
  .optional()
  .openapi({ description: 'Opaque; the next_cursor of the previous page' });

export const UserShort = z
  .object({ uuid: z.string(), handle: z.string(), display_name: z.string() })
  .openapi('UserShort', {
    description:
      'A user as the replica knows them. Not replicated yet: handle "" and display_name "Unknown user"',
  });

export const Reaction = z
  .object({
    emoji: z.string(),
    count: z.number().int().positive(),
    me: z.boolean().openapi({ description: 'The acting user added this one' }),
  })
  .openapi('Reaction');

export const Message = z
  .object({
    uuid: z.string(),
    message_group_uuid: z.string(),
    message: z.string(),
    created_at: z.string(),
    sender: UserShort,
    kind: z.enum(['text', 'system']),
    system: z
      .object({
        action: z.enum(['added', 'left', 'renamed']),
        users: z.array(UserShort),
        title: z.string().nullable(),
      })
      .optional()
      .openapi({ description: 'System messages only: who was added or left, or the new title' }),
    edited_at: z
      .string()
      .optional()
      .openapi({ description: 'When the sender last edited it; absent if never' }),
    edit_version: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'How many times it changed (each edit, and the delete); absent if never' }),
    deleted: z
      .literal(true)
      .optional()
      .openapi({ description: 'Deleted for everyone: a tombstone in its place, `message` is ""' }),
    reactions: z
      .array(Reaction)
      .openapi({ description: "Each emoji's count, largest first; none on a tombstone" }),
  })
  .openapi('Message');

export const Receipt = z
  .object({
    user: UserShort,
    message_uuid: z.string().openapi({ description: 'The newest message this member has read' }),
    read_at: z.string(),
  })
  .openapi('Receipt', { description: "A member's read position, as the other members see it" });

const conversationKind = z.enum(['direct', 'group']);

export const Group = z
  .object({
    message_group_uuid: z.string(),
    kind: conversationKind,
    title: z.string().nullable(),
    members: z.array(UserShort).openapi({ description: 'Every member, in join order' }),
    member_count: z.number().int(),
    created_at: z.string(),
    created_by: z.string().nullable(),
  })
  .openapi('Group');

export const Conversation = z
  .object({
    message_group_uuid: z.string(),
    kind: conversationKind,
    other_user: UserShort.nullable().openapi({ description: 'Null for a group' }),
    title: z.string().nullable(),
    member_count: z.number().int(),
    members: z.array(UserShort).openapi({ description: 'The first few members' }),
    last_message: z.object({
      uuid: z.string(),
      message: z.string(),
      created_at: z.string(),
      sender_uuid: z.string(),
      sender_handle: z.string(),
      edit_version: z.number().int().optional(),
      deleted: z.literal(true).optional().openapi({
        description: 'Everything sent to the caller is deleted: the newest tombstone, with no text',
      }),
    }),
    unread_count: z.number().int(),
  })
  .openapi('Conversation');

const ErrorBody = z.object({ errors: z.array(z.string()) }).openapi('Errors');

export const errorResponse = (description: string) => ({
  content: { 'application/json': { schema: ErrorBody } },
  description,
});

/** Every internal route needs the gateway's assertion of the acting user (`Authorization: Bearer`). */
export const credentialErrors = {
  401: errorResponse('service_credential_missing, _invalid, _expired or _audience'),
  403: errorResponse('service_caller_forbidden: not the gateway, or no acting user'),
};
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/** A path parameter documented as a uuid but checked by `pathCodes`, so its code joins the body's codes. */
export const pathUuid = (name: string) => z.string().openapi({ param: { name, in: 'path' }, format: 'uuid' });

/** A path uuid, lower-cased so keys never depend on how a caller spelled it. */
export function uuidParam(value: string, code: ErrorCode): string {
  if (!isUuid(value)) throw new AppError(code);
  return value.toLowerCase();
}

/** A member as the gateway resolved them; checked like the users service's own rules, so a placeholder is valid. */
export const groupMembersField = z
  .array(
    z.object({
      uuid: z.string().refine(isUuid),
      handle: z.string().regex(HANDLE_PATTERN),
      display_name: z.string().min(1).max(DISPLAY_NAME_MAX),
    }),
    { error: 'handles_invalid' },
  )
  .min(1, { error: 'handles_invalid' })
  .max(100, { error: 'handles_invalid' })
  .openapi({ description: 'Members as the users service resolved them' });

export const titleField = z
  .string({ error: 'title_invalid' })
  .superRefine((value, ctx) => {
    if (!checkGroupTitle(value).ok) ctx.addIssue({ code: 'custom', message: 'title_invalid' });
  })
  .transform((value) => {
    const checked = checkGroupTitle(value);
    return checked.ok ? checked.title : value;
  })
  .openapi({ description: '1 to 100 code points after trimming, no control characters' });
