import { createHash } from 'node:crypto';
import { createEvent, type EventEnvelope, type EventPayload, toTimestamp } from '@cruddur/contracts';
import {
  type InboxItem,
  type MessageItem,
  messageRecipients,
  messageText,
  type ReceiptItem,
  reactionsOf,
} from '@cruddur/ddb';

/**
 * A UUID-shaped id derived from what the event is about, so handling a record twice (a replay after a crash,
 * a takeover, the Lambda and a worker both running) publishes the same ids and consumers drop the copies.
 */
export function deterministicEventId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `message.created` for the members it was sent to; none for a message sent to nobody (the last member left). */
export function messageCreatedEvent(
  message: MessageItem,
  traceId: string,
): EventEnvelope<'message.created'> | undefined {
  if (messageRecipients(message).length === 0) return undefined;
  return createEvent(
    'message.created',
    {
      message_group_uuid: message.message_group_uuid,
      message_uuid: message.message_uuid,
      sender_uuid: message.sender_uuid,
      // Not to members who block the sender: a hidden message is never pushed to them.
      members: messageRecipients(message),
      message: messageText(message),
      created_at: message.created_at,
      ...(message.kind ? { kind: message.kind } : {}),
      ...(message.system ? { system: message.system } : {}),
      ...(message.conversation_kind
        ? { conversation_kind: message.conversation_kind, title: message.title ?? null }
        : {}),
    },
    {
      traceId,
      id: deterministicEventId('message.created', message.message_uuid),
      occurredAt: new Date(message.created_at),
    },
  );
}

/** The group fields a message's events carry (none for a direct conversation). */
const groupPart = (message: MessageItem) =>
  message.conversation_kind
    ? { conversation_kind: message.conversation_kind, title: message.title ?? null }
    : {};

/** `message.updated` for an edit, to the members it was sent to; one per edit (the id names the version). */
export function messageUpdatedEvent(
  message: MessageItem,
  traceId: string,
): EventEnvelope<'message.updated'> | undefined {
  if (messageRecipients(message).length === 0 || message.edit_version === undefined) return undefined;
  const editedAt = message.edited_at ?? message.created_at;
  return createEvent(
    'message.updated',
    {
      message_group_uuid: message.message_group_uuid,
      message_uuid: message.message_uuid,
      sender_uuid: message.sender_uuid,
      // Not to members who block the sender: a hidden message is never pushed to them.
      members: messageRecipients(message),
      created_at: message.created_at,
      edit_version: message.edit_version,
      message: messageText(message),
      edited_at: editedAt,
      ...groupPart(message),
    },
    {
      traceId,
      id: deterministicEventId('message.updated', message.message_uuid, String(message.edit_version)),
      occurredAt: new Date(editedAt),
    },
  );
}

/**
 * `message.deleted`, to the members it was sent to; one per message (a delete and a later removal of the same
 * message share the id). A removal the sender did not ask for has no `deleted_at`: `at` stands in.
 */
export function messageDeletedEvent(
  message: MessageItem,
  traceId: string,
  at: Date,
): EventEnvelope<'message.deleted'> | undefined {
  if (messageRecipients(message).length === 0) return undefined;
  const deletedAt = message.deleted_at ?? toTimestamp(at);
  return createEvent(
    'message.deleted',
    {
      message_group_uuid: message.message_group_uuid,
      message_uuid: message.message_uuid,
      sender_uuid: message.sender_uuid,
      // Not to members who block the sender: a hidden message is never pushed to them.
      members: messageRecipients(message),
      created_at: message.created_at,
      edit_version: message.deleted ? (message.edit_version ?? 1) : (message.edit_version ?? 0) + 1,
      deleted_at: deletedAt,
      ...groupPart(message),
    },
    {
      traceId,
      id: deterministicEventId('message.deleted', message.message_uuid),
      occurredAt: new Date(deletedAt),
    },
  );
}

/**
 * `inbox.updated` for one member's row as it now stands. The id covers the row's head, unread count and preview
 * (which message it shows, at which version): the same state always gives the same id, a different state (a
 * recount, an edit, a fallback after a delete) a new one.
 */
export function inboxUpdatedEvent(row: InboxItem, traceId: string): EventEnvelope<'inbox.updated'> {
  return createEvent(
    'inbox.updated',
    {
      owner_uuid: row.owner_uuid,
      message_group_uuid: row.message_group_uuid,
      other_user_uuid: row.other_user_uuid ?? null,
      last_message: {
        uuid: row.last_message_uuid,
        text: row.last_message_text,
        created_at: row.last_message_at,
        sender_uuid: row.last_sender_uuid,
        ...(row.last_message_edit_version ? { edit_version: row.last_message_edit_version } : {}),
        ...(row.last_message_deleted ? { deleted: true as const } : {}),
      },
      unread_count: row.unread_count,
      ...(row.kind === 'group'
        ? {
            conversation_kind: 'group' as const,
            title: row.title ?? null,
            member_count: row.member_count ?? 0,
          }
        : {}),
    },
    {
      traceId,
      id: deterministicEventId(
        'inbox.updated',
        row.owner_uuid,
        row.message_group_uuid,
        row.last_message_key,
        String(row.unread_count),
        // Absent on a row that shows its head as sent, so those ids are what they were before edits existed.
        ...(row.preview_key !== undefined ? [`preview:${row.preview_key}`] : []),
        ...(row.last_message_edit_version ? [`v${row.last_message_edit_version}`] : []),
        ...(row.last_message_deleted ? ['deleted'] : []),
      ),
    },
  );
}

/** Who added or removed what: the one difference between the old and the new image (undefined without an old one). */
export function reactionChangeOf(
  before: MessageItem | undefined,
  after: MessageItem,
): EventPayload<'reaction.changed'>['change'] | undefined {
  if (!before) return undefined;
  const was = new Map(reactionsOf(before).map((r) => [r.emoji, new Set(r.users)]));
  const now = new Map(reactionsOf(after).map((r) => [r.emoji, new Set(r.users)]));
  for (const emoji of new Set([...was.keys(), ...now.keys()])) {
    const old = was.get(emoji) ?? new Set<string>();
    const cur = now.get(emoji) ?? new Set<string>();
    for (const user of cur) if (!old.has(user)) return { user_uuid: user, emoji, action: 'added' };
    for (const user of old) if (!cur.has(user)) return { user_uuid: user, emoji, action: 'removed' };
  }
  return undefined;
}

/**
 * `reaction.changed` to `members` (the audience), one per change: its id names the message and its
 * `reaction_version`, so a replay publishes the same id and an older change never passes for a newer one.
 */
export function reactionChangedEvent(
  message: MessageItem,
  before: MessageItem | undefined,
  members: readonly string[],
  traceId: string,
  at: Date,
): EventEnvelope<'reaction.changed'> | undefined {
  if (members.length === 0 || message.reaction_version === undefined) return undefined;
  const change = reactionChangeOf(before, message);
  return createEvent(
    'reaction.changed',
    {
      message_group_uuid: message.message_group_uuid,
      message_uuid: message.message_uuid,
      members: [...members],
      reaction_version: message.reaction_version,
      reactions: reactionsOf(message).map((r) => ({ emoji: r.emoji, count: r.users.length })),
      ...(change ? { change } : {}),
      ...groupPart(message),
    },
    {
      traceId,
      id: deterministicEventId('reaction.changed', message.message_uuid, String(message.reaction_version)),
      occurredAt: at,
    },
  );
}

/** `receipt.updated` to `members` (the audience); one per position (the id names member and key). */
export function receiptUpdatedEvent(
  receipt: ReceiptItem,
  members: readonly string[],
  traceId: string,
): EventEnvelope<'receipt.updated'> | undefined {
  if (members.length === 0) return undefined;
  return createEvent(
    'receipt.updated',
    {
      message_group_uuid: receipt.message_group_uuid,
      user_uuid: receipt.user_uuid,
      members: [...members],
      message_uuid: receipt.read_message_uuid,
      read_key: receipt.read_key,
      read_at: receipt.read_at,
    },
    {
      traceId,
      id: deterministicEventId(
        'receipt.updated',
        receipt.message_group_uuid,
        receipt.user_uuid,
        receipt.read_key,
      ),
      occurredAt: new Date(receipt.read_at),
    },
  );
}

/**
 * `user.deleted`, for every gateway replica: the profile replica of this user became a tombstone. One per user
 * (the id is derived from the uuid), so a replayed record is dropped as a duplicate.
 */
export function userDeletedEvent(
  userUuid: string,
  traceId: string | undefined,
): EventEnvelope<'user.deleted'> {
  return createEvent(
    'user.deleted',
    { uuid: userUuid, cognito_user_id: null },
    { traceId: traceId || userUuid, id: deterministicEventId('user.deleted', userUuid) },
  );
}
