import { createRouter, validationHook } from '@cruddur/http';
import { actingUser, type ServiceAuthEnv } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type { Reactions } from '../domain/reactions.ts';
import { credentialErrors, errorResponse, jsonResponse, pathUuid, Reaction, uuidParam } from './schemas.ts';

const PARAMS = { group_uuid: 'message_group_uuid_invalid', message_uuid: 'message_uuid_invalid' } as const;
const params = z.object({
  group_uuid: pathUuid('group_uuid'),
  message_uuid: pathUuid('message_uuid'),
  emoji: z.string().openapi({ param: { name: 'emoji', in: 'path' }, description: 'One emoji, URL-encoded' }),
});
const path = '/internal/conversations/{group_uuid}/messages/{message_uuid}/reactions/{emoji}';

const ReactionSummary = z
  .object({
    message_group_uuid: z.string(),
    message_uuid: z.string(),
    reaction_version: z.number().int().nonnegative(),
    reactions: z.array(Reaction),
  })
  .openapi('ReactionSummary');

const responses = (done: string) => ({
  200: jsonResponse(ReactionSummary, done),
  404: errorResponse(
    'message_group_not_found (not a member), or message_not_found (none with this uuid sent to the user)',
  ),
  409: errorResponse(
    'message_deleted, too_many_reactions (20 distinct emoji already), or conflict (retryable)',
  ),
  422: errorResponse(
    'emoji_invalid (not exactly one emoji), message_group_uuid_invalid, message_uuid_invalid',
  ),
  ...credentialErrors,
});

const addReaction = createRoute({
  method: 'put',
  path,
  summary: 'Adds the acting user’s reaction with this emoji to a message (again: no change)',
  request: { params },
  responses: responses("The message's reactions after the add"),
});

const removeReaction = createRoute({
  method: 'delete',
  path,
  summary: 'Removes the acting user’s reaction with this emoji (none: no change)',
  request: { params },
  responses: responses("The message's reactions after the removal"),
});

export function reactionRoutes(reactions: Reactions) {
  const app = createRouter<ServiceAuthEnv>();
  const input = (c: { req: { valid(t: 'param'): z.infer<typeof params> } }, userUuid: string) => {
    const p = c.req.valid('param');
    return {
      groupUuid: uuidParam(p.group_uuid, 'message_group_uuid_invalid'),
      messageUuid: uuidParam(p.message_uuid, 'message_uuid_invalid'),
      emoji: p.emoji,
      userUuid,
    };
  };
  app.openapi(
    addReaction,
    async (c) => c.json(await reactions.add(input(c, actingUser(c))), 200),
    validationHook(PARAMS),
  );
  app.openapi(
    removeReaction,
    async (c) => c.json(await reactions.remove(input(c, actingUser(c))), 200),
    validationHook(PARAMS),
  );
  return app;
}
