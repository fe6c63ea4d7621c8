import type { ConversationItem } from '@cruddur/ddb';

/**
 * Direct conversations this process has seen. Their two members never change after the start, so a cached
 * entry cannot go stale; the write transaction still checks membership itself, so the cache only saves a
 * read, it never grants access. Groups are never cached: their members change, and a member who left must
 * be refused at once on every replica. Bounded, least recently used entry evicted first.
 */
export class DirectConversationCache {
  private readonly entries = new Map<string, ConversationItem>();

  constructor(private readonly capacity = 10_000) {}

  get(groupUuid: string): ConversationItem | undefined {
    const conversation = this.entries.get(groupUuid);
    if (conversation) {
      // Refresh its place so busy conversations stay cached.
      this.entries.delete(groupUuid);
      this.entries.set(groupUuid, conversation);
    }
    return conversation;
  }

  set(conversation: ConversationItem): void {
    if (conversation.kind === 'group') throw new Error('groups are never cached');
    const groupUuid = conversation.message_group_uuid;
    this.entries.delete(groupUuid);
    this.entries.set(groupUuid, conversation);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
