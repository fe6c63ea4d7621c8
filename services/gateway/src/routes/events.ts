import { feedPosition } from '@cruddur/contracts';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { callerOf } from '../auth/middleware.ts';
import { TtlCache } from '../auth/ttl-cache.ts';
import { replayFeed } from '../events/feed-replay.ts';
import type { ClientEvent } from '../events/hub.ts';
import { StreamOutbox } from '../events/outbox.ts';
import { planResume, type ResetReason } from '../events/resume.ts';
import { createGatewayRouter, type RouteDeps } from './router.ts';
import { bearer, errorResponses, errorsSchema } from './schemas.ts';

/** How long a browser's EventSource waits before reconnecting (to any replica) after a drop. */
const RECONNECT_MS = 2_000;

/** An event as SSE text; ids (feed keys, uuids) and data (one line of JSON) never hold a line break. */
const toSseText = (e: ClientEvent) => `id: ${e.id}\nevent: ${e.event}\ndata: ${e.data}\n\n`;

/**
 * EventSource gives up for good on any answer but a 200 event stream (the HTML standard's "fail the connection"),
 * so a browser told 503 by a draining replica, or while the connection registry is down, would never come back.
 * It gets a stream that says why and ends instead: EventSource then reconnects after `retry`, through the load
 * balancer to a replica that can take it. Other clients get the plain 503.
 */
function unavailable(c: Context, retryAfter: Record<string, string>): Response {
  const errors = { errors: ['dependency_unavailable'] };
  if (!c.req.header('accept')?.includes('text/event-stream')) return c.json(errors, 503, retryAfter);
  const text = `retry: ${RECONNECT_MS}\nevent: unavailable\ndata: ${JSON.stringify(errors)}\n\n`;
  return c.body(text, 200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...retryAfter,
  });
}

/** How long a stream remembers the event ids it sent, so a live copy of a replayed event is not sent again. */
const SENT_MEMORY_MS = 10 * 60_000;

export function eventRoutes({ hub, guards, heartbeatMs, messaging, feed, logger, realtime }: RouteDeps) {
  const router = createGatewayRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/events',
      summary: "Server-Sent Events: the caller's inbox changes as they happen",
      description:
        "Events: `ready` once connected; `inbox.updated` (one of the caller's conversations moved: last message, " +
        "unread count); `message.created`, `message.updated`, `message.deleted` (a message in one of the caller's " +
        'conversations was sent, edited, deleted); `typing` (another member is typing until `until`, or stopped) ' +
        "and `presence.changed` (a contact came online or went offline), ephemeral: never replayed. The SSE id of a logged change is its key in the caller's change " +
        'feed (`<time>#<index>#<event id>`; ordered: of two `inbox.updated` for one conversation the greater id is ' +
        'the newer state); a fresh `ready` carries a position id too. On reconnect the `Last-Event-ID` header (sent by ' +
        'EventSource) or `?last_event_id=` replays every change since, for at least 24 hours (FEED_RETENTION_HOURS), ' +
        'before live events; the replay may repeat a few seconds of changes before the id, so apply events by their ' +
        'event id idempotently. When that is impossible, `reset` `{"reason": "cursor_expired" | "cursor_invalid" ' +
        '| "too_many_changes"}` says to reload the conversation list and open threads; live events follow it. ' +
        'EventSource cannot send headers, so the token may also be given as `?access_token=` (keep such ' +
        'URLs out of logs and referrers). Comment lines every few seconds keep proxies from closing the stream.',
      security: bearer,
      middleware: guards.stream,
      request: {
        query: z.object({
          access_token: z.string().optional().openapi({ description: 'The access token, for EventSource' }),
          last_event_id: z.string().optional().openapi({
            description: 'The last SSE id received, for clients that cannot send the Last-Event-ID header',
          }),
        }),
        headers: z.object({
          'last-event-id': z.string().optional().openapi({
            description:
              'The last SSE id received (EventSource sends it on reconnect); wins over ?last_event_id=',
          }),
        }),
      },
      responses: {
        200: {
          description:
            'An event stream. A client that asks for `text/event-stream` (EventSource does) is given, where others ' +
            'get the 503, a stream of one `unavailable` event `{"errors": ["dependency_unavailable"]}` with `retry:` ' +
            'that then ends, because EventSource never reconnects after an error status',
          content: { 'text/event-stream': { schema: z.string() } },
        },
        503: {
          description: 'This replica is shutting down, or cannot register the stream yet; reconnect',
          content: { 'application/json': { schema: errorsSchema } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const cursor = c.req.header('last-event-id') ?? c.req.valid('query').last_event_id;
      const plan = planResume(cursor, {
        nowMs: Date.now(),
        retentionHours: feed.retentionHours,
        overlapMs: feed.overlapMs,
      });
      const outbox = new StreamOutbox();
      const registered = hub.register(caller.uuid, outbox);
      const retryAfter = { 'Retry-After': String(RECONNECT_MS / 1000) };
      if (!registered.ok) {
        // Shutting down: another replica can take the stream. Too many streams: the caller must close one.
        return registered.reason === 'closed'
          ? unavailable(c, retryAfter)
          : c.json({ errors: ['rate_limited'] }, 429, retryAfter);
      }
      // Registered in the connection registry before `ready` (and before any replay): every push published
      // from here on is routed to this replica, and everything before is in the change log.
      try {
        await realtime?.connections.connected(caller.uuid);
      } catch {
        registered.unregister();
        return unavailable(c, retryAfter);
      }
      c.header('X-Accel-Buffering', 'no');
      const response = streamSSE(c, async (stream) => {
        stream.onAbort(() => outbox.close());
        const heartbeat = setInterval(() => {
          stream.write(': keep-alive\n\n').catch(() => outbox.close());
        }, heartbeatMs);
        // Registered (above) before the replay reads, so a change logged meanwhile arrives live if not replayed.
        const sent = new TtlCache<string, true>({
          ttlMs: SENT_MEMORY_MS,
          maxEntries: feed.replayMax + 10_000,
        });
        const reset = (reason: ResetReason) =>
          stream.writeSSE({
            event: 'reset',
            id: feedPosition(Date.now()),
            data: JSON.stringify({ reason }),
          });
        try {
          await stream.writeSSE({
            event: 'ready',
            data: JSON.stringify({ user_uuid: caller.uuid }),
            retry: RECONNECT_MS,
            // A first connection's position, so a client that drops before any event still resumes from here.
            // A resumed one keeps the client's cursor until the replay moves it.
            ...(plan.kind === 'replay' ? {} : { id: feedPosition(Date.now()) }),
          });
          if (plan.kind === 'reset') await reset(plan.reason);
          if (plan.kind === 'replay') {
            sent.set(plan.cursorEventId, true);
            const replay = replayFeed({
              readPage: (after, limit) => messaging.readFeed(caller.uuid, after, limit),
              afterKey: plan.afterKey,
              max: feed.replayMax,
              sent: { has: (id) => sent.get(id) !== undefined, add: (id) => sent.set(id, true) },
              logger,
            });
            for (let next = await replay.next(); ; next = await replay.next()) {
              if (next.done) {
                if (next.value === 'too_many') await reset('too_many_changes');
                break;
              }
              // One write per page: a write per event costs a flush each, most of a replay's time.
              await stream.write(next.value.map(toSseText).join(''));
            }
          }
          for (let event = await outbox.next(); event; event = await outbox.next()) {
            // Only a replayed stream can be sent an event twice (replayed, then live); the hub drops redeliveries.
            if (plan.kind === 'replay') {
              if (sent.get(event.eventId)) continue;
              sent.set(event.eventId, true);
            }
            await stream.writeSSE({ id: event.id, event: event.event, data: event.data });
          }
        } catch (err) {
          // Messaging unreachable mid-replay: end the stream; EventSource reconnects with the same last id. A
          // client that went away mid-write is no error.
          if (!stream.aborted) logger.warn({ err, user_uuid: caller.uuid }, 'event stream ended by an error');
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
