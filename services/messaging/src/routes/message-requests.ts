import { WHO_CAN_MESSAGE } from '@cruddur/ddb';
import { createRouter, validationHook } from '@cruddur/http';
import { actingUser, type ServiceAuthEnv } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type { MessageRequests } from '../domain/message-requests.ts';
import {
  Conversation,
  credentialErrors,
  cursorField,
  errorResponse,
  jsonResponse,
  limitField,
  pathUuid,
  uuidParam,
} from './schemas.ts';

const GROUP = { group_uuid: 'message_group_uuid_invalid' } as const;
const groupParams = z.object({ group_uuid: pathUuid('group_uuid') });
/** The answer's flag for each decision. */
const DONE = { accept: 'accepted', decline: 'declined' } as const;
const Settings = z.object({ who_can_message: z.enum(WHO_CAN_MESSAGE) }).openapi('MessageSettings');

const listRequests = createRoute({
  method: 'get',
  path: '/internal/message_requests',
  summary: "A page of the acting user's message requests, newest first",
  request: { query: z.object({ limit: limitField, cursor: cursorField }) },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(Conversation), next_cursor: z.string().nullable() }),
      'One page',
    ),
    422: errorResponse('limit_invalid, cursor_invalid'),
    ...credentialErrors,
  },
});

const decide = (action: 'accept' | 'decline') =>
  createRoute({
    method: 'post',
    path: `/internal/message_requests/{group_uuid}/${action}`,
    summary:
      action === 'accept'
        ? 'Accepts a message request'
        : 'Declines a message request (the sender is not told)',
    request: { params: groupParams },
    responses: {
      200: jsonResponse(
        z.object({ message_group_uuid: z.string(), [DONE[action]]: z.literal(true) }),
        action === 'accept' ? 'Accepted: it joins the conversation list' : 'Declined',
      ),
      404: errorResponse('message_group_not_found: no such pending request of the acting user'),
      422: errorResponse('message_group_uuid_invalid'),
      ...credentialErrors,
    },
  });

const getSettings = createRoute({
  method: 'get',
  path: '/internal/me/message_settings',
  summary: 'Who may start a conversation with the acting user',
  responses: { 200: jsonResponse(Settings, 'The setting'), ...credentialErrors },
});

const putSettings = createRoute({
  method: 'put',
  path: '/internal/me/message_settings',
  summary: 'Sets who may start a conversation with the acting user',
  request: { body: { required: true, content: { 'application/json': { schema: Settings } } } },
  responses: {
    200: jsonResponse(Settings, 'As stored'),
    422: errorResponse('body_invalid'),
    ...credentialErrors,
  },
});

export function messageRequestRoutes(requests: MessageRequests) {
  const app = createRouter<ServiceAuthEnv>();
  app.openapi(listRequests, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    return c.json(await requests.list(actingUser(c), limit, cursor), 200);
  });
  app.openapi(
    decide('accept'),
    async (c) => {
      const group = uuidParam(c.req.valid('param').group_uuid, 'message_group_uuid_invalid');
      return c.json(await requests.accept(actingUser(c), group), 200);
    },
    validationHook(GROUP),
  );
  app.openapi(
    decide('decline'),
    async (c) => {
      const group = uuidParam(c.req.valid('param').group_uuid, 'message_group_uuid_invalid');
      return c.json(await requests.decline(actingUser(c), group), 200);
    },
    validationHook(GROUP),
  );
  app.openapi(getSettings, async (c) => c.json(await requests.settings(actingUser(c)), 200));
  app.openapi(putSettings, async (c) =>
    c.json(await requests.setWhoCanMessage(actingUser(c), c.req.valid('json').who_can_message), 200),
  );
  return app;
}
