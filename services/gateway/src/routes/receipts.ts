import { createRoute, z } from '@hono/zod-openapi';
import { callerOf } from '../auth/middleware.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import { bearer, errorResponses, errorsSchema, groupUuidParam, notFound } from './schemas.ts';

const receiptSchema = z
  .object({
    uuid: z.uuid().openapi({ description: 'The member' }),
    handle: z.string(),
    display_name: z.string(),
    message_uuid: z.uuid().openapi({ description: 'The newest message they have read' }),
    read_at: z.string().openapi({ description: 'When they marked it read' }),
  })
  .openapi('ReadReceipt');

const settingsSchema = z
  .object({
    read_receipts: z.boolean({ error: 'settings_invalid' }).openapi({
      description:
        'false: your read position is not recorded or shown to anyone, and you see nobody else’s (default true)',
    }),
  })
  .openapi('Settings');

/** A change names only what it changes; the others keep their value. */
const settingsChangeSchema = settingsSchema.partial().strict().openapi('SettingsChange');

/** Read receipts: who has read up to where, and the caller's own choice to send them. */
export function receiptRoutes({ messaging, guards }: RouteDeps) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/message_groups/{message_group_uuid}/receipts',
      summary: "The other members' read positions in a conversation",
      description:
        'Each member who sends read receipts, with the newest message they have read (marked with ' +
        '`POST /api/message_groups/{uuid}/read`); empty when you turned yours off. Changes arrive as `receipt.updated`.',
      security: bearer,
      middleware: guards.signedIn,
      request: { params: z.object({ message_group_uuid: groupUuidParam }) },
      responses: {
        200: {
          description: 'Read positions',
          content: { 'application/json': { schema: z.array(receiptSchema) } },
        },
        ...notFound,
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { message_group_uuid } = c.req.valid('param');
      const { items } = await messaging.listReceipts(caller.uuid, message_group_uuid.toLowerCase());
      return c.json(
        items.map((r) => ({ ...r.user, message_uuid: r.message_uuid, read_at: r.read_at })),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/me/settings',
      summary: 'Your messaging settings',
      security: bearer,
      middleware: guards.signedIn,
      responses: {
        200: { description: 'Settings', content: { 'application/json': { schema: settingsSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => c.json(await messaging.getSettings(callerOf(c).uuid), 200),
  );

  router.openapi(
    createRoute({
      method: 'put',
      path: '/api/me/settings',
      summary: 'Changes your messaging settings',
      description:
        'Only the settings named change; the answer is all of them. Takes effect at once on every replica (no cache).',
      security: bearer,
      middleware: [...guards.signedIn, guards.json],
      request: {
        body: { required: true, content: { 'application/json': { schema: settingsChangeSchema } } },
      },
      responses: {
        200: {
          description: 'Settings as stored',
          content: { 'application/json': { schema: settingsSchema } },
        },
        415: { description: 'Not JSON', content: { 'application/json': { schema: errorsSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      return c.json(await messaging.changeSettings(callerOf(c).uuid, c.req.valid('json')), 200);
    },
  );

  return router;
}
