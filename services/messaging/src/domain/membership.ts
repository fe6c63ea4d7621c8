import { AppError } from '@cruddur/contracts';
import type { ConversationItem } from '@cruddur/ddb';
import type { MessageStore } from '../data/store.ts';
import { DirectConversationCache } from './conversation-cache.ts';

/**
 * Who may read and write a conversation. A direct conversation is read once and cached (its members never
 * change); a group is read with a strongly consistent read every time, so a member who left is refused at
 * once on every replica. Writes check membership again in their own transaction.
 */
export class Membership {
  private readonly direct = new DirectConversationCache();

  constructor(private readonly store: MessageStore) {}

  /** A direct conversation this replica already knows, without a read. */
  cachedDirect(groupUuid: string): ConversationItem | undefined {
    return this.direct.get(groupUuid);
  }

  async read(groupUuid: string): Promise<ConversationItem | undefined> {
    const cached = this.direct.get(groupUuid);
    if (cached) return cached;
    const conversation = await this.store.getConversation(groupUuid);
    if (conversation && conversation.kind !== 'group') this.direct.set(conversation);
    return conversation;
  }

  /** The conversation, when `userUuid` is one of its members; otherwise 404, whether it exists or not. */
  async ofMember(groupUuid: string, userUuid: string): Promise<ConversationItem> {
    const conversation = await this.read(groupUuid);
    if (!conversation?.members.includes(userUuid)) throw new AppError('message_group_not_found');
    return conversation;
  }
}

/** What a group's messages carry of the group (its title at commit); nothing for a direct conversation. */
export function groupPart(conversation: ConversationItem) {
  return conversation.kind === 'group' ? { title: conversation.title } : undefined;
}
