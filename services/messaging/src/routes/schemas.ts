import { AppError, type ErrorCode, isErrorCode } from '@cruddur/http';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { checkMessage, IDEMPOTENCY_KEY, isUuid, MAX_MESSAGE_CHARS } from '../validation.ts';

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

export const Message = z
  .object({
    uuid: z.string(),
    message_group_uuid: z.string(),
    message: z.string(),
    created_at: z.string(),
    sender: UserShort,
  })
  .openapi('Message');

export const Conversation = z
  .object({
    message_group_uuid: z.string(),
    other_user: UserShort,
    last_message: z.object({
      uuid: z.string(),
      message: z.string(),
      created_at: z.string(),
      sender_uuid: z.string(),
      sender_handle: z.string(),
    }),
    unread_count: z.number().int(),
  })
  .openapi('Conversation');

export const ErrorBody = z.object({ errors: z.array(z.string()) }).openapi('Errors');

export const errorResponse = (description: string) => ({
  content: { 'application/json': { schema: ErrorBody } },
  description,
});
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

export function pathCodes(c: Context, params: Record<string, ErrorCode>): ErrorCode[] {
  return Object.entries(params)
    .filter(([name]) => !isUuid(c.req.param(name)))
    .map(([, code]) => code);
}

/**
 * A validation hook that answers 422 with every code: those of the failed body or query plus those of
 * the path parameters, which zod-openapi would otherwise check in a separate, earlier step.
 */
export function validationHook(
  params: Record<string, ErrorCode>,
  extra: (raw: Record<string, unknown>) => ErrorCode[] = () => [],
) {
  return (
    result:
      | { success: true }
      | { success: false; data?: unknown; error: { issues: readonly { message: string }[] } },
    c: Context,
  ) => {
    if (result.success) return undefined;
    const codes = new Set<ErrorCode>(pathCodes(c, params));
    for (const issue of result.error.issues)
      codes.add(isErrorCode(issue.message) ? issue.message : 'body_invalid');
    const raw = result.data;
    if (typeof raw === 'object' && raw !== null)
      for (const code of extra(raw as Record<string, unknown>)) codes.add(code);
    return c.json({ errors: [...codes] }, 422);
  };
}
