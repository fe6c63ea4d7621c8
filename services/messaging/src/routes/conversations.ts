import { createRouter, validationHook } from '@cruddur/http';
import { actingUser, type ServiceAuthEnv } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type { Messaging } from '../domain/messaging.ts';
import {
  Conversation,
  credentialErrors,
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
} from './schemas.ts';

const listConversations = createRoute({
  method: 'get',
  path: '/internal/conversations',
  summary: "A page of the acting user's conversations, newest activity first",
  request: { query: z.object({ limit: limitField, cursor: cursorField }) },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(Conversation), next_cursor: z.string().nullable() }),
      'One page; next_cursor is null on the last one',
    ),
    422: errorResponse('limit_invalid, cursor_invalid'),
    ...credentialErrors,
  },
});

const startConversation = createRoute({
  method: 'post',
  path: '/internal/conversations',
  summary: 'Starts the one conversation between the acting user and another, or adds the message to it',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            recipient_uuid: uuidField('uuid_invalid'),
            message: messageField,
            idempotency_key: idempotencyKeyField,
            // The gateway's authoritative read of the recipient (it asks the users service), so a user
            // registered a moment ago can be written to before their profile event reaches the replica.
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
    ...credentialErrors,
  },
});

const markRead = createRoute({
  method: 'post',
  path: '/internal/conversations/{group_uuid}/read',
  summary: "Marks the conversation read up to its last message, for the acting user's inbox only",
  request: { params: z.object({ group_uuid: pathUuid('group_uuid') }) },
  responses: {
    200: jsonResponse(
      z.object({ message_group_uuid: z.string(), unread_count: z.literal(0) }),
      'Marked read',
    ),
    404: errorResponse('message_group_not_found'),
    422: errorResponse('message_group_uuid_invalid'),
    ...credentialErrors,
  },
});

export function conversationRoutes(messaging: Messaging) {
  const app = createRouter<ServiceAuthEnv>();

  app.openapi(listConversations, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    return c.json(await messaging.listConversations(actingUser(c), limit, cursor), 200);
  });

  app.openapi(
    startConversation,
    async (c) => {
      const body = c.req.valid('json');
      const result = await messaging.startConversation({
        userUuid: actingUser(c),
        recipientUuid: body.recipient_uuid.toLowerCase(),
        recipientProfile: body.recipient,
        text: body.message,
        idempotencyKey: body.idempotency_key,
      });
      const payload = { created: result.created, message: result.message };
      return result.created && !result.replayed
        ? c.json({ created: true as const, message: result.message }, 201)
        : c.json(payload, 200);
    },
    // Messaging oneself is reported with the other input codes, not after them.
    validationHook({}, (c, raw) =>
      typeof raw.recipient_uuid === 'string' &&
      raw.recipient_uuid.toLowerCase() === c.get('principal')?.userUuid
        ? ['cannot_message_self']
        : [],
    ),
  );

  app.openapi(
    markRead,
    async (c) => {
      const group = uuidParam(c.req.valid('param').group_uuid, 'message_group_uuid_invalid');
      return c.json(await messaging.markRead(actingUser(c), group), 200);
    },
    validationHook({ group_uuid: 'message_group_uuid_invalid' }),
  );

  return app;
}
