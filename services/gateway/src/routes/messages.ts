import { AppError } from '@cruddur/http';
import { createRoute, z } from '@hono/zod-openapi';
import { callerOf } from '../auth/middleware.ts';
import { toMessageItem, toThreadItems } from '../mapping.ts';
import { checkNewMessage, IDEMPOTENCY_KEY_PATTERN, MAX_MESSAGE_CHARS } from '../validation.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import {
  bearer,
  cursorQuery,
  errorResponses,
  errorsSchema,
  groupUuidParam,
  limitQuery,
  messageItemSchema,
  nextCursorHeader,
  notFound,
} from './schemas.ts';

// Field types are for the document; the refinement runs even when they fail, so every code is reported.
const newMessageBody = z
  .object({
    message: z
      .string({ error: 'message_blank' })
      .openapi({ description: `1..${MAX_MESSAGE_CHARS} characters`, example: 'Hello!' }),
    message_group_uuid: z
      .string({ error: 'message_group_uuid_invalid' })
      .nullish()
      .openapi({ description: 'An existing conversation of the caller (or give `handle`)', format: 'uuid' }),
    handle: z.string({ error: 'handle_invalid' }).nullish().openapi({
      description: 'Start, or reuse, the conversation with this user (or give `message_group_uuid`)',
    }),
  })
  .superRefine(
    (_value, ctx) => {
      const check = checkNewMessage(ctx.value);
      if (!check.ok) for (const code of check.codes) ctx.addIssue({ code: 'custom', message: code });
    },
    { when: () => true },
  )
  .openapi('NewMessage');

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, { error: 'idempotency_key_invalid' })
    .optional()
    .openapi({ description: 'A retry with the same key returns the same message, never a second one' }),
});

export function messageRoutes({ users, messaging, guards }: RouteDeps) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/messages/{message_group_uuid}',
      summary: 'A page of a conversation, oldest to newest (the newest page first)',
      security: bearer,
      middleware: guards.signedIn,
      request: {
        params: z.object({ message_group_uuid: groupUuidParam }),
        query: z.object({ limit: limitQuery, before: cursorQuery }),
      },
      responses: {
        200: {
          description: 'Messages',
          headers: nextCursorHeader,
          content: { 'application/json': { schema: z.array(messageItemSchema) } },
        },
        ...notFound,
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { message_group_uuid } = c.req.valid('param');
      const { limit, before } = c.req.valid('query');
      const page = await messaging.listMessages(caller.uuid, message_group_uuid.toLowerCase(), {
        limit: limit ?? 20,
        cursor: before,
      });
      if (page.next_cursor) c.header('X-Next-Cursor', page.next_cursor);
      return c.json(toThreadItems(page.items, page.receipts), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/messages',
      summary: 'Sends a message to an existing conversation, or to a user by handle',
      description:
        'Answers 200 (not 201) because the reference frontend treats any other status as a failure.',
      security: bearer,
      middleware: [...guards.signedIn, guards.json],
      request: {
        headers: idempotencyHeader,
        body: { required: true, content: { 'application/json': { schema: newMessageBody } } },
      },
      responses: {
        200: {
          description: 'The message as stored',
          content: {
            'application/json': {
              schema: messageItemSchema.extend({
                created: z.boolean().openapi({ description: 'A new conversation was started' }),
              }),
            },
          },
        },
        ...notFound,
        409: {
          description: 'Idempotency key reused',
          content: { 'application/json': { schema: errorsSchema } },
        },
        415: { description: 'Not JSON', content: { 'application/json': { schema: errorsSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const check = checkNewMessage(c.req.valid('json'));
      if (!check.ok) throw new AppError(check.codes);
      const idempotencyKey = c.req.valid('header')['idempotency-key'];
      const { target, message } = check;

      if (target.kind === 'group') {
        const sent = await messaging.postMessage({
          userUuid: caller.uuid,
          groupUuid: target.messageGroupUuid,
          message,
          idempotencyKey,
        });
        return c.json({ ...toMessageItem(sent), created: false }, 200);
      }

      const recipient = await users.byHandle(target.handle);
      if (!recipient) throw new AppError('user_not_found');
      if (recipient.uuid === caller.uuid) throw new AppError('cannot_message_self');
      const started = await messaging.startConversation({
        userUuid: caller.uuid,
        recipientUuid: recipient.uuid,
        recipient: { handle: recipient.handle, display_name: recipient.display_name },
        message,
        idempotencyKey,
      });
      return c.json({ ...toMessageItem(started.message), created: started.created }, 200);
    },
  );

  return router;
}
