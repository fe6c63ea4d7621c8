import type { ReceivedEvent } from './sse.ts';

/** A message as a client rebuilds it from events. */
export interface ClientMessage {
  message: string;
  deleted: boolean;
  /** The change's number (0: as sent); a change with a lower or equal one is old news. */
  version: number;
}

/** A conversation-list entry as a client rebuilds it from `inbox.updated`. */
export interface ClientInboxRow {
  message: string;
  unread_count: number;
  /** The SSE id of the event it came from: of two for one conversation, the greater is the newer state. */
  id: string;
}

/**
 * What a client knows after applying the events it received, in the order received, as the README tells clients
 * to: messages by uuid (a change only over an older version), conversation rows by the greatest SSE id. Applying an
 * event twice changes nothing, so replays that repeat events are harmless here, and a gap shows as a difference
 * from the API's answer.
 */
export class ClientState {
  readonly threads = new Map<string, Map<string, ClientMessage>>();
  readonly inbox = new Map<string, ClientInboxRow>();
  /** The SSE id to resume from: the last one received (as EventSource keeps it). */
  lastEventId: string | undefined;
  resets: string[] = [];

  applyAll(events: readonly ReceivedEvent[]): void {
    for (const event of events) this.apply(event);
  }

  apply(event: ReceivedEvent): void {
    if (event.id !== undefined) this.lastEventId = event.id;
    const data = event.data as Record<string, unknown>;
    switch (event.event) {
      case 'reset':
        this.resets.push(String(data.reason));
        return;
      case 'message.created': {
        // A change that overtook its message (live delivery keeps no order) already holds the newer state.
        const thread = this.thread(data);
        if (!thread.has(String(data.uuid)))
          thread.set(String(data.uuid), { message: String(data.message), deleted: false, version: 0 });
        return;
      }
      case 'message.updated':
      case 'message.deleted': {
        const version = Number(data.edit_version);
        const current = this.thread(data).get(String(data.uuid));
        if (current && current.version >= version) return;
        const deleted = event.event === 'message.deleted';
        this.thread(data).set(String(data.uuid), {
          message: deleted ? '' : String(data.message),
          deleted,
          version,
        });
        return;
      }
      case 'inbox.updated': {
        const group = String(data.message_group_uuid);
        const current = this.inbox.get(group);
        if (current && event.id !== undefined && current.id >= event.id) return;
        const last = data.last_message as { message: string };
        this.inbox.set(group, {
          message: last.message,
          unread_count: Number(data.unread_count),
          id: event.id ?? '',
        });
        return;
      }
      default:
    }
  }

  /** The threads without versions, to compare with the API's pages. */
  threadView(group: string): Record<string, { message: string; deleted: boolean }> {
    const view: Record<string, { message: string; deleted: boolean }> = {};
    for (const [uuid, m] of this.threads.get(group) ?? [])
      view[uuid] = { message: m.message, deleted: m.deleted };
    return view;
  }

  /** The conversation list without ids, to compare with GET /api/message_groups. */
  inboxView(): Record<string, { message: string; unread_count: number }> {
    const view: Record<string, { message: string; unread_count: number }> = {};
    for (const [group, row] of this.inbox)
      view[group] = { message: row.message, unread_count: row.unread_count };
    return view;
  }

  private thread(data: Record<string, unknown>): Map<string, ClientMessage> {
    const group = String(data.message_group_uuid);
    let thread = this.threads.get(group);
    if (!thread) {
      thread = new Map();
      this.threads.set(group, thread);
    }
    return thread;
  }
}
