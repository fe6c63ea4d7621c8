import { AppError, type ErrorCode, validationHook } from '@cruddur/http';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Caller } from '../auth/identity.ts';
import { callerOf } from '../auth/middleware.ts';
import type { GatewayEnv } from '../env.ts';
import { toGroupView, toMessageItem } from '../mapping.ts';
import type { UserShort } from '../upstream/schemas.ts';
import type { UsersClient } from '../upstream/users.ts';
import {
  checkAddMembers,
  checkNewGroup,
  checkRename,
  GROUP_TITLE_MAX,
  type GroupLimits,
  IDEMPOTENCY_KEY_PATTERN,
  MAX_MESSAGE_CHARS,
} from '../validation.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import {
  bearer,
  errorResponses,
  errorsSchema,
  groupUuidParam,
  groupViewSchema,
  messageItemSchema,
  notFound,
  unknownHandlesResponse,
} from './schemas.ts';

// Field types are for the document; the route's own check runs on the raw body whatever they say, so
// every code is reported at once (group size needs the caller, so it runs in the validation hook too).
const handlesField = z
  .array(z.string({ error: 'handles_invalid' }), { error: 'handles_invalid' })
  .openapi({ description: 'Members by handle; duplicates (in any case) and your own handle are ignored' });
const titleField = z
  .string({ error: 'title_invalid' })
  .openapi({ description: `1..${GROUP_TITLE_MAX} characters, trimmed, no control characters` });

const newGroupBody = z
  .object({
    handles: handlesField,
    title: titleField.nullish(),
    message: z.string({ error: 'message_blank' }).openapi({
      description: `The first message, 1..${MAX_MESSAGE_CHARS} characters`,
      example: 'Hello all!',
    }),
  })
  .openapi('NewGroup');

const addMembersBody = z.object({ handles: handlesField }).openapi('AddMembers');

const renameBody = z
  .object({ title: titleField.nullable().openapi({ description: 'The new title, or null to remove it' }) })
  .openapi('RenameGroup');

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, { error: 'idempotency_key_invalid' })
    .optional()
    .openapi({
      description: 'A retry with the same key returns the same group and message, never a second group',
    }),
});

const params = z.object({ message_group_uuid: groupUuidParam });
const GROUP_PARAM = { message_group_uuid: 'message_group_uuid_invalid' } as const;

// The message's own description is the shared Message component's, so what it is here goes in the answers' descriptions.
const withMessage = groupViewSchema.extend({ message: messageItemSchema }).openapi('StartedGroup');
const withChange = groupViewSchema.extend({ message: messageItemSchema.nullable() }).openapi('ChangedGroup');

const notJson = {
  415: { description: 'Not JSON', content: { 'application/json': { schema: errorsSchema } } },
};
// Not `as const` like errorResponses, so the validation hook's 422 is a typed answer of these routes.
const invalid = {
  422: {
    description: 'Invalid input: every code that applies',
    content: { 'application/json': { schema: errorsSchema } },
  },
};

/** Every member by handle, or 404 `user_not_found` naming every handle no user has. */
async function resolveHandles(users: UsersClient, handles: string[], caller: Caller): Promise<UserShort[]> {
  if (handles.length === 0) return [];
  const found = await users.lookupHandles(handles);
  const known = new Set(found.map((u) => u.handle.toLowerCase()));
  const unknown = handles.filter((h) => !known.has(h.toLowerCase()));
  if (unknown.length > 0) throw new AppError('user_not_found', { details: { unknown_handles: unknown } });
  // By uuid too: the caller is left out however their handle was spelt.
  return found.filter((u) => u.uuid !== caller.uuid);
}

/**
 * Group conversations: start one, read one (direct ones too), add members, leave, rename. Members are
 * named by handle and resolved at the users service here; messaging decides membership and writes the
 * system messages.
 */
export function groupRoutes({ users, messaging, guards, groupMaxMembers }: RouteDeps) {
  const router = createGatewayRouter();
  const limitsOf = (caller: Caller): GroupLimits => ({
    maxMembers: groupMaxMembers,
    callerHandle: caller.handle,
  });
  // The size rules need the caller, so a body the schema already refused is checked again with them.
  const bodyCodes =
    (check: (body: unknown, limits: GroupLimits) => { ok: boolean; codes?: ErrorCode[] }) =>
    (c: Context<GatewayEnv>, raw: Record<string, unknown>): ErrorCode[] => {
      const caller = c.get('caller');
      if (!caller) return [];
      const result = check(raw, limitsOf(caller));
      return result.ok ? [] : (result.codes ?? []);
    };

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/message_groups',
      summary: 'Starts a group conversation with a first message',
      description:
        `Members by handle: 2 to ${groupMaxMembers} (GROUP_MAX_MEMBERS) besides you. Unknown handles are ` +
        '404 `user_not_found` with every one of them in `unknown_handles`.',
      security: bearer,
      middleware: [...guards.signedIn, guards.json],
      request: {
        headers: idempotencyHeader,
        body: { required: true, content: { 'application/json': { schema: newGroupBody } } },
      },
      responses: {
        201: {
          description: 'A new group, and its first message',
          content: { 'application/json': { schema: withMessage } },
        },
        200: {
          description: 'An idempotent retry: the group and message of the first request',
          content: { 'application/json': { schema: withMessage } },
        },
        ...unknownHandlesResponse,
        409: {
          description: 'Idempotency key reused',
          content: { 'application/json': { schema: errorsSchema } },
        },
        ...notJson,
        ...errorResponses,
        ...invalid,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const check = checkNewGroup(c.req.valid('json'), limitsOf(caller));
      if (!check.ok) throw new AppError(check.codes);
      const members = await resolveHandles(users, check.handles, caller);
      const started = await messaging.startGroup({
        userUuid: caller.uuid,
        members,
        title: check.title,
        message: check.message,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
      });
      const body = { ...toGroupView(started.group, caller.uuid), message: toMessageItem(started.message) };
      return started.created ? c.json(body, 201) : c.json(body, 200);
    },
    validationHook({}, bodyCodes(checkNewGroup)),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/message_groups/{message_group_uuid}',
      summary: 'One of your conversations, group or direct, with every member',
      security: bearer,
      middleware: guards.signedIn,
      request: { params },
      responses: {
        200: {
          description: 'The conversation',
          content: { 'application/json': { schema: groupViewSchema } },
        },
        ...notFound,
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { message_group_uuid } = c.req.valid('param');
      const group = await messaging.getConversation(caller.uuid, message_group_uuid.toLowerCase());
      return c.json(toGroupView(group, caller.uuid), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/message_groups/{message_group_uuid}/members',
      summary: 'Adds members to a group (any member may)',
      description:
        'Handles of people already in it are ignored; when nobody is new, `message` is null. The group may ' +
        `hold ${groupMaxMembers} members besides its creator (422 \`group_too_large\`); a direct ` +
        'conversation is 422 `not_a_group`.',
      security: bearer,
      middleware: [...guards.signedIn, guards.json],
      request: {
        params,
        body: { required: true, content: { 'application/json': { schema: addMembersBody } } },
      },
      responses: {
        200: {
          description:
            'The group afterwards, and the system message saying what changed (null when nothing did)',
          content: { 'application/json': { schema: withChange } },
        },
        ...unknownHandlesResponse,
        ...notJson,
        ...errorResponses,
        ...invalid,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const groupUuid = c.req.valid('param').message_group_uuid.toLowerCase();
      const check = checkAddMembers(c.req.valid('json'), limitsOf(caller));
      if (!check.ok) throw new AppError(check.codes);
      const members = await resolveHandles(users, check.handles, caller);
      if (members.length === 0) {
        // Only the caller was named: nothing to add, but the answer is the same as for people already in it.
        const group = await messaging.getConversation(caller.uuid, groupUuid);
        if (group.kind !== 'group') throw new AppError('not_a_group');
        return c.json({ ...toGroupView(group, caller.uuid), message: null }, 200);
      }
      const added = await messaging.addMembers(caller.uuid, groupUuid, members);
      return c.json(
        {
          ...toGroupView(added.group, caller.uuid),
          message: added.message && toMessageItem(added.message),
        },
        200,
      );
    },
    validationHook(GROUP_PARAM, bodyCodes(checkAddMembers)),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/message_groups/{message_group_uuid}/leave',
      summary: 'Leaves a group: from then on it is 404 for you, everywhere',
      security: bearer,
      middleware: guards.signedIn,
      request: { params },
      responses: {
        200: {
          description: 'Left',
          content: {
            'application/json': {
              schema: z.object({ message_group_uuid: z.uuid(), left: z.literal(true) }).openapi('LeftGroup'),
            },
          },
        },
        ...notFound,
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { message_group_uuid } = c.req.valid('param');
      return c.json(await messaging.leave(caller.uuid, message_group_uuid.toLowerCase()), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/message_groups/{message_group_uuid}',
      summary: 'Renames a group, or removes its title with null (any member may)',
      description:
        'The same title again changes nothing: `message` is null. A direct conversation is 422 `not_a_group`.',
      security: bearer,
      middleware: [...guards.signedIn, guards.json],
      request: {
        params,
        body: { required: true, content: { 'application/json': { schema: renameBody } } },
      },
      responses: {
        200: {
          description:
            'The group afterwards, and the system message saying what changed (null when nothing did)',
          content: { 'application/json': { schema: withChange } },
        },
        ...notFound,
        ...notJson,
        ...errorResponses,
        ...invalid,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const groupUuid = c.req.valid('param').message_group_uuid.toLowerCase();
      const check = checkRename(c.req.valid('json'));
      if (!check.ok) throw new AppError(check.codes);
      const renamed = await messaging.rename(caller.uuid, groupUuid, check.title);
      return c.json(
        {
          ...toGroupView(renamed.group, caller.uuid),
          message: renamed.message && toMessageItem(renamed.message),
        },
        200,
      );
    },
    validationHook(GROUP_PARAM),
  );

  return router;
}
