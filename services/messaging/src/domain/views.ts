import {
  type ConversationItem,
  type InboxItem,
  type MessageItem,
  messageItem,
  messageText,
  type NewMessage,
  reactionsOf,
  type SystemEvent,
} from '@cruddur/ddb';
import type { ProfileRow } from '../data/store.ts';

/** What the messaging service answers: stored items joined with the profile replica at read time. */

export interface UserShort {
  uuid: string;
  handle: string;
  display_name: string;
}

export interface MessageView {
  uuid: string;
  message_group_uuid: string;
  message: string;
  created_at: string;
  sender: UserShort;
  kind: 'text' | 'system';
  /** System messages only: what changed; `users` are who was added or who left. */
  system?: { action: SystemEvent['action']; users: UserShort[]; title: string | null };
  /** When it was last edited; absent if never. */
  edited_at?: string;
  /** How many times it changed (edits, and the delete); absent if never. */
  edit_version?: number;
  /** Deleted for everyone: `message` is "". */
  deleted?: true;
  /** Each emoji's count, largest first, and whether the viewer added it; none on a tombstone. */
  reactions: ReactionView[];
}

export interface ReactionView {
  emoji: string;
  count: number;
  /** The viewer (the caller of the read or the write) added this one. */
  me: boolean;
}

/** A member's read position as the others see it. */
export interface ReceiptView {
  user: UserShort;
  /** The newest message they have read. */
  message_uuid: string;
  read_at: string;
}

export interface ConversationView {
  message_group_uuid: string;
  kind: 'direct' | 'group';
  /** Null for a group. */
  other_user: UserShort | null;
  title: string | null;
  member_count: number;
  /** The first few members (a direct conversation: both). */
  members: UserShort[];
  last_message: {
    uuid: string;
    message: string;
    created_at: string;
    sender_uuid: string;
    sender_handle: string;
    /** The shown message as of this edit; absent if never edited. */
    edit_version?: number;
    /** Everything sent to the caller is deleted: the newest tombstone, with no text. */
    deleted?: true;
  };
  unread_count: number;
}

export interface GroupView {
  message_group_uuid: string;
  kind: 'direct' | 'group';
  title: string | null;
  /** Every member, in join order. */
  members: UserShort[];
  member_count: number;
  created_at: string;
  created_by: string | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

type Profiles = Map<string, ProfileRow>;

/** A profile the replica has not received yet: shown, never an error (the event may be seconds away). */
function unknownUser(uuid: string): UserShort {
  return { uuid, handle: '', display_name: 'Unknown user' };
}

export function profileOf(uuid: string, profiles: Profiles): UserShort {
  const p = profiles.get(uuid);
  return p ? { uuid, handle: p.handle, display_name: p.display_name } : unknownUser(uuid);
}

/** The users a page of messages shows: senders and the users system messages name. */
export function usersShownBy(messages: readonly MessageItem[]): string[] {
  return messages.flatMap((m) => [m.sender_uuid, ...(m.system?.user_uuids ?? [])]);
}

export function toReactions(
  item: Pick<MessageItem, 'reactions' | 'deleted'>,
  viewer: string,
): ReactionView[] {
  return reactionsOf(item).map((r) => ({
    emoji: r.emoji,
    count: r.users.length,
    me: r.users.includes(viewer),
  }));
}

/** `viewer`: whose own reactions `me` marks (the reader, or the writer a write answers). */
export function toMessage(item: MessageItem, profiles: Profiles, viewer: string): MessageView {
  return {
    uuid: item.message_uuid,
    message_group_uuid: item.message_group_uuid,
    message: messageText(item),
    created_at: item.created_at,
    sender: profileOf(item.sender_uuid, profiles),
    kind: item.kind ?? 'text',
    ...(item.edited_at ? { edited_at: item.edited_at } : {}),
    ...(item.edit_version ? { edit_version: item.edit_version } : {}),
    ...(item.deleted ? { deleted: true as const } : {}),
    reactions: toReactions(item, viewer),
    ...(item.system
      ? {
          system: {
            action: item.system.action,
            users: item.system.user_uuids.map((u) => profileOf(u, profiles)),
            title: item.system.title ?? null,
          },
        }
      : {}),
  };
}

/** The answer to a write: the message as just built, with the profiles the replica has of whom it shows. */
export function toNewMessageView(
  m: NewMessage,
  profiles: Map<string, ProfileRow> | ProfileRow | undefined,
): MessageView {
  const known = profiles instanceof Map ? profiles : new Map(profiles ? [[profiles.uuid, profiles]] : []);
  return toMessage(messageItem(m), known, m.senderUuid);
}

/** The users a page of inbox rows shows. */
export function usersShownByRows(rows: readonly InboxItem[]): string[] {
  return rows.flatMap((row) => [
    row.last_sender_uuid,
    row.owner_uuid,
    ...(row.other_user_uuid ? [row.other_user_uuid] : []),
    ...(row.member_sample ?? []),
  ]);
}

export function toConversation(row: InboxItem, profiles: Profiles): ConversationView {
  const group = row.kind === 'group';
  // Only a row the stream consumer made for a message naming no other member lacks it; this service never does.
  const other = group ? null : profileOf(row.other_user_uuid ?? '', profiles);
  return {
    message_group_uuid: row.message_group_uuid,
    kind: group ? 'group' : 'direct',
    other_user: other,
    title: row.title ?? null,
    member_count: group ? (row.member_count ?? 0) : 2,
    members: group
      ? (row.member_sample ?? []).map((u) => profileOf(u, profiles))
      : [profileOf(row.owner_uuid, profiles), ...(other ? [other] : [])],
    last_message: {
      uuid: row.last_message_uuid,
      message: row.last_message_text,
      created_at: row.last_message_at,
      sender_uuid: row.last_sender_uuid,
      sender_handle: profileOf(row.last_sender_uuid, profiles).handle,
      ...(row.last_message_edit_version ? { edit_version: row.last_message_edit_version } : {}),
      ...(row.last_message_deleted ? { deleted: true as const } : {}),
    },
    unread_count: row.unread_count,
  };
}

export function toGroup(conversation: ConversationItem, profiles: Profiles): GroupView {
  return {
    message_group_uuid: conversation.message_group_uuid,
    kind: conversation.kind ?? 'direct',
    title: conversation.title ?? null,
    members: conversation.members.map((u) => profileOf(u, profiles)),
    member_count: conversation.members.length,
    created_at: conversation.created_at,
    created_by: conversation.created_by ?? null,
  };
}
