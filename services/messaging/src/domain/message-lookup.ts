import { AppError } from '@cruddur/contracts';
import { type ConversationItem, type MessageItem, messageSortKeyOfUuid } from '@cruddur/ddb';
import type { MessageStore } from '../data/store.ts';
import type { Membership } from './membership.ts';

export interface FoundMessage {
  conversation: ConversationItem;
  /** Undefined when there is none with this uuid that was sent to the caller. */
  message: MessageItem | undefined;
}

/**
 * A message by uuid, when the caller is a member of the conversation (404 `message_group_not_found` otherwise,
 * whether it exists or not) and it was sent to them. A uuid that is not a UUIDv7 names no message that can be found
 * by key (messages written before v7 uuids): `message_not_found`. Used by every change of a message: edits,
 * deletes and reactions.
 */
export async function findMessageFor(
  deps: { membership: Membership; store: MessageStore },
  groupUuid: string,
  userUuid: string,
  messageUuid: string,
): Promise<FoundMessage> {
  const conversation = await deps.membership.ofMember(groupUuid, userUuid);
  const sk = messageSortKeyOfUuid(messageUuid);
  if (!sk) throw new AppError('message_not_found');
  const message = await deps.store.getMessage(groupUuid, sk);
  return {
    conversation,
    message: message && visibleTo(conversation, userUuid, message) ? message : undefined,
  };
}

/** What the thread shows a member: in a group, what was sent to them from their join on. */
function visibleTo(conversation: ConversationItem, userUuid: string, message: MessageItem): boolean {
  if (conversation.kind !== 'group') return true;
  const joined = conversation.joined?.[userUuid];
  return message.members.includes(userUuid) && (joined === undefined || message.sk >= joined);
}
