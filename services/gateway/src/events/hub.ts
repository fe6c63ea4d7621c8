import type { EventEnvelope } from '@cruddur/contracts';
import { Counter, Gauge, type Registry } from 'prom-client';
import { TtlCache } from '../auth/ttl-cache.ts';

/** One server-sent event as written on the wire. */
export interface ClientEvent {
  /** The SSE id: the event's feed key (a resumable cursor) when it was logged, else the event id. */
  id: string;
  event: string;
  data: string;
  /** The event's own id (never written): a stream sends each at most once across replay and live delivery. */
  eventId: string;
}

/** One open event stream of one user. `send` must not throw; a dead stream unregisters itself. */
export interface EventSink {
  send(event: ClientEvent): void;
  /** Ends the stream (the hub is shutting down); the browser's EventSource reconnects elsewhere. */
  close(): void;
}

/** Who an event is for, and what they are shown: only their own inbox, never anyone else's. */
function route(event: EventEnvelope): { recipients: string[]; data: unknown } | undefined {
  switch (event.type) {
    case 'inbox.updated': {
      const p = (event as EventEnvelope<'inbox.updated'>).payload;
      return {
        recipients: [p.owner_uuid],
        data: {
          message_group_uuid: p.message_group_uuid,
          other_user_uuid: p.other_user_uuid,
          last_message: {
            uuid: p.last_message.uuid,
            message: p.last_message.text,
            created_at: p.last_message.created_at,
            sender_uuid: p.last_message.sender_uuid,
            edit_version: p.last_message.edit_version,
            deleted: p.last_message.deleted,
          },
          unread_count: p.unread_count,
          // Group fields, absent on direct conversations' events (JSON leaves undefined out).
          conversation_kind: p.conversation_kind,
          title: p.title,
          member_count: p.member_count,
        },
      };
    }
    case 'message.created': {
      const p = (event as EventEnvelope<'message.created'>).payload;
      return {
        recipients: [...new Set(p.members)],
        data: {
          uuid: p.message_uuid,
          message_group_uuid: p.message_group_uuid,
          sender_uuid: p.sender_uuid,
          message: p.message,
          created_at: p.created_at,
          kind: p.kind,
          system: p.system,
          conversation_kind: p.conversation_kind,
          title: p.title,
        },
      };
    }
    case 'message.updated': {
      const p = (event as EventEnvelope<'message.updated'>).payload;
      return {
        recipients: [...new Set(p.members)],
        data: {
          uuid: p.message_uuid,
          message_group_uuid: p.message_group_uuid,
          sender_uuid: p.sender_uuid,
          message: p.message,
          created_at: p.created_at,
          edited_at: p.edited_at,
          edit_version: p.edit_version,
          conversation_kind: p.conversation_kind,
          title: p.title,
        },
      };
    }
    case 'message.deleted': {
      const p = (event as EventEnvelope<'message.deleted'>).payload;
      return {
        recipients: [...new Set(p.members)],
        data: {
          uuid: p.message_uuid,
          message_group_uuid: p.message_group_uuid,
          sender_uuid: p.sender_uuid,
          created_at: p.created_at,
          deleted_at: p.deleted_at,
          edit_version: p.edit_version,
          deleted: true,
          conversation_kind: p.conversation_kind,
          title: p.title,
        },
      };
    }
    case 'reaction.changed': {
      const p = (event as EventEnvelope<'reaction.changed'>).payload;
      return {
        recipients: [...new Set(p.members)],
        data: {
          uuid: p.message_uuid,
          message_group_uuid: p.message_group_uuid,
          reaction_version: p.reaction_version,
          reactions: p.reactions,
          change: p.change,
          conversation_kind: p.conversation_kind,
          title: p.title,
        },
      };
    }
    case 'receipt.updated': {
      const p = (event as EventEnvelope<'receipt.updated'>).payload;
      // `members` already leaves out everyone who does not send read receipts (they see nobody's).
      return {
        recipients: [...new Set(p.members)],
        data: {
          message_group_uuid: p.message_group_uuid,
          user_uuid: p.user_uuid,
          message_uuid: p.message_uuid,
          read_at: p.read_at,
        },
      };
    }
    case 'typing': {
      const p = (event as EventEnvelope<'typing'>).payload;
      return {
        recipients: p.members,
        data: {
          message_group_uuid: p.message_group_uuid,
          user_uuid: p.user_uuid,
          typing: p.typing,
          until: p.until,
        },
      };
    }
    case 'presence.changed': {
      const p = (event as EventEnvelope<'presence.changed'>).payload;
      return {
        recipients: p.recipients,
        data: { user_uuid: p.user_uuid, online: p.online, last_seen_at: p.last_seen_at },
      };
    }
    default:
      return undefined;
  }
}

/** An event as its recipients' streams get it, or undefined for a type no stream shows. */
export function toClientEvent(event: EventEnvelope): { recipients: string[]; wire: ClientEvent } | undefined {
  const routed = route(event);
  if (!routed) return undefined;
  return {
    recipients: routed.recipients,
    wire: {
      id: event.feed_key ?? event.id,
      event: event.type,
      data: JSON.stringify({ ...(routed.data as object), occurred_at: event.occurred_at }),
      eventId: event.id,
    },
  };
}

/**
 * The open event streams of this replica, by user. A replica receives the events of the users connected to it
 * (targeted delivery) or every event (broadcast), and delivers each only to the streams of the users it
 * concerns. Events seen again (SQS delivers at least once) are dropped by id.
 */
export class SseHub {
  private readonly streams = new Map<string, Set<EventSink>>();
  /**
   * Two minutes: an event comes again when its SQS message is not deleted in time, after the queue's visibility
   * timeout (30 s), so this covers several redeliveries while holding only two minutes of traffic.
   */
  private readonly seen = new TtlCache<string, true>({ ttlMs: 2 * 60_000, maxEntries: 10_000 });
  private closed = false;
  private readonly received: Counter | undefined;
  private readonly delivered: Counter | undefined;

  constructor(
    private readonly options: {
      maxStreamsPerUser: number;
      /** Where the open-streams gauge is registered; it is read at scrape time, nothing is counted per event. */
      metrics?: Registry;
    },
  ) {
    if (options.metrics) {
      // Received against delivered is what targeted delivery is about: with broadcast, received grows with all traffic.
      this.received = new Counter({
        name: 'gateway_push_events_received_total',
        help: 'Events this replica received from its queue (before dropping copies and events for nobody here)',
        registers: [options.metrics],
      });
      this.delivered = new Counter({
        name: 'gateway_push_deliveries_total',
        help: 'Events written to open streams on this replica (one per stream)',
        registers: [options.metrics],
      });
      const gauge: Gauge = new Gauge({
        name: 'gateway_sse_connections_open',
        help: 'Event streams (GET /api/events) open on this replica',
        registers: [options.metrics],
        collect: () => gauge.set(this.streamCount),
      });
    }
  }

  /** Adds a stream; refused when the user already has the most allowed, or the hub is shutting down. */
  register(
    userUuid: string,
    sink: EventSink,
  ): { ok: true; unregister: () => void } | { ok: false; reason: 'too_many_streams' | 'closed' } {
    if (this.closed) return { ok: false, reason: 'closed' };
    let sinks = this.streams.get(userUuid);
    if (!sinks) {
      sinks = new Set();
      this.streams.set(userUuid, sinks);
    }
    if (sinks.size >= this.options.maxStreamsPerUser) return { ok: false, reason: 'too_many_streams' };
    sinks.add(sink);
    const own = sinks;
    return {
      ok: true,
      unregister: () => {
        own.delete(sink);
        if (own.size === 0 && this.streams.get(userUuid) === own) this.streams.delete(userUuid);
      },
    };
  }

  /** Delivers one event to the streams it concerns; returns how many streams got it. */
  publish(event: EventEnvelope): number {
    this.received?.inc();
    if (this.seen.get(event.id)) return 0;
    this.seen.set(event.id, true);
    const routed = toClientEvent(event);
    if (!routed) return 0;
    const { wire } = routed;
    let delivered = 0;
    for (const recipient of routed.recipients) {
      for (const sink of this.streams.get(recipient) ?? []) {
        sink.send(wire);
        delivered++;
      }
    }
    if (delivered > 0) this.delivered?.inc(delivered);
    return delivered;
  }

  /** Ends every stream of one user (their account was deleted); returns how many were open. */
  disconnect(userUuid: string): number {
    const sinks = this.streams.get(userUuid);
    if (!sinks) return 0;
    this.streams.delete(userUuid);
    for (const sink of sinks) sink.close();
    return sinks.size;
  }

  /** Ends every stream but keeps taking new ones: clients reconnect (to any replica) and replay what they missed. */
  endStreams(): void {
    for (const sinks of this.streams.values()) for (const sink of sinks) sink.close();
  }

  /** Ends every stream and refuses new ones: the first step of a graceful shutdown. */
  closeAll(): void {
    this.closed = true;
    for (const sinks of this.streams.values()) for (const sink of sinks) sink.close();
    this.streams.clear();
  }

  get streamCount(): number {
    let count = 0;
    for (const sinks of this.streams.values()) count += sinks.size;
    return count;
  }
}
