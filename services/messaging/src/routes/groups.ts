import { createRouter, validationHook } from '@cruddur/http';
import { actingUser, type ServiceAuthEnv } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type { Groups } from '../domain/groups.ts';
import {
  credentialErrors,
  errorResponse,
  Group,
  groupMembersField,
  idempotencyKeyField,
  jsonResponse,
  Message,
  messageField,
  pathUuid,
  titleField,
  uuidParam,
} from './schemas.ts';

const GROUP = { group_uuid: 'message_group_uuid_invalid' } as const;
const groupParams = z.object({ group_uuid: pathUuid('group_uuid') });
const changed = z.object({ group: Group, message: Message.nullable() });

const startGroup = createRoute({
  method: 'post',
  path: '/internal/groups',
  summary: 'Starts a group of the acting user and the given members, with its first message',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            members: groupMembersField,
            title: titleField.optional(),
            message: messageField,
            idempotency_key: idempotencyKeyField,
          }),
        },
      },
    },
  },
  responses: {
    201: jsonResponse(z.object({ group: Group, message: Message }), 'A new group'),
    200: jsonResponse(z.object({ group: Group, message: Message }), 'An idempotent retry'),
    409: errorResponse('idempotency_key_reused, or conflict (retryable)'),
    422: errorResponse('group_too_small, group_too_large, title_invalid, handles_invalid, the message codes'),
    ...credentialErrors,
  },
});

const getGroup = createRoute({
  method: 'get',
  path: '/internal/conversations/{group_uuid}',
  summary: 'A conversation with all its members, for a member (direct conversations too)',
  request: { params: groupParams },
  responses: {
    200: jsonResponse(Group, 'The conversation'),
    404: errorResponse('message_group_not_found: no such conversation, or not a member'),
    422: errorResponse('message_group_uuid_invalid'),
    ...credentialErrors,
  },
});

const addMembers = createRoute({
  method: 'post',
  path: '/internal/conversations/{group_uuid}/members',
  summary: 'Adds members to a group (any member may); members already in are ignored',
  request: {
    params: groupParams,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ members: groupMembersField }) } },
    },
  },
  responses: {
    200: jsonResponse(changed, 'The group after the add; message is null when everyone was a member already'),
    404: errorResponse('message_group_not_found'),
    409: errorResponse('conflict (retryable)'),
    422: errorResponse('not_a_group, group_too_large, handles_invalid'),
    ...credentialErrors,
  },
});

const leave = createRoute({
  method: 'post',
  path: '/internal/conversations/{group_uuid}/leave',
  summary: 'The acting user leaves the group',
  request: { params: groupParams },
  responses: {
    200: jsonResponse(z.object({ message_group_uuid: z.string(), left: z.literal(true) }), 'Left'),
    404: errorResponse('message_group_not_found'),
    409: errorResponse('conflict (retryable)'),
    422: errorResponse('not_a_group'),
    ...credentialErrors,
  },
});

const rename = createRoute({
  method: 'patch',
  path: '/internal/conversations/{group_uuid}',
  summary: "Sets or removes (null) a group's title",
  request: {
    params: groupParams,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ title: titleField.nullable() }) } },
    },
  },
  responses: {
    200: jsonResponse(changed, 'The group after the rename; message is null when the title was already that'),
    404: errorResponse('message_group_not_found'),
    409: errorResponse('conflict (retryable)'),
    422: errorResponse('not_a_group, title_invalid'),
    ...credentialErrors,
  },
});

export function groupRoutes(groups: Groups) {
  const app = createRouter<ServiceAuthEnv>();
  const group = (c: { req: { valid: (target: 'param') => { group_uuid: string } } }) =>
    uuidParam(c.req.valid('param').group_uuid, 'message_group_uuid_invalid');

  app.openapi(startGroup, async (c) => {
    const body = c.req.valid('json');
    const result = await groups.start({
      userUuid: actingUser(c),
      members: body.members,
      title: body.title,
      text: body.message,
      idempotencyKey: body.idempotency_key,
    });
    return c.json({ group: result.group, message: result.message }, result.replayed ? 200 : 201);
  });

  app.openapi(
    getGroup,
    async (c) => c.json(await groups.view(group(c), actingUser(c)), 200),
    validationHook(GROUP),
  );

  app.openapi(
    addMembers,
    async (c) =>
      c.json(
        await groups.add({
          userUuid: actingUser(c),
          groupUuid: group(c),
          members: c.req.valid('json').members,
        }),
        200,
      ),
    validationHook(GROUP),
  );

  app.openapi(
    leave,
    async (c) => c.json(await groups.leave(actingUser(c), group(c)), 200),
    validationHook(GROUP),
  );

  app.openapi(
    rename,
    async (c) =>
      c.json(
        await groups.rename({
          userUuid: actingUser(c),
          groupUuid: group(c),
          title: c.req.valid('json').title,
        }),
        200,
      ),
    validationHook(GROUP),
  );

  return app;
}
