import type { Conversation, Message } from './upstream/schemas.ts';

/**
 * Public shapes. The reference frontend reads `{uuid, display_name, handle, message, created_at}` from
 * every list item; the other fields are additions it ignores.
 */
export interface MessageGroupItem {
  /** The conversation's uuid (the frontend links to /messages/<uuid>). */
  uuid: string;
  /** The other participant. */
  display_name: string;
  handle: string;
  other_user_uuid: string;
  /** The last message's text and time. */
  message: string;
  created_at: string;
  last_message_uuid: string;
  last_sender_handle: string | null;
  last_sender_is_me: boolean;
  unread_count: number;
}

export interface MessageItem {
  /** The message's uuid. */
  uuid: string;
  message_group_uuid: string;
  /** The sender. */
  display_name: string;
  handle: string;
  sender_uuid: string;
  message: string;
  created_at: string;
}

export function toMessageGroupItem(conversation: Conversation, callerUuid: string): MessageGroupItem {
  const { other_user: other, last_message: last } = conversation;
  const fromMe = last.sender_uuid === callerUuid;
  return {
    uuid: conversation.message_group_uuid,
    display_name: other.display_name,
    handle: other.handle,
    other_user_uuid: other.uuid,
    message: last.message,
    created_at: last.created_at,
    last_message_uuid: last.uuid,
    // Only two people are in a conversation, so the sender is one of them even if messaging omits it.
    last_sender_handle: last.sender_handle ?? (fromMe ? null : other.handle),
    last_sender_is_me: fromMe,
    unread_count: conversation.unread_count,
  };
}

export function toMessageItem(message: Message): MessageItem {
  return {
    uuid: message.uuid,
    message_group_uuid: message.message_group_uuid,
    display_name: message.sender.display_name,
    handle: message.sender.handle,
    sender_uuid: message.sender.uuid,
    message: message.message,
    created_at: message.created_at,
  };
}
