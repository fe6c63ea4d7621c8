import { AppError, createRouter, rejectInvalidUtf8 } from '@cruddur/http';
import { requireServiceCredential, type ServiceAuthEnv, type ServiceVerifier } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type pg from 'pg';
import {
  findUserByCognitoId,
  findUserByHandle,
  findUserByUuid,
  findUsersByHandles,
  findUsersByUuids,
} from '../data/users.ts';
import {
  errorBodySchema,
  HANDLE_PATTERN,
  lookupBody,
  userSchema,
  userShortSchema,
  userSnapshotSchema,
} from '../schemas.ts';
import { userSnapshot } from '../users.ts';

const errors = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBodySchema } },
});
const credentialErrors = {
  401: errors('service_credential_missing, _invalid, _expired or _audience'),
  403: errors('service_caller_forbidden: this caller may not use this route'),
};

const byCognito = createRoute({
  method: 'get',
  path: '/internal/users/by-cognito/{sub}',
  summary: 'The user a Cognito sub belongs to (identity resolution: gateway service credential only)',
  request: { params: z.object({ sub: z.string().openapi({ param: { name: 'sub', in: 'path' } }) }) },
  responses: {
    200: { description: 'The user', content: { 'application/json': { schema: userSchema } } },
    404: errors('No such user'),
    ...credentialErrors,
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
    404: errors('No such user'),
    ...credentialErrors,
  },
});

const byUuid = createRoute({
  method: 'get',
  path: '/internal/users/{uuid}',
  summary: "A user's public snapshot with its version: what a user event announces, read from the source",
  request: {
    params: z.object({
      uuid: z.uuid({ error: 'uuid_invalid' }).openapi({ param: { name: 'uuid', in: 'path' } }),
    }),
  },
  responses: {
    200: { description: 'The snapshot', content: { 'application/json': { schema: userSnapshotSchema } } },
    404: errors('No such user'),
    422: errors('uuid_invalid'),
    ...credentialErrors,
  },
});

const lookup = createRoute({
  method: 'post',
  path: '/internal/users/lookup',
  summary: 'Short profiles of up to 100 users by uuid or by handle; unknown ones are absent',
  description:
    'Give exactly one of `uuids` or `handles` (matched without regard to case). Both, or neither, is 422.',
  request: { body: { required: true, content: { 'application/json': { schema: lookupBody } } } },
  responses: {
    200: {
      description: 'The users found, in the order asked for, each once',
      content: { 'application/json': { schema: z.object({ users: z.array(userShortSchema) }) } },
    },
    422: errors('uuids_invalid, handles_invalid, body_invalid (both given)'),
    ...credentialErrors,
  },
});

/**
 * Read-only identity look-ups. The Cognito look-up returns the email, so only the gateway may make it,
 * with a service credential; profiles are readable by every service of ours and by operators' scripts.
 */
export function identityRoutes({ pool, verifier }: { pool: pg.Pool; verifier: ServiceVerifier }) {
  const router = createRouter<ServiceAuthEnv>();
  router.use(
    '/internal/users/by-cognito/*',
    requireServiceCredential(verifier, { callers: ['gateway'], user: 'none' }),
  );
  const readers = requireServiceCredential(verifier, {
    callers: ['gateway', 'messaging', 'ops'],
    user: 'any',
  });
  router.use('/internal/users/by-handle/*', readers);
  router.use('/internal/users/lookup', readers);
  router.on('GET', '/internal/users/:uuid', readers);
  router.use('/internal/users/lookup', rejectInvalidUtf8());
  return router
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
      const { uuids, handles } = c.req.valid('json');
      const users = handles
        ? await findUsersByHandles(pool, handles)
        : await findUsersByUuids(pool, uuids ?? []);
      return c.json({ users }, 200);
    })
    .openapi(byUuid, async (c) => {
      const user = await findUserByUuid(pool, c.req.valid('param').uuid);
      if (!user) throw new AppError('user_not_found');
      return c.json(userSnapshot(user), 200);
    });
}
