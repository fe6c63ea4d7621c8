import { createRouter, validationHook } from '@cruddur/http';
import { actingUser, type ServiceAuthEnv } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type { Messaging } from '../domain/messaging.ts';
import { credentialErrors, errorResponse, jsonResponse, pathUuid, Receipt, uuidParam } from './schemas.ts';

const Settings = z
  .object({
    read_receipts: z.boolean({ error: 'settings_invalid' }).openapi({
      description:
        'false: your read position is neither recorded nor shown to others, and you see nobody else’s',
    }),
  })
  .openapi('Settings');

/** A change names only what it changes; the others keep their value. */
const SettingsChange = Settings.partial().strict().openapi('SettingsChange');

const listReceipts = createRoute({
  method: 'get',
  path: '/internal/conversations/{group_uuid}/receipts',
  summary: 'The read positions of the other members that the acting user may see',
  request: { params: z.object({ group_uuid: pathUuid('group_uuid') }) },
  responses: {
    200: jsonResponse(z.object({ items: z.array(Receipt) }), 'Every visible position'),
    404: errorResponse('message_group_not_found'),
    422: errorResponse('message_group_uuid_invalid'),
    ...credentialErrors,
  },
});

const getSettings = createRoute({
  method: 'get',
  path: '/internal/me/settings',
  summary: "The acting user's messaging settings",
  responses: { 200: jsonResponse(Settings, 'The settings (defaults until changed)'), ...credentialErrors },
});

const putSettings = createRoute({
  method: 'put',
  path: '/internal/me/settings',
  summary:
    "Changes the acting user's messaging settings (only those named); they hold on every replica at once",
  request: {
    body: { required: true, content: { 'application/json': { schema: SettingsChange } } },
  },
  responses: {
    200: jsonResponse(Settings, 'The settings as stored'),
    422: errorResponse('settings_invalid'),
    ...credentialErrors,
  },
});

export function receiptRoutes(messaging: Messaging) {
  const app = createRouter<ServiceAuthEnv>();
  app.openapi(
    listReceipts,
    async (c) => {
      const group = uuidParam(c.req.valid('param').group_uuid, 'message_group_uuid_invalid');
      return c.json(await messaging.listReceipts(group, actingUser(c)), 200);
    },
    validationHook({ group_uuid: 'message_group_uuid_invalid' }),
  );
  app.openapi(getSettings, async (c) => c.json(await messaging.receipts.settings(actingUser(c)), 200));
  app.openapi(putSettings, async (c) =>
    c.json(await messaging.receipts.changeSettings(actingUser(c), c.req.valid('json')), 200),
  );
  return app;
}
