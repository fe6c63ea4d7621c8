import { AppError } from '@cruddur/http';
import { createRoute, z } from '@hono/zod-openapi';
import { callerOf } from '../auth/middleware.ts';
import { toMessageItem } from '../mapping.ts';
import { IDEMPOTENCY_KEY_PATTERN, MAX_MESSAGE_CHARS, messageTextCodes } from '../validation.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import {
  bearer,
  errorResponses,
  errorsSchema,
  groupUuidParam,
  messageItemSchema,
  messageUuidParam,
} from './schemas.ts';

// The field type is for the document; the refinement runs even when it fails, so every code is reported.
const editBody = z
  .object({
    message: z
      .string({ error: 'message_blank' })
      .openapi({ description: `The new text, 1..${MAX_MESSAGE_CHARS} characters`, example: 'Hello!' }),
  })
  .superRefine(
    (_value, ctx) => {
      const raw = ctx.value as { message?: unknown } | null;
      for (const code of messageTextCodes(raw?.message)) ctx.addIssue({ code: 'custom', message: code });
    },
    { when: () => true },
  )
  .openapi('EditMessage');

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, { error: 'idempotency_key_invalid' })
    .optional()
    .openapi({ description: 'A retry with the same key and text answers the same edit, never a second one' }),
});

const params = z.object({ message_group_uuid: groupUuidParam, message_uuid: messageUuidParam });

const refused = {
  403: {
    description: '`not_message_sender`: only its sender may change a message, and nobody a system message',
    content: { 'application/json': { schema: errorsSchema } },
  },
} as const;

const missing = {
  404: {
    description:
      '`message_group_not_found` (not yours) or `message_not_found` (no such message sent to you; messages from before message uuids were UUIDv7 cannot be found by uuid either)',
    content: { 'application/json': { schema: errorsSchema } },
  },
} as const;

/** Messages that change: their sender edits them (within the edit window) or deletes them for everyone. */
export function messageChangeRoutes({ messaging, guards }: RouteDeps) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/message_groups/{message_group_uuid}/messages/{message_uuid}',
      summary: 'Edits your own message, within MESSAGE_EDIT_WINDOW_MINUTES of sending it',
      description:
        'The message keeps its place and gets `edited_at`; the same rules as sending apply to the text. ' +
        'Every member sees `message.updated` on their event stream, and inbox previews follow.',
      security: bearer,
      middleware: [...guards.signedIn, guards.json],
      request: {
        params,
        headers: idempotencyHeader,
        body: { required: true, content: { 'application/json': { schema: editBody } } },
      },
      responses: {
        200: {
          description: 'The message as edited',
          content: { 'application/json': { schema: messageItemSchema } },
        },
        ...refused,
        ...missing,
        409: {
          description: '`message_deleted` (a tombstone cannot be edited), or `idempotency_key_reused`',
          content: { 'application/json': { schema: errorsSchema } },
        },
        415: { description: 'Not JSON', content: { 'application/json': { schema: errorsSchema } } },
        ...errorResponses,
        422: {
          description: '`edit_window_passed`, or invalid input: every code that applies',
          content: { 'application/json': { schema: errorsSchema } },
        },
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { message_group_uuid, message_uuid } = c.req.valid('param');
      const codes = messageTextCodes(c.req.valid('json').message);
      if (codes.length > 0) throw new AppError(codes);
      const edited = await messaging.editMessage({
        userUuid: caller.uuid,
        groupUuid: message_group_uuid.toLowerCase(),
        messageUuid: message_uuid.toLowerCase(),
        message: c.req.valid('json').message,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
      });
      return c.json(toMessageItem(edited), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/message_groups/{message_group_uuid}/messages/{message_uuid}',
      summary: 'Deletes your own message for everyone',
      description:
        'Its text is removed; a tombstone (`deleted: true`, `message: ""`) keeps its place in the thread. ' +
        'Inbox previews that showed it fall back to the message before it, and unread counts drop it. ' +
        'Deleting it again answers the same tombstone.',
      security: bearer,
      middleware: guards.signedIn,
      request: { params },
      responses: {
        200: {
          description: 'The tombstone',
          content: { 'application/json': { schema: messageItemSchema } },
        },
        ...refused,
        ...missing,
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { message_group_uuid, message_uuid } = c.req.valid('param');
      const deleted = await messaging.deleteMessage(
        caller.uuid,
        message_group_uuid.toLowerCase(),
        message_uuid.toLowerCase(),
      );
      return c.json(toMessageItem(deleted), 200);
    },
  );

  return router;
}
