import { AppError } from '@cruddur/http';
import { createRoute, z } from '@hono/zod-openapi';
import { callerOf } from '../auth/middleware.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import { bearer, errorResponses, errorsSchema, notFound, userShortSchema } from './schemas.ts';

const handleField = z
  .string({ error: 'handle_blank' })
  .regex(/^@?[A-Za-z0-9_]{1,32}$/, { error: 'handle_invalid' })
  .openapi({ description: 'The handle, with or without `@`', example: 'bayko' });

const blockStateSchema = userShortSchema
  .extend({ blocked: z.boolean().openapi({ description: 'Whether you now block them' }) })
  .openapi('BlockState');

const refused = {
  403: {
    description:
      '`recipient_unavailable` on a send, start or add the block refuses (the same answer as for anyone who does not accept messages)',
    content: { 'application/json': { schema: errorsSchema } },
  },
} as const;

/**
 * Blocking by handle. The block itself lives in messaging (on both users' relations items) and holds on every
 * replica from its commit: sends, starts and adds check it in their own transactions, never through a cache.
 */
export function blockRoutes({ users, messaging, guards }: RouteDeps) {
  const router = createGatewayRouter();

  const resolve = async (raw: string) => {
    const handle = raw.startsWith('@') ? raw.slice(1) : raw;
    const user = await users.byHandle(handle);
    if (!user) throw new AppError('user_not_found');
    return { uuid: user.uuid, handle: user.handle, display_name: user.display_name };
  };

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/blocks',
      summary: 'Everyone you block',
      security: bearer,
      middleware: guards.signedIn,
      responses: {
        200: {
          description: 'The users you block, by handle',
          content: { 'application/json': { schema: z.array(userShortSchema) } },
        },
        ...errorResponses,
      },
    }),
    async (c) => c.json((await messaging.listBlocks(callerOf(c).uuid)).items, 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/blocks',
      summary: 'Blocks a user by handle (blocking twice is the same as once)',
      description:
        'They can no longer message you directly, start a conversation or group with you, or add you to a group; you cannot message them directly either. In groups you share, their messages are hidden from you. They are not told.',
      security: bearer,
      middleware: [...guards.signedIn, guards.json],
      request: {
        body: {
          required: true,
          content: { 'application/json': { schema: z.object({ handle: handleField }).openapi('NewBlock') } },
        },
      },
      responses: {
        200: { description: 'Blocked', content: { 'application/json': { schema: blockStateSchema } } },
        ...notFound,
        ...refused,
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const target = await resolve(c.req.valid('json').handle);
      if (target.uuid === caller.uuid) throw new AppError('cannot_block_self');
      return c.json(await messaging.setBlock(caller.uuid, target, true), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/blocks/{handle}',
      summary: 'Unblocks a user by handle (unblocking twice is the same as once)',
      security: bearer,
      middleware: guards.signedIn,
      request: { params: z.object({ handle: handleField }) },
      responses: {
        200: { description: 'Not blocked', content: { 'application/json': { schema: blockStateSchema } } },
        ...notFound,
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const target = await resolve(c.req.valid('param').handle);
      if (target.uuid === caller.uuid) throw new AppError('cannot_block_self');
      return c.json(await messaging.setBlock(caller.uuid, target, false), 200);
    },
  );

  return router;
}
