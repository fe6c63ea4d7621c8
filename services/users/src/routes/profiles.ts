import { AppError, createRouter } from '@cruddur/http';
import { createRoute, z } from '@hono/zod-openapi';
import type pg from 'pg';
import { errorBodySchema, registerUserBody, updateProfileBody, userSchema } from '../schemas.ts';
import { registerUser, updateProfile } from '../users.ts';

const errors = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBodySchema } },
});

const register = createRoute({
  method: 'post',
  path: '/internal/users',
  summary: 'Register a user after Cognito confirmed them (the reference post-confirmation step)',
  request: { body: { required: true, content: { 'application/json': { schema: registerUserBody } } } },
  responses: {
    201: { description: 'Registered', content: { 'application/json': { schema: userSchema } } },
    200: {
      description: 'Already registered with this same sub, handle and email (a retried registration)',
      content: { 'application/json': { schema: userSchema } },
    },
    409: errors('handle_taken, email_taken and/or cognito_user_id_taken: every one that applies'),
    422: errors('Invalid input, every code that applies'),
  },
});

const patchProfile = createRoute({
  method: 'patch',
  path: '/internal/users/{uuid}',
  summary: 'Change display name and/or bio; the version grows by one only when something changed',
  request: {
    params: z.object({
      uuid: z.uuid({ error: 'uuid_invalid' }).openapi({ param: { name: 'uuid', in: 'path' } }),
    }),
    body: { required: true, content: { 'application/json': { schema: updateProfileBody } } },
  },
  responses: {
    200: { description: 'The user as it is now', content: { 'application/json': { schema: userSchema } } },
    404: errors('user_not_found'),
    422: errors('Invalid input, every code that applies'),
  },
});

/** Writes: each one commits its user event to the outbox in the same transaction. */
export function profileRoutes({ pool }: { pool: pg.Pool }) {
  return createRouter()
    .openapi(register, async (c) => {
      const result = await registerUser(pool, c.req.valid('json'));
      if (!result.ok) throw new AppError(result.conflicts);
      return c.json(result.user, result.created ? 201 : 200);
    })
    .openapi(patchProfile, async (c) => {
      const result = await updateProfile(pool, c.req.valid('param').uuid, c.req.valid('json'));
      if (!result.ok) throw new AppError('user_not_found');
      return c.json(result.user, 200);
    });
}
