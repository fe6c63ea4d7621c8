import { AppError } from '@cruddur/http';
import { createRoute, z } from '@hono/zod-openapi';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import { errorResponses, notFound, userShortSchema } from './schemas.ts';

export function userRoutes({ users, guards }: RouteDeps) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'get',
      // Hono matches whole path segments only, so the reference's `@` is part of the parameter.
      path: '/api/users/{handle}/short',
      summary: "A user's short profile, for the new-conversation page",
      description: 'Public, like the reference: its frontend calls it without a token.',
      middleware: guards.optional,
      request: {
        params: z.object({
          handle: z
            .string()
            .regex(/^@[A-Za-z0-9_]{1,32}$/, { error: 'handle_invalid' })
            .openapi({ description: '`@` followed by the handle', example: '@bayko' }),
        }),
      },
      responses: {
        200: { description: 'The user', content: { 'application/json': { schema: userShortSchema } } },
        ...notFound,
        ...errorResponses,
      },
    }),
    async (c) => {
      const handle = c.req.valid('param').handle.slice(1);
      const user = await users.byHandle(handle);
      if (!user) throw new AppError('user_not_found');
      return c.json({ uuid: user.uuid, handle: user.handle, display_name: user.display_name }, 200);
    },
  );

  return router;
}
