import { createRoute, z } from '@hono/zod-openapi';
import { callerOf } from '../auth/middleware.ts';
import { toMessageGroupItem } from '../mapping.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import {
  bearer,
  cursorQuery,
  errorResponses,
  groupUuidParam,
  limitQuery,
  messageGroupItemSchema,
  nextCursorHeader,
  notFound,
} from './schemas.ts';

export function messageGroupRoutes({ messaging, guards }: RouteDeps) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/message_groups',
      summary: "The caller's conversations, newest first",
      security: bearer,
      middleware: guards.signedIn,
      request: { query: z.object({ limit: limitQuery, cursor: cursorQuery }) },
      responses: {
        200: {
          description: 'One page of conversations',
          headers: nextCursorHeader,
          content: { 'application/json': { schema: z.array(messageGroupItemSchema) } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { limit, cursor } = c.req.valid('query');
      const page = await messaging.listConversations(caller.uuid, { limit: limit ?? 20, cursor });
      if (page.next_cursor) c.header('X-Next-Cursor', page.next_cursor);
      return c.json(
        page.items.map((item) => toMessageGroupItem(item, caller)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/message_groups/{message_group_uuid}/read',
      summary: 'Marks the conversation read for the caller',
      security: bearer,
      middleware: guards.signedIn,
      request: { params: z.object({ message_group_uuid: groupUuidParam }) },
      responses: {
        200: {
          description: 'Read',
          content: {
            'application/json': {
              schema: z.object({ message_group_uuid: z.uuid(), unread_count: z.number().int() }),
            },
          },
        },
        ...notFound,
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { message_group_uuid } = c.req.valid('param');
      const result = await messaging.markRead(caller.uuid, message_group_uuid.toLowerCase());
      return c.json(result, 200);
    },
  );

  return router;
}
