/**
 * The item shapes of the messages table that this service writes. They are a contract with the stream
 * consumer (docs/contracts.md): change them only additively.
 */

export interface MessageItem {
  pk: string;
  sk: string;
  type: 'message';
  message_uuid: string;
  message_group_uuid: string;
  sender_uuid: string;
  message: string;
  created_at: string;
  /** Both members, so the stream consumer can update both inbox rows without another read. */
  members: string[];
}

export interface ConversationItem {
  pk: string;
  sk: 'META';
  type: 'conversation';
  message_group_uuid: string;
  members: string[];
  created_at: string;
}

export interface PairItem {
  pk: string;
  sk: 'PAIR';
  type: 'pair';
  message_group_uuid: string;
  created_at: string;
}

export interface InboxItem {
  pk: string;
  sk: string;
  type: 'inbox';
  owner_uuid: string;
  message_group_uuid: string;
  other_user_uuid: string;
  /** The last message's sort key; the sort key of the inbox_by_activity LSI. */
  last_message_key: string;
  last_message_uuid: string;
  last_message_text: string;
  last_message_at: string;
  last_sender_uuid: string;
  unread_count: number;
  last_read_key?: string;
}

export interface UserItem {
  pk: string;
  sk: 'PROFILE';
  type: 'user';
  uuid: string;
  handle: string;
  display_name: string;
  bio: string | null;
  /** The users service's version; the replica only ever moves to a higher one. */
  version: number;
}

export interface IdempotencyItem {
  pk: string;
  sk: 'IDEM';
  type: 'idempotency';
  message_group_uuid: string;
  message_sk: string;
  /** Hash of what the request asked for, so the same key with a different body is refused. */
  request_hash: string;
  /** Whether the request that first used the key started the conversation. */
  created_conversation: boolean;
  created_at: string;
  /** Epoch seconds for DynamoDB TTL: a key protects against retries, not forever. */
  expires_at: number;
}

export type TableItem = MessageItem | ConversationItem | PairItem | InboxItem | UserItem | IdempotencyItem;
