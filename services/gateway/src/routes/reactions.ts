import { isSingleEmoji } from '@cruddur/contracts';
import { AppError } from '@cruddur/http';
import { createRoute, z } from '@hono/zod-openapi';
import { callerOf } from '../auth/middleware.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import {
  bearer,
  errorResponses,
  errorsSchema,
  groupUuidParam,
  messageUuidParam,
  reactionSchema,
} from './schemas.ts';

const params = z.object({
  message_group_uuid: groupUuidParam,
  message_uuid: messageUuidParam,
  emoji: z.string().openapi({
    param: { name: 'emoji', in: 'path' },
    description: 'Exactly one emoji, URL-encoded (👍 is %F0%9F%91%8D)',
    example: '👍',
  }),
});

const summarySchema = z
  .object({
    message_group_uuid: z.uuid(),
    message_uuid: z.uuid(),
    reaction_version: z.number().int().openapi({
      description: '+1 per change of this message’s reactions; keep the highest seen (events carry it too)',
    }),
    reactions: z.array(reactionSchema),
  })
  .openapi('ReactionSummary');

const responses = (what: string) => ({
  200: { description: what, content: { 'application/json': { schema: summarySchema } } },
  404: {
    description: '`message_group_not_found` (not yours) or `message_not_found` (no such message sent to you)',
    content: { 'application/json': { schema: errorsSchema } },
  },
  409: {
    description:
      '`message_deleted` (a tombstone takes no reactions), or `too_many_reactions` (20 distinct emoji already)',
    content: { 'application/json': { schema: errorsSchema } },
  },
  ...errorResponses,
  422: {
    description:
      '`emoji_invalid` (not exactly one emoji), `message_group_uuid_invalid`, `message_uuid_invalid`',
    content: { 'application/json': { schema: errorsSchema } },
  },
});

const path = '/api/message_groups/{message_group_uuid}/messages/{message_uuid}/reactions/{emoji}';

/** Emoji reactions: each member adds each emoji to a message at most once; repeats change nothing. */
export function reactionRoutes({ messaging, guards }: RouteDeps) {
  const router = createGatewayRouter();

  for (const action of ['add', 'remove'] as const) {
    router.openapi(
      createRoute({
        method: action === 'add' ? 'put' : 'delete',
        path,
        summary:
          action === 'add' ? 'Adds your reaction to a message' : 'Removes your reaction from a message',
        description:
          (action === 'add'
            ? 'Adding one you already added changes nothing. '
            : 'Removing one you did not add changes nothing. ') +
          'Every member who can see the message gets `reaction.changed` on their event stream.',
        security: bearer,
        middleware: guards.signedIn,
        request: { params },
        responses: responses("The message's reactions afterwards"),
      }),
      async (c) => {
        const caller = callerOf(c);
        const { message_group_uuid, message_uuid, emoji } = c.req.valid('param');
        if (!isSingleEmoji(emoji)) throw new AppError('emoji_invalid');
        const summary = await messaging.changeReaction({
          userUuid: caller.uuid,
          groupUuid: message_group_uuid.toLowerCase(),
          messageUuid: message_uuid.toLowerCase(),
          emoji,
          action,
        });
        return c.json(summary, 200);
      },
    );
  }

  return router;
}
