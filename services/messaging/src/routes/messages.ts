import { type AppEnv, AppError } from '@cruddur/http';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Messaging } from '../domain/messaging.ts';
import { checkMessage } from '../validation.ts';
import {
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

const GROUP = { group_uuid: 'message_group_uuid_invalid' } as const;

const listMessages = createRoute({
  method: 'get',
  path: '/internal/conversations/{group_uuid}/messages',
  summary: "A page of a conversation's messages for one of its members",
  description: 'The newest page first, each page oldest to newest; `before` is the previous next_cursor.',
  request: {
    params: z.object({ group_uuid: pathUuid('group_uuid') }),
    query: z.object({ user_uuid: uuidField('uuid_invalid'), limit: limitField, before: cursorField }),
  },
  responses: {
    200: jsonResponse(z.object({ items: z.array(Message), next_cursor: z.string().nullable() }), 'One page'),
    404: errorResponse('message_group_not_found: no such group, or the user is not a member'),
    422: errorResponse('Invalid uuid, limit or cursor'),
  },
});

const createMessage = createRoute({
  method: 'post',
  path: '/internal/conversations/{group_uuid}/messages',
  summary: 'Adds a message to an existing conversation (members only)',
  request: {
    params: z.object({ group_uuid: pathUuid('group_uuid') }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            user_uuid: uuidField('uuid_invalid'),
            message: messageField,
            idempotency_key: idempotencyKeyField,
          }),
        },
      },
    },
  },
  responses: {
    201: jsonResponse(Message, 'Created'),
    200: jsonResponse(Message, 'An idempotent retry: the message the first request created'),
    404: errorResponse('message_group_not_found'),
    409: errorResponse('idempotency_key_reused, or conflict (retryable)'),
    422: errorResponse('Every input code that applies'),
  },
});

export function messageRoutes(messaging: Messaging) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    listMessages,
    async (c) => {
      const group = uuidParam(c.req.valid('param').group_uuid, 'message_group_uuid_invalid');
      const { user_uuid, limit, before } = c.req.valid('query');
      const page = await messaging.listMessages(group, user_uuid.toLowerCase(), limit, before);
      return c.json(page, 200);
    },
    validationHook(GROUP),
  );

  app.openapi(
    createMessage,
    async (c) => {
      const group = uuidParam(c.req.valid('param').group_uuid, 'message_group_uuid_invalid');
      const body = c.req.valid('json');
      const text = checkMessage(body.message);
      if (!text.ok) throw new AppError(text.codes);
      const result = await messaging.createMessage({
        groupUuid: group,
        userUuid: body.user_uuid.toLowerCase(),
        text: text.text,
        idempotencyKey: body.idempotency_key,
      });
      return c.json(result.message, result.replayed ? 200 : 201);
    },
    validationHook(GROUP),
  );

  return app;
}
