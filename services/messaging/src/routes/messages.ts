import { createRouter, validationHook } from '@cruddur/http';
import { actingUser, type ServiceAuthEnv } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type { Messaging } from '../domain/messaging.ts';
import {
  credentialErrors,
  cursorField,
  errorResponse,
  idempotencyKeyField,
  jsonResponse,
  limitField,
  Message,
  messageField,
  pathUuid,
  Receipt,
  uuidParam,
} from './schemas.ts';

const GROUP = { group_uuid: 'message_group_uuid_invalid' } as const;

const listMessages = createRoute({
  method: 'get',
  path: '/internal/conversations/{group_uuid}/messages',
  summary: "A page of a conversation's messages, for the acting user if they are a member",
  description: 'The newest page first, each page oldest to newest; `before` is the previous next_cursor.',
  request: {
    params: z.object({ group_uuid: pathUuid('group_uuid') }),
    query: z.object({ limit: limitField, before: cursorField }),
  },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(Message), next_cursor: z.string().nullable(), receipts: z.array(Receipt) }),
      'One page, and the read positions of the other members that the acting user may see',
    ),
    404: errorResponse('message_group_not_found: no such group, or the user is not a member'),
    422: errorResponse('Invalid uuid, limit or cursor'),
    ...credentialErrors,
  },
});

const createMessage = createRoute({
  method: 'post',
  path: '/internal/conversations/{group_uuid}/messages',
  summary: 'Adds a message from the acting user to an existing conversation (members only)',
  request: {
    params: z.object({ group_uuid: pathUuid('group_uuid') }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ message: messageField, idempotency_key: idempotencyKeyField }),
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
    ...credentialErrors,
  },
});

export function messageRoutes(messaging: Messaging) {
  const app = createRouter<ServiceAuthEnv>();

  app.openapi(
    listMessages,
    async (c) => {
      const group = uuidParam(c.req.valid('param').group_uuid, 'message_group_uuid_invalid');
      const { limit, before } = c.req.valid('query');
      return c.json(await messaging.listMessages(group, actingUser(c), limit, before), 200);
    },
    validationHook(GROUP),
  );

  app.openapi(
    createMessage,
    async (c) => {
      const group = uuidParam(c.req.valid('param').group_uuid, 'message_group_uuid_invalid');
      const body = c.req.valid('json');
      const result = await messaging.createMessage({
        groupUuid: group,
        userUuid: actingUser(c),
        text: body.message,
        idempotencyKey: body.idempotency_key,
      });
      return c.json(result.message, result.replayed ? 200 : 201);
    },
    validationHook(GROUP),
  );

  return app;
}
