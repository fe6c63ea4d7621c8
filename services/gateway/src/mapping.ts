import type {
  Conversation,
  ConversationKind,
  Group,
  Message,
  Reaction,
  Receipt,
  UserShort,
} from './upstream/schemas.ts';

/**
 * Public shapes. The reference frontend reads `{uuid, display_name, handle, message, created_at}` from
 * every list item; the other fields are additions it ignores.
 */
export interface MessageGroupItem {
  /** The conversation's uuid (the frontend links to /messages/<uuid>). */
  uuid: string;
  kind: ConversationKind;
  /** The group's title; null for a direct conversation or an untitled group. */
  title: string | null;
  /** The other participant; for a group, its title or its members' names. */
  display_name: string;
  /** The other participant's; for a group, the last sender's. */
  handle: string;
  /** Null for a group. */
  other_user_uuid: string | null;
  member_count: number;
  /** The first few members. */
  members: UserShort[];
  /** The last message's text and time. */
  message: string;
  created_at: string;
  last_message_uuid: string;
  last_sender_handle: string | null;
  last_sender_is_me: boolean;
  /** Everything sent to you is deleted: `message` is "" (a deleted message is otherwise replaced by the one before it). */
  last_message_deleted?: true;
  unread_count: number;
}

interface SystemInfo {
  action: 'added' | 'left' | 'renamed';
  /** Who was added or left (for a rename, nobody). */
  users: UserShort[];
  /** The title after a rename (null when it was removed). */
  title: string | null;
}

export interface MessageItem {
  /** The message's uuid. */
  uuid: string;
  message_group_uuid: string;
  /** The sender; of a system message, who did it. */
  display_name: string;
  handle: string;
  sender_uuid: string;
  message: string;
  created_at: string;
  kind: 'text' | 'system';
  /** On system messages only. */
  system?: SystemInfo;
  /** When its sender last edited it; absent if never. */
  edited_at?: string;
  /** How many times it changed (each edit, and the delete): a client keeps the highest it has seen. */
  edit_version?: number;
  /** Deleted for everyone: `message` is "". */
  deleted?: true;
  /** Each emoji's count, largest first, and whether you added it (`me`); none on a tombstone. */
  reactions: Reaction[];
  /**
   * The other members whose read position is this message (they have read up to here); only on a thread page,
   * only members who send read receipts, and none when you do not.
   */
  read_by?: UserShort[];
}

/** One conversation as `GET /api/message_groups/:uuid` and the group routes answer it. */
export interface GroupView {
  uuid: string;
  kind: ConversationKind;
  title: string | null;
  display_name: string;
  member_count: number;
  /** Every member, in join order. */
  members: UserShort[];
  created_at: string;
}

/** Names shown before " and N more" in an untitled group's name. */
const NAMES_SHOWN = 3;

/**
 * What a conversation is called for the caller: its title, or else the other members' names joined with
 * ", " (the first three, then " and N more"). `members` may be only the first few of `memberCount`. With
 * nobody else left in a group, it is the caller's own name.
 */
export function groupDisplayName(
  title: string | null | undefined,
  members: readonly UserShort[],
  memberCount: number,
  callerUuid: string,
): string {
  if (title) return title;
  const others = members.filter((m) => m.uuid !== callerUuid);
  if (others.length === 0) return members[0]?.display_name ?? '';
  const shown = others.slice(0, NAMES_SHOWN).map((m) => m.display_name);
  // The caller is a member wherever they see the conversation, so everyone else is memberCount - 1.
  const more = Math.max(others.length, memberCount - 1) - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

export function toMessageGroupItem(conversation: Conversation, caller: UserShort): MessageGroupItem {
  const { other_user: other, last_message: last } = conversation;
  const fromMe = last.sender_uuid === caller.uuid;
  const common = {
    uuid: conversation.message_group_uuid,
    message: last.message,
    created_at: last.created_at,
    last_message_uuid: last.uuid,
    last_sender_is_me: fromMe,
    ...(last.deleted ? { last_message_deleted: true as const } : {}),
    unread_count: conversation.unread_count,
  };
  if (conversation.kind === 'direct') {
    if (!other) throw new Error(`messaging listed direct conversation ${common.uuid} without its other user`);
    return {
      ...common,
      kind: 'direct',
      title: null,
      display_name: other.display_name,
      handle: other.handle,
      other_user_uuid: other.uuid,
      member_count: conversation.member_count ?? 2,
      members: conversation.members ?? [caller, other],
      // Only two people are in a conversation, so the sender is one of them even if messaging omits it.
      last_sender_handle: last.sender_handle ?? (fromMe ? null : other.handle),
    };
  }
  const members = conversation.members ?? [];
  const memberCount = conversation.member_count ?? members.length;
  // The sender may have left since; their handle then comes from messaging alone.
  const senderHandle = last.sender_handle ?? members.find((m) => m.uuid === last.sender_uuid)?.handle ?? null;
  return {
    ...common,
    kind: 'group',
    title: conversation.title ?? null,
    display_name: groupDisplayName(conversation.title, members, memberCount, caller.uuid),
    // The reference frontend shows every row's handle; for a group that is who wrote last.
    handle: senderHandle ?? '',
    other_user_uuid: null,
    member_count: memberCount,
    members,
    last_sender_handle: senderHandle,
  };
}

export function toMessageItem(message: Message): MessageItem {
  const item: MessageItem = {
    uuid: message.uuid,
    message_group_uuid: message.message_group_uuid,
    display_name: message.sender.display_name,
    handle: message.sender.handle,
    sender_uuid: message.sender.uuid,
    message: message.message,
    created_at: message.created_at,
    kind: message.kind,
    reactions: message.reactions,
  };
  if (message.kind === 'system' && message.system) {
    const { action, users, title } = message.system;
    item.system = { action, users, title: title ?? null };
  }
  if (message.edited_at) item.edited_at = message.edited_at;
  if (message.edit_version) item.edit_version = message.edit_version;
  if (message.deleted) item.deleted = true;
  return item;
}

/** A thread page: each message with the members whose read position it is. */
export function toThreadItems(messages: readonly Message[], receipts: readonly Receipt[]): MessageItem[] {
  const byMessage = new Map<string, UserShort[]>();
  for (const r of receipts) byMessage.set(r.message_uuid, [...(byMessage.get(r.message_uuid) ?? []), r.user]);
  return messages.map((m) => ({ ...toMessageItem(m), read_by: byMessage.get(m.uuid) ?? [] }));
}

export function toGroupView(group: Group, callerUuid: string): GroupView {
  return {
    uuid: group.message_group_uuid,
    kind: group.kind,
    title: group.title,
    display_name: groupDisplayName(group.title, group.members, group.member_count, callerUuid),
    member_count: group.member_count,
    members: group.members,
    created_at: group.created_at,
  };
}
