import { createRoute, z } from '@hono/zod-openapi';
import { callerOf } from '../auth/middleware.ts';
import type { PresenceService } from '../events/presence.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import { bearer, errorResponses } from './schemas.ts';

const presenceView = z
  .object({
    user_uuid: z.uuid(),
    online: z.boolean(),
    last_seen_at: z.string().nullable(),
  })
  .openapi('Presence');

const settings = z.object({ hidden: z.boolean() }).openapi('PresenceSettings');

const MAX_USERS = 100;

export function presenceRoutes({ guards }: RouteDeps, presence: PresenceService) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/presence',
      summary: 'Online or last seen, for the caller and their contacts',
      description:
        'Contacts are the people the caller shares one of their newest 100 conversations with. Anyone else, and ' +
        'anyone who hides their presence, is answered as `{online: false, last_seen_at: null}`, the same as a ' +
        'user never seen, so the answer reveals neither. Changes are pushed as `presence.changed` on /api/events.',
      security: bearer,
      middleware: guards.signedIn,
      request: {
        query: z.object({
          user_uuids: z
            .string()
            .transform((v) => [
              ...new Set(
                v
                  .split(',')
                  .map((u) => u.trim().toLowerCase())
                  .filter(Boolean),
              ),
            ])
            .pipe(
              z
                .array(z.uuid({ error: 'uuids_invalid' }))
                .min(1, 'uuids_invalid')
                .max(MAX_USERS, 'uuids_invalid'),
            )
            .openapi({ description: `Comma-separated user uuids, at most ${MAX_USERS}`, type: 'string' }),
        }),
      },
      responses: {
        200: {
          description: 'One entry per asked-for user, in the order asked',
          content: { 'application/json': { schema: z.object({ presence: z.array(presenceView) }) } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { user_uuids } = c.req.valid('query');
      return c.json({ presence: await presence.read(caller.uuid, user_uuids) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/presence/settings',
      summary: "The caller's presence setting",
      security: bearer,
      middleware: guards.signedIn,
      responses: {
        200: { description: 'The setting', content: { 'application/json': { schema: settings } } },
        ...errorResponses,
      },
    }),
    async (c) => c.json({ hidden: await presence.hidden(callerOf(c).uuid) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'put',
      path: '/api/presence/settings',
      summary: "Hides or shows the caller's presence",
      description:
        'Hidden: contacts see the caller neither online nor with a last-seen time, and get no presence pushes of ' +
        'theirs (one `presence.changed` with `online: false, last_seen_at: null` tells them at once). The caller ' +
        'still sees their contacts.',
      security: bearer,
      middleware: [...guards.signedIn, guards.json],
      request: { body: { content: { 'application/json': { schema: settings } }, required: true } },
      responses: {
        200: { description: 'Saved', content: { 'application/json': { schema: settings } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { hidden } = c.req.valid('json');
      await presence.setHidden(callerOf(c).uuid, hidden);
      return c.json({ hidden }, 200);
    },
  );

  return router;
}
