import { AppError, createRouter } from '@cruddur/http';
import { createRoute, z } from '@hono/zod-openapi';
import type pg from 'pg';
import { findUserByCognitoId, findUserByHandle, findUsersByUuids } from '../data/users.ts';
import { errorBodySchema, HANDLE_PATTERN, lookupBody, userSchema, userShortSchema } from '../schemas.ts';

const notFound = {
  description: 'No such user',
  content: { 'application/json': { schema: errorBodySchema } },
};
const invalid = {
  description: 'Invalid input',
  content: { 'application/json': { schema: errorBodySchema } },
};

const byCognito = createRoute({
  method: 'get',
  path: '/internal/users/by-cognito/{sub}',
  summary: 'The user a Cognito sub belongs to (identity resolution on every authenticated request)',
  request: { params: z.object({ sub: z.string().openapi({ param: { name: 'sub', in: 'path' } }) }) },
  responses: {
    200: { description: 'The user', content: { 'application/json': { schema: userSchema } } },
    404: notFound,
  },
});

const byHandle = createRoute({
  method: 'get',
  path: '/internal/users/by-handle/{handle}',
  summary: 'Short profile by handle, case-insensitive',
  description: 'A handle no user can have (wrong characters, too long) is unknown: 404, not 422.',
  request: { params: z.object({ handle: z.string().openapi({ param: { name: 'handle', in: 'path' } }) }) },
  responses: {
    200: { description: 'The short profile', content: { 'application/json': { schema: userShortSchema } } },
    404: notFound,
  },
});

const lookup = createRoute({
  method: 'post',
  path: '/internal/users/lookup',
  summary: 'Short profiles of up to 100 users by uuid; unknown uuids are absent',
  request: { body: { required: true, content: { 'application/json': { schema: lookupBody } } } },
  responses: {
    200: {
      description: 'The users found, in the order asked for',
      content: { 'application/json': { schema: z.object({ users: z.array(userShortSchema) }) } },
    },
    422: invalid,
  },
});

/** Read-only identity look-ups used by the gateway on every request and by the messaging service. */
export function identityRoutes({ pool }: { pool: pg.Pool }) {
  return createRouter()
    .openapi(byCognito, async (c) => {
      const user = await findUserByCognitoId(pool, c.req.valid('param').sub);
      if (!user) throw new AppError('user_not_found');
      return c.json(user, 200);
    })
    .openapi(byHandle, async (c) => {
      const { handle } = c.req.valid('param');
      const user = HANDLE_PATTERN.test(handle) ? await findUserByHandle(pool, handle) : undefined;
      if (!user) throw new AppError('user_not_found');
      return c.json({ uuid: user.uuid, handle: user.handle, display_name: user.display_name }, 200);
    })
    .openapi(lookup, async (c) => {
      const users = await findUsersByUuids(pool, c.req.valid('json').uuids);
      return c.json({ users }, 200);
    });
}
