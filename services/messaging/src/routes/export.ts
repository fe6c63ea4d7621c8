import { createRouter } from '@cruddur/http';
import { actingUser, type ServiceAuthEnv } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type { DataExport } from '../domain/export.ts';
import { credentialErrors, errorResponse, jsonResponse } from './schemas.ts';

const exportPage = createRoute({
  method: 'get',
  path: '/internal/me/export',
  summary: "One page of the acting user's data export: conversations and the messages they may read",
  request: { query: z.object({ cursor: z.string().max(1024).optional() }) },
  responses: {
    200: jsonResponse(
      z.object({
        lines: z.array(z.object({ type: z.enum(['conversation', 'message']) }).passthrough()),
        next_cursor: z.string().nullable(),
      }),
      'At most 500 lines; next_cursor is null on the last page',
    ),
    422: errorResponse('cursor_invalid'),
    ...credentialErrors,
  },
});

export function exportRoutes(dataExport: DataExport) {
  const app = createRouter<ServiceAuthEnv>();
  app.openapi(exportPage, async (c) =>
    c.json(await dataExport.page(actingUser(c), c.req.valid('query').cursor), 200),
  );
  return app;
}
