import { AppError } from '@cruddur/http';
import { createRoute, z } from '@hono/zod-openapi';
import { callerOf } from '../auth/middleware.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import { bearer, errorResponses } from './schemas.ts';

/** The caller's own account. */
export function accountRoutes({ users, guards, revokeUser }: RouteDeps) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/me',
      summary: 'Deletes your account',
      description:
        'Your profile and email are deleted at once and your access ends (this and every other session, on every replica, and your event streams). Then, through the outbox: your messages lose their text and show "Deleted user" as sender, you leave every group, and your conversation list is removed.',
      security: bearer,
      middleware: guards.signedIn,
      responses: {
        200: {
          description: 'Deleted',
          content: {
            'application/json': {
              schema: z.object({ uuid: z.string(), deleted: z.literal(true) }).openapi('DeletedAccount'),
            },
          },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const deleted = await users.deleteUser(caller.uuid);
      // Here at once; the other replicas when the stream consumer announces it.
      revokeUser(caller.uuid);
      if (!deleted) throw new AppError('unauthorized');
      return c.json({ uuid: caller.uuid, deleted: true as const }, 200);
    },
  );

  return router;
}
