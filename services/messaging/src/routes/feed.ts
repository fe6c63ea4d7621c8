import { parseFeedKey } from '@cruddur/contracts';
import { createRouter } from '@cruddur/http';
import { actingUser, type ServiceAuthEnv } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type { FeedReader } from '../data/feed-reader.ts';
import { credentialErrors, errorResponse, jsonResponse } from './schemas.ts';

const readFeed = createRoute({
  method: 'get',
  path: '/internal/feed',
  summary: "A page of the acting user's change feed after a feed key, oldest first",
  description:
    'Every event the stream consumer published to the acting user, as it was published, for the gateway to ' +
    'replay on reconnect. Whether `after` is still within the retention is for the caller to decide.',
  request: {
    query: z.object({
      after: z
        .string({ error: 'cursor_invalid' })
        .refine((v) => parseFeedKey(v) !== undefined, { error: 'cursor_invalid' })
        .openapi({ description: 'A feed key (an SSE id), or a position `<time>#000000#0`' }),
      limit: z.coerce
        .number({ error: 'limit_invalid' })
        .int({ error: 'limit_invalid' })
        .min(1, { error: 'limit_invalid' })
        .max(1000, { error: 'limit_invalid' })
        .default(500)
        .openapi({ type: 'integer', minimum: 1, maximum: 1000, default: 500 }),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({
        items: z.array(z.object({ key: z.string(), event: z.unknown() })),
        next_after: z.string().nullable(),
      }),
      'One page (possibly empty while more follow); next_after is null once the feed is read to its end',
    ),
    422: errorResponse('cursor_invalid, limit_invalid'),
    ...credentialErrors,
  },
});

export function feedRoutes(feed: FeedReader) {
  const app = createRouter<ServiceAuthEnv>();
  app.openapi(readFeed, async (c) => {
    const { after, limit } = c.req.valid('query');
    const page = await feed.read(actingUser(c), after, limit);
    return c.json({ items: page.items, next_after: page.next ?? null }, 200);
  });
  return app;
}
