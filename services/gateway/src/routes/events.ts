import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { callerOf } from '../auth/middleware.ts';
import { StreamOutbox } from '../events/outbox.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import { bearer, errorResponses, errorsSchema } from './schemas.ts';

/** How long a browser's EventSource waits before reconnecting (to any replica) after a drop. */
const RECONNECT_MS = 2_000;

export function eventRoutes({ hub, guards, heartbeatMs, realtime }: RouteDeps) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/events',
      summary: "Server-Sent Events: the caller's inbox changes as they happen",
      description:
        "Events: `ready` once connected; `inbox.updated` (one of the caller's conversations moved: last message, " +
        "unread count); `message.created` (a new message in one of the caller's conversations); `message.updated`, " +
        '`message.deleted`; `typing` (another member is typing until `until`, or stopped); `presence.changed` (a ' +
        'contact came online or went offline). The SSE id is the ' +
        'event id. EventSource cannot send headers, so the token may also be given as `?access_token=` (keep such ' +
        'URLs out of logs and referrers). Comment lines every few seconds keep proxies from closing the stream.',
      security: bearer,
      middleware: guards.stream,
      request: {
        query: z.object({
          access_token: z.string().optional().openapi({ description: 'The access token, for EventSource' }),
        }),
      },
      responses: {
        200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
        503: {
          description: 'This replica is shutting down; reconnect',
          content: { 'application/json': { schema: errorsSchema } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const outbox = new StreamOutbox();
      const registered = hub.register(caller.uuid, outbox);
      const retryAfter = { 'Retry-After': String(RECONNECT_MS / 1000) };
      if (!registered.ok) {
        // Shutting down: another replica can take the stream. Too many streams: the caller must close one.
        return registered.reason === 'closed'
          ? c.json({ errors: ['dependency_unavailable'] }, 503, retryAfter)
          : c.json({ errors: ['rate_limited'] }, 429, retryAfter);
      }
      // Registered in the connection registry before `ready` (and before any replay): every push published
      // from here on is routed to this replica, and everything before is in the change log.
      try {
        await realtime?.connections.connected(caller.uuid);
      } catch {
        registered.unregister();
        return c.json({ errors: ['dependency_unavailable'] }, 503, retryAfter);
      }
      c.header('X-Accel-Buffering', 'no');
      const response = streamSSE(c, async (stream) => {
        stream.onAbort(() => outbox.close());
        const heartbeat = setInterval(() => {
          stream.write(': keep-alive\n\n').catch(() => outbox.close());
        }, heartbeatMs);
        try {
          await stream.writeSSE({
            event: 'ready',
            data: JSON.stringify({ user_uuid: caller.uuid }),
            retry: RECONNECT_MS,
          });
          for (let event = await outbox.next(); event; event = await outbox.next()) {
            await stream.writeSSE(event);
          }
        } finally {
          clearInterval(heartbeat);
          registered.unregister();
          realtime?.connections.disconnected(caller.uuid);
        }
      });
      // The socket cannot serve another request while streaming anyway; closing it when the stream
      // ends lets a shutting-down server finish at once instead of waiting out the keep-alive timeout.
      // (Set on the context too: Hono copies the context's headers, streamSSE's keep-alive included, onto
      // the returned response.)
      c.header('Connection', 'close');
      response.headers.set('Connection', 'close');
      return response;
    },
  );

  return router;
}
