import { createRoute, z } from '@hono/zod-openapi';
import { callerOf } from '../auth/middleware.ts';
import { toMessageGroupItem } from '../mapping.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import {
  bearer,
  cursorQuery,
  errorResponses,
  errorsSchema,
  groupUuidParam,
  limitQuery,
  messageGroupItemSchema,
  nextCursorHeader,
  notFound,
} from './schemas.ts';

/** The answer's flag for each decision. */
const DONE = { accept: 'accepted', decline: 'declined' } as const;

const settingsSchema = z
  .object({
    who_can_message: z.enum(['everyone', 'conversations'], { error: 'body_invalid' }).openapi({
      description:
        "`everyone` (the default), or `conversations`: only people you already have a conversation with; anyone else's first message is a request",
    }),
  })
  .openapi('MessageSettings');

/** Message requests: first messages from people you have no conversation with, when you take messages only from those. */
export function messageRequestRoutes({ messaging, guards }: RouteDeps) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/message_requests',
      summary: 'Your message requests, newest first (not in /api/message_groups, never pushed)',
      security: bearer,
      middleware: guards.signedIn,
      request: { query: z.object({ limit: limitQuery, cursor: cursorQuery }) },
      responses: {
        200: {
          description: 'One page of requests, shaped like the conversation list',
          headers: nextCursorHeader,
          content: { 'application/json': { schema: z.array(messageGroupItemSchema) } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { limit, cursor } = c.req.valid('query');
      const page = await messaging.listRequests(caller.uuid, { limit: limit ?? 20, cursor });
      if (page.next_cursor) c.header('X-Next-Cursor', page.next_cursor);
      return c.json(
        page.items.map((item) => toMessageGroupItem(item, caller)),
        200,
      );
    },
  );

  for (const action of ['accept', 'decline'] as const) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `/api/message_requests/{message_group_uuid}/${action}`,
        summary:
          action === 'accept'
            ? 'Accepts a request: the conversation joins your list'
            : 'Declines a request: it goes, the sender is not told, and their further messages are refused',
        security: bearer,
        middleware: guards.signedIn,
        request: { params: z.object({ message_group_uuid: groupUuidParam }) },
        responses: {
          200: {
            description: action === 'accept' ? 'Accepted' : 'Declined',
            content: {
              'application/json': {
                schema: z.object({ message_group_uuid: z.uuid(), [DONE[action]]: z.literal(true) }),
              },
            },
          },
          ...notFound,
          ...errorResponses,
        },
      }),
      async (c) => {
        const group = c.req.valid('param').message_group_uuid.toLowerCase();
        await messaging.decideRequest(callerOf(c).uuid, group, action);
        return c.json({ message_group_uuid: group, [DONE[action]]: true as const }, 200);
      },
    );
  }

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/me/message_settings',
      summary: 'Who may start a conversation with you',
      security: bearer,
      middleware: guards.signedIn,
      responses: {
        200: { description: 'The setting', content: { 'application/json': { schema: settingsSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => c.json(await messaging.getMessageSettings(callerOf(c).uuid), 200),
  );

  router.openapi(
    createRoute({
      method: 'put',
      path: '/api/me/message_settings',
      summary: 'Sets who may start a conversation with you (at once, on every replica)',
      security: bearer,
      middleware: [...guards.signedIn, guards.json],
      request: { body: { required: true, content: { 'application/json': { schema: settingsSchema } } } },
      responses: {
        200: { description: 'As stored', content: { 'application/json': { schema: settingsSchema } } },
        415: { description: 'Not JSON', content: { 'application/json': { schema: errorsSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => c.json(await messaging.putMessageSettings(callerOf(c).uuid, c.req.valid('json')), 200),
  );

  return router;
}
