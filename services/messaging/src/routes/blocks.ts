import { createRouter, validationHook } from '@cruddur/http';
import { actingUser, type ServiceAuthEnv } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type { Blocks } from '../domain/blocks.ts';
import { DISPLAY_NAME_MAX, HANDLE_PATTERN } from '../validation.ts';
import { credentialErrors, errorResponse, jsonResponse, pathUuid, UserShort, uuidParam } from './schemas.ts';

const USER = { user_uuid: 'uuid_invalid' } as const;
const params = z.object({ user_uuid: pathUuid('user_uuid') });
const Blocked = UserShort.extend({ blocked: z.boolean() }).openapi('BlockState');

const listBlocks = createRoute({
  method: 'get',
  path: '/internal/blocks',
  summary: 'Everyone the acting user blocks',
  responses: {
    200: jsonResponse(z.object({ items: z.array(UserShort) }), 'The blocked users, by handle'),
    ...credentialErrors,
  },
});

const block = createRoute({
  method: 'put',
  path: '/internal/blocks/{user_uuid}',
  summary: 'The acting user blocks this user (idempotent)',
  request: {
    params,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            handle: z.string().regex(HANDLE_PATTERN, { error: 'handle_invalid' }),
            display_name: z.string().min(1).max(DISPLAY_NAME_MAX, { error: 'display_name_invalid' }),
          }),
        },
      },
    },
  },
  responses: {
    200: jsonResponse(Blocked, 'Blocked'),
    409: errorResponse('conflict (retryable)'),
    422: errorResponse('uuid_invalid, cannot_block_self'),
    ...credentialErrors,
  },
});

const unblock = createRoute({
  method: 'delete',
  path: '/internal/blocks/{user_uuid}',
  summary: 'The acting user unblocks this user (idempotent)',
  request: { params },
  responses: {
    200: jsonResponse(Blocked, 'Not blocked'),
    409: errorResponse('conflict (retryable)'),
    422: errorResponse('uuid_invalid, cannot_block_self'),
    ...credentialErrors,
  },
});

export function blockRoutes(blocks: Blocks) {
  const app = createRouter<ServiceAuthEnv>();

  app.openapi(listBlocks, async (c) => c.json({ items: await blocks.list(actingUser(c)) }, 200));

  app.openapi(
    block,
    async (c) => {
      const uuid = uuidParam(c.req.valid('param').user_uuid, 'uuid_invalid');
      const body = c.req.valid('json');
      return c.json(await blocks.set(actingUser(c), { uuid, ...body }, true), 200);
    },
    validationHook(USER),
  );

  app.openapi(
    unblock,
    async (c) => {
      const uuid = uuidParam(c.req.valid('param').user_uuid, 'uuid_invalid');
      return c.json(await blocks.set(actingUser(c), { uuid, handle: '', display_name: '' }, false), 200);
    },
    validationHook(USER),
  );

  return app;
}
