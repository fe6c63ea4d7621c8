import { AppError, createRouter, rejectInvalidUtf8 } from '@cruddur/http';
import { requireServiceCredential, type ServiceAuthEnv, type ServiceVerifier } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type pg from 'pg';
import { errorBodySchema, registerUserBody, updateProfileBody, userSchema } from '../schemas.ts';
import { deleteUser, registerUser, updateProfile } from '../users.ts';

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
    401: errors('service_credential_*'),
    403: errors('service_caller_forbidden: registration is for operators (ops) only'),
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
    401: errors('service_credential_*'),
    403: errors('forbidden: an assertion for another user; service_caller_forbidden'),
  },
});

const removeUser = createRoute({
  method: 'delete',
  path: '/internal/users/{uuid}',
  summary:
    "Delete a user's account: profile, email and sub; the rest of the system follows by `user.deleted`",
  request: {
    params: z.object({
      uuid: z.uuid({ error: 'uuid_invalid' }).openapi({ param: { name: 'uuid', in: 'path' } }),
    }),
  },
  responses: {
    200: {
      description: 'Deleted',
      content: { 'application/json': { schema: z.object({ uuid: z.string(), deleted: z.literal(true) }) } },
    },
    404: errors('user_not_found (also when already deleted)'),
    422: errors('uuid_invalid'),
    401: errors('service_credential_*'),
    403: errors('forbidden: an assertion for another user; service_caller_forbidden'),
  },
});

/**
 * Writes: each one commits its user event to the outbox in the same transaction. Registration is an
 * operator's call (the sign-up hook, scripts); a profile change acts for a user, who may change only
 * their own profile, or is an operator's.
 */
export function profileRoutes({ pool, verifier }: { pool: pg.Pool; verifier: ServiceVerifier }) {
  const router = createRouter<ServiceAuthEnv>();
  router.on(
    'POST',
    '/internal/users',
    requireServiceCredential(verifier, { callers: ['ops'], user: 'none' }),
  );
  router.on(
    'PATCH',
    '/internal/users/:uuid',
    requireServiceCredential(verifier, { callers: ['gateway', 'ops'], user: 'any' }),
  );
  router.on(
    'DELETE',
    '/internal/users/:uuid',
    requireServiceCredential(verifier, { callers: ['gateway', 'ops'], user: 'any' }),
  );
  router.use('/internal/users/*', rejectInvalidUtf8());
  router.use('/internal/users', rejectInvalidUtf8());
  return router
    .openapi(register, async (c) => {
      const result = await registerUser(pool, c.req.valid('json'));
      if (!result.ok) throw new AppError(result.conflicts);
      return c.json(result.user, result.created ? 201 : 200);
    })
    .openapi(patchProfile, async (c) => {
      const { uuid } = c.req.valid('param');
      // Only an operator may change someone's profile without acting as them; the gateway always acts for a user.
      const { caller, userUuid } = c.get('principal');
      if (userUuid !== undefined ? userUuid !== uuid.toLowerCase() : caller !== 'ops') {
        throw new AppError('forbidden');
      }
      const result = await updateProfile(pool, uuid, c.req.valid('json'));
      if (!result.ok) throw new AppError('user_not_found');
      return c.json(result.user, 200);
    })
    .openapi(removeUser, async (c) => {
      const uuid = c.req.valid('param').uuid.toLowerCase();
      // A user deletes only their own account; an operator may delete anyone's without acting as them.
      const { caller, userUuid } = c.get('principal');
      if (userUuid !== undefined ? userUuid !== uuid : caller !== 'ops') throw new AppError('forbidden');
      if (!(await deleteUser(pool, uuid))) throw new AppError('user_not_found');
      return c.json({ uuid, deleted: true as const }, 200);
    });
}
