import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { timestamp, toTimestamp } from './time.ts';
import { BIO_MAX, CONTROL_CHARS, DISPLAY_NAME_MAX, HANDLE_PATTERN, MAX_USER_VERSION } from './validation.ts';

/**
 * A user's public profile as every other service may copy it. `version` grows by one per change. The
 * rules are the users service's own (handle pattern, display-name length and characters, version range),
 * so a payload the users service could never have written is refused at the consumer's boundary.
 */
export const userSnapshot = z.object({
  uuid: z.uuid(),
  handle: z.string().regex(HANDLE_PATTERN),
  display_name: z
    .string()
    .min(1)
    .max(DISPLAY_NAME_MAX)
    .refine((v) => v.trim() === v && !CONTROL_CHARS.test(v), 'display_name_invalid'),
  bio: z.string().max(BIO_MAX).nullable(),
  version: z.number().int().min(1).max(MAX_USER_VERSION),
});
export type UserSnapshot = z.infer<typeof userSnapshot>;

/** What a group message adds to its events (absent on direct conversations' events). */
const groupFields = {
  conversation_kind: z.enum(['direct', 'group']).optional(),
  title: z.string().nullable().optional(),
};

export const systemEvent = z.object({
  action: z.enum(['added', 'left', 'renamed']),
  user_uuids: z.array(z.uuid()),
  title: z.string().nullable().optional(),
});

/** What an inbox row shows of a conversation: the newest message sent to its owner that is not deleted. */
export const lastMessage = z.object({
  uuid: z.uuid(),
  text: z.string(),
  created_at: timestamp,
  sender_uuid: z.uuid(),
  /** The message as of this edit (absent: never edited). */
  edit_version: z.number().int().positive().optional(),
  /** Everything sent to the owner is deleted: this is the newest tombstone, with no text. */
  deleted: z.literal(true).optional(),
});

/** One emoji's count on a message. */
export const reactionCount = z.object({ emoji: z.string().min(1), count: z.number().int().positive() });

/** Which message changed, and who it was sent to (the events go to its members only). */
const changedMessage = {
  message_group_uuid: z.uuid(),
  message_uuid: z.uuid(),
  sender_uuid: z.uuid(),
  members: z.array(z.uuid()).min(1),
  created_at: timestamp,
  /** The change's number: 1 for the first edit, +1 per edit and for the delete; newer wins. */
  edit_version: z.number().int().positive(),
  ...groupFields,
};

/**
 * The event catalog: each type with its payload schema and the schema version producers write.
 * Consumers accept only what is listed here; see each consumer for what it does with a bad body.
 */
export const eventCatalog = {
  'user.registered': { version: 1, payload: userSnapshot },
  'user.profile_updated': { version: 1, payload: userSnapshot },
  /**
   * The user deleted their account (or an operator did): their profile and email are gone from the users service.
   * Published by the users outbox to messaging, which anonymises and removes them; then by the stream consumer to
   * the gateways (on the profile replica's tombstone), which end their sessions and streams.
   */
  'user.deleted': {
    version: 1,
    payload: z.object({ uuid: z.uuid(), cognito_user_id: z.string().nullable() }),
  },
  'message.created': {
    version: 1,
    payload: z.object({
      message_group_uuid: z.uuid(),
      message_uuid: z.uuid(),
      sender_uuid: z.uuid(),
      members: z.array(z.uuid()).min(1),
      message: z.string(),
      created_at: timestamp,
      kind: z.enum(['text', 'system']).optional(),
      system: systemEvent.optional(),
      ...groupFields,
    }),
  },
  /** A message's text was edited by its sender; one event per edit (its id is derived from the uuid and version). */
  'message.updated': {
    version: 1,
    payload: z.object({ ...changedMessage, message: z.string(), edited_at: timestamp }),
  },
  /** A message was deleted for everyone; its text is gone. One event per message. */
  'message.deleted': {
    version: 1,
    payload: z.object({ ...changedMessage, deleted_at: timestamp }),
  },
  /**
   * A member added or removed an emoji reaction; one event per change (id from the message uuid and
   * `reaction_version`, which grows by one per change: newer wins). `reactions` are the counts after it.
   */
  'reaction.changed': {
    version: 1,
    payload: z.object({
      message_group_uuid: z.uuid(),
      message_uuid: z.uuid(),
      /** The conversation's current members who can see the message: who the event is for. */
      members: z.array(z.uuid()).min(1),
      reaction_version: z.number().int().positive(),
      reactions: z.array(reactionCount),
      /** Who added or removed which emoji; absent only when the stream record had no old image to compare. */
      change: z
        .object({ user_uuid: z.uuid(), emoji: z.string().min(1), action: z.enum(['added', 'removed']) })
        .optional(),
      ...groupFields,
    }),
  },
  /** A member's read position moved forward (only members who send read receipts); one event per position. */
  'receipt.updated': {
    version: 1,
    payload: z.object({
      message_group_uuid: z.uuid(),
      user_uuid: z.uuid(),
      /** The conversation's current members: who the event is for. */
      members: z.array(z.uuid()).min(1),
      /** The newest message the member has read, and its sort key (positions compare by it). */
      message_uuid: z.uuid(),
      read_key: z.string().min(1),
      read_at: timestamp,
    }),
  },
  'inbox.updated': {
    version: 1,
    payload: z.object({
      owner_uuid: z.uuid(),
      message_group_uuid: z.uuid(),
      other_user_uuid: z.uuid().nullable(),
      last_message: lastMessage,
      unread_count: z.number().int().nonnegative(),
      member_count: z.number().int().nonnegative().optional(),
      ...groupFields,
    }),
  },
  /**
   * A member started or stopped typing in a conversation. Ephemeral: pushed by the gateway, never stored or logged.
   * `members` are the recipients (the typist excluded); the indicator ends by itself at `until` unless renewed.
   */
  typing: {
    version: 1,
    payload: z.object({
      message_group_uuid: z.uuid(),
      user_uuid: z.uuid(),
      typing: z.boolean(),
      until: timestamp,
      members: z.array(z.uuid()).min(1),
    }),
  },
  /**
   * A user came online or went offline (then with the time they were last seen). Ephemeral: pushed by the gateway
   * to the user's contacts (`recipients`), never logged; the current state is readable at GET /api/presence.
   */
  'presence.changed': {
    version: 1,
    payload: z.object({
      user_uuid: z.uuid(),
      online: z.boolean(),
      last_seen_at: timestamp.nullable(),
      recipients: z.array(z.uuid()).min(1),
    }),
  },
} as const;

export type EventType = keyof typeof eventCatalog;
export type EventPayload<T extends EventType> = z.infer<(typeof eventCatalog)[T]['payload']>;

export interface EventEnvelope<T extends EventType = EventType> {
  /** Unique per event; consumers deduplicate on it. */
  id: string;
  type: T;
  /** Schema version of `payload` for this type. */
  version: number;
  occurred_at: string;
  /** The request id of the work that caused the event, so logs can be followed across hops. */
  trace_id: string;
  payload: EventPayload<T>;
  /**
   * Where the event sits in each recipient's change feed (`<written_at>#<index>#<id>`), set by the stream consumer
   * once the event is logged; the gateway sends it as the SSE id, so a reconnect resumes from it. Absent on events
   * nobody logs (user events, ephemeral ones).
   */
  feed_key?: string;
}

const envelopeShape = z.object({
  id: z.string().min(1),
  type: z.string(),
  version: z.number().int().positive(),
  occurred_at: timestamp,
  trace_id: z.string().min(1),
  payload: z.unknown(),
  feed_key: z.string().min(1).max(200).optional(),
});

export type ParseResult = { ok: true; event: EventEnvelope } | { ok: false; reason: string };

/** Validates an envelope and its payload against the catalog. Never throws. */
export function parseEvent(raw: unknown): ParseResult {
  const envelope = envelopeShape.safeParse(raw);
  if (!envelope.success) return { ok: false, reason: `bad envelope: ${z.prettifyError(envelope.error)}` };
  const entry = eventCatalog[envelope.data.type as EventType];
  if (!entry) return { ok: false, reason: `unknown event type ${envelope.data.type}` };
  if (envelope.data.version > entry.version) {
    return {
      ok: false,
      reason: `${envelope.data.type} v${envelope.data.version} is newer than v${entry.version}`,
    };
  }
  const payload = entry.payload.safeParse(envelope.data.payload);
  if (!payload.success)
    return { ok: false, reason: `bad ${envelope.data.type} payload: ${z.prettifyError(payload.error)}` };
  const { feed_key, ...rest } = envelope.data;
  return {
    ok: true,
    event: {
      ...rest,
      type: rest.type as EventType,
      payload: payload.data,
      ...(feed_key === undefined ? {} : { feed_key }),
    },
  };
}

/** Parses a JSON string body (an SQS message) into a checked envelope. */
export function parseEventJson(body: string | undefined): ParseResult {
  if (!body) return { ok: false, reason: 'empty body' };
  try {
    return parseEvent(JSON.parse(body));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
}

export interface NewEventOptions {
  traceId: string;
  id?: string;
  occurredAt?: Date;
}

/** Builds a valid envelope; the payload is checked so a producer bug fails at the source. */
export function createEvent<T extends EventType>(
  type: T,
  payload: EventPayload<T>,
  { traceId, id = randomUUID(), occurredAt = new Date() }: NewEventOptions,
): EventEnvelope<T> {
  const entry = eventCatalog[type];
  const checked = entry.payload.parse(payload) as EventPayload<T>;
  return {
    id,
    type,
    version: entry.version,
    occurred_at: toTimestamp(occurredAt),
    trace_id: traceId,
    payload: checked,
  };
}

export function isEventOfType<T extends EventType>(event: EventEnvelope, type: T): event is EventEnvelope<T> {
  return event.type === type;
}

/**
 * Whose change feed an event belongs to, and whose streams it goes to: the owner of a per-user event
 * (`owner_uuid`), else the members of a conversation event (`members`), else `recipients` (a presence change's
 * contacts; ephemeral, never logged). Any future event type shaped so is logged, replayed and routed with no change
 * here; an event with none of them reaches nobody.
 */
/**
 * Events every gateway replica must see whoever it holds: a deleted account ends its sessions wherever a token or
 * an identity of it is cached, not only where it has a stream.
 */
export function isForEveryReplica(event: EventEnvelope): boolean {
  return event.type === 'user.deleted';
}

export function eventRecipients(event: EventEnvelope): string[] {
  const payload = event.payload as { owner_uuid?: unknown; members?: unknown; recipients?: unknown };
  if (typeof payload.owner_uuid === 'string') return [payload.owner_uuid];
  const list = Array.isArray(payload.members) ? payload.members : payload.recipients;
  if (Array.isArray(list)) return [...new Set(list.filter((m): m is string => typeof m === 'string'))];
  return [];
}
