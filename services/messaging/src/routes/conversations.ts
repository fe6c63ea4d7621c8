import { type AppEnv, AppError } from '@cruddur/http';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Messaging } from '../domain/messaging.ts';
import { checkMessage } from '../validation.ts';
import {
  Conversation,
  cursorField,
  errorResponse,
  idempotencyKeyField,
  jsonResponse,
  limitField,
  Message,
  messageField,
  pathUuid,
  uuidField,
  uuidParam,
  validationHook,
} from './schemas.ts';

const listConversations = createRoute({
  method: 'get',
  path: '/internal/users/{user_uuid}/conversations',
  summary: "A page of a user's conversations, newest activity first",
  request: {
    params: z.object({ user_uuid: pathUuid('user_uuid') }),
    query: z.object({ limit: limitField, cursor: cursorField }),
  },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(Conversation), next_cursor: z.string().nullable() }),
      'One page; next_cursor is null on the last one',
    ),
    422: errorResponse('uuid_invalid, limit_invalid, cursor_invalid'),
  },
});

const startConversation = createRoute({
  method: 'post',
  path: '/internal/conversations',
  summary: 'Starts the one conversation between two users, or adds the message to it if it exists',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            user_uuid: uuidField('uuid_invalid'),
            recipient_uuid: uuidField('uuid_invalid'),
            message: messageField,
            idempotency_key: idempotencyKeyField,
            // The caller's authoritative read of the recipient (the gateway asks the users service), so a
            // user registered a moment ago can be written to before their profile event reaches the replica.
            recipient: z
              .object({ handle: z.string().min(1).max(64), display_name: z.string().min(1).max(128) })
              .optional(),
          }),
        },
      },
    },
  },
  responses: {
    201: jsonResponse(z.object({ created: z.literal(true), message: Message }), 'A new conversation'),
    200: jsonResponse(
      z.object({ created: z.boolean(), message: Message }),
      'The pair already had a conversation (created: false), or an idempotent retry',
    ),
    404: errorResponse('user_not_found: the recipient is not in the profile replica'),
    409: errorResponse('idempotency_key_reused, or conflict (retryable)'),
    422: errorResponse('Every input code that applies, including cannot_message_self'),
  },
});

const markRead = createRoute({
  method: 'post',
  path: '/internal/conversations/{group_uuid}/read',
  summary: "Marks the conversation read up to its last message, for the caller's inbox only",
  request: {
    params: z.object({ group_uuid: pathUuid('group_uuid') }),
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ user_uuid: uuidField('uuid_invalid') }) } },
    },
  },
  responses: {
    200: jsonResponse(
      z.object({ message_group_uuid: z.string(), unread_count: z.literal(0) }),
      'Marked read',
    ),
    404: errorResponse('message_group_not_found'),
    422: errorResponse('Invalid uuids'),
  },
});

export function conversationRoutes(messaging: Messaging) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    listConversations,
    async (c) => {
      const user = uuidParam(c.req.valid('param').user_uuid, 'uuid_invalid');
      const { limit, cursor } = c.req.valid('query');
      return c.json(await messaging.listConversations(user, limit, cursor), 200);
    },
    validationHook({ user_uuid: 'uuid_invalid' }),
  );

  app.openapi(
    startConversation,
    async (c) => {
      const body = c.req.valid('json');
      const user = body.user_uuid.toLowerCase();
      const recipient = body.recipient_uuid.toLowerCase();
      const text = checkMessage(body.message);
      if (!text.ok) throw new AppError(text.codes);
      const result = await messaging.startConversation({
        userUuid: user,
        recipientUuid: recipient,
        recipientProfile: body.recipient,
        text: text.text,
        idempotencyKey: body.idempotency_key,
      });
      const payload = { created: result.created, message: result.message };
      return result.created && !result.replayed
        ? c.json({ created: true as const, message: result.message }, 201)
        : c.json(payload, 200);
    },
    validationHook({}, (raw) =>
      typeof raw.user_uuid === 'string' &&
      typeof raw.recipient_uuid === 'string' &&
      raw.user_uuid.toLowerCase() === raw.recipient_uuid.toLowerCase()
        ? ['cannot_message_self']
        : [],
    ),
  );

  app.openapi(
    markRead,
    async (c) => {
      const group = uuidParam(c.req.valid('param').group_uuid, 'message_group_uuid_invalid');
      const { user_uuid } = c.req.valid('json');
      return c.json(await messaging.markRead(user_uuid.toLowerCase(), group), 200);
    },
    validationHook({ group_uuid: 'message_group_uuid_invalid' }),
  );

  return app;
}
