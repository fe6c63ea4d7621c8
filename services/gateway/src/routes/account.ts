import { AppError } from '@cruddur/http';
import { createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import { callerOf } from '../auth/middleware.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import { bearer, errorResponses } from './schemas.ts';

/** The caller's own account. */
export function accountRoutes({ users, messaging, guards, revokeUser, logger }: RouteDeps) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/me',
      summary: 'Deletes your account',
      description:
        'Your profile and email are deleted at once and your access ends (this and every other session, on every replica, and your event streams). Then, through the outbox: your messages lose their text and show "Deleted user" as sender, you leave every group, and your conversation list is removed.',
      security: bearer,
      middleware: guards.signedIn,
      responses: {
        200: {
          description: 'Deleted',
          content: {
            'application/json': {
              schema: z.object({ uuid: z.string(), deleted: z.literal(true) }).openapi('DeletedAccount'),
            },
          },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const deleted = await users.deleteUser(caller.uuid);
      // Here at once; the other replicas when the stream consumer announces it.
      revokeUser(caller.uuid);
      if (!deleted) throw new AppError('unauthorized');
      return c.json({ uuid: caller.uuid, deleted: true as const }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/me/export',
      summary: 'Everything of yours, as JSON lines: your profile, then each conversation and its messages',
      description:
        'Streamed: the first line is `{"type":"profile", ...}` (email included); then, for every conversation you can read (requests too), a `{"type":"conversation", ...}` line with its members and its messages oldest first as `{"type":"message", ...}` lines, as you may read them. Read page by page from DynamoDB, so any history streams in constant memory. A failure after the first line ends the stream with `{"type":"error","errors":[code]}`.',
      security: bearer,
      middleware: guards.signedIn,
      responses: {
        200: {
          description: 'JSON lines (application/x-ndjson)',
          content: { 'application/x-ndjson': { schema: z.string() } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      // Read before the stream starts, so a failure here is still an ordinary error answer.
      const profile = await users.ownProfile(caller.sub);
      c.header('Content-Type', 'application/x-ndjson; charset=utf-8');
      c.header('Content-Disposition', 'attachment; filename="cruddur-export.jsonl"');
      // A raw streamed Response: zod-openapi types only c.json() answers, so it is passed as `never`.
      const response = stream(c, async (out) => {
        const line = (value: unknown) => out.write(`${JSON.stringify(value)}\n`);
        await line({ type: 'profile', ...profile });
        try {
          let cursor: string | undefined;
          do {
            if (out.aborted) return;
            const page = await messaging.exportPage(caller.uuid, cursor);
            // One write per page: each page is bounded, and the next is read only once this one is sent.
            if (page.lines.length > 0)
              await out.write(page.lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
            cursor = page.next_cursor ?? undefined;
          } while (cursor);
        } catch (err) {
          logger.warn({ err }, 'export failed after it started');
          await line({ type: 'error', errors: err instanceof AppError ? err.codes : ['internal_error'] });
        }
      });
      return response as never;
    },
  );

  return router;
}
