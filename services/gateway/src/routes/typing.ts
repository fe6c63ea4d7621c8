import { createRoute, z } from '@hono/zod-openapi';
import { callerOf } from '../auth/middleware.ts';
import type { TypingService } from '../events/typing.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import { bearer, errorResponses, groupUuidParam, notFound } from './schemas.ts';

const typingResult = z
  .object({
    typing: z.boolean(),
    until: z.string().openapi({ description: 'When the indicator ends by itself (now, for a stop)' }),
    pushed: z.boolean().openapi({ description: 'False when coalesced with one pushed a moment ago' }),
  })
  .openapi('TypingResult');

export function typingRoutes({ guards }: RouteDeps, typing: TypingService) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/message_groups/{message_group_uuid}/typing',
      summary: 'Tells the other members the caller is typing (or stopped)',
      description:
        "Pushes a `typing` event to the other members' streams; nothing is stored. A start lasts a few seconds " +
        '(`until`); call again while typing to renew it, and with `{"typing": false}` to end it early. Calls closer ' +
        'than TYPING_COALESCE_MS are answered without a second push. Not a member: 404.',
      security: bearer,
      middleware: guards.signedIn,
      request: {
        params: z.object({ message_group_uuid: groupUuidParam }),
        body: {
          required: false,
          content: { 'application/json': { schema: z.object({ typing: z.boolean().default(true) }) } },
        },
      },
      responses: {
        202: {
          description: 'Pushed, or coalesced',
          content: { 'application/json': { schema: typingResult } },
        },
        ...notFound,
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { message_group_uuid } = c.req.valid('param');
      // No body (or no JSON content type) is a start: the common call, made on keystrokes.
      const body = c.req.valid('json') as { typing?: boolean } | undefined;
      const result = await typing.signal(
        caller.uuid,
        message_group_uuid.toLowerCase(),
        body?.typing !== false,
      );
      return c.json(result, 202);
    },
  );

  return router;
}
