import { TtlCache } from '../auth/ttl-cache.ts';
import type { MessagingClient } from '../upstream/messaging.ts';

/** How many of a user's newest conversations make their contacts. */
const CONVERSATIONS_READ = 100;

/**
 * A user's contacts: the people they share a conversation with, read from their newest 100 conversations (the
 * other person of a direct one, the members listed on a group's row), cached per replica for a while.
 * Someone met only in an older conversation is not a contact until that conversation moves up again.
 */
export class ContactBook {
  private readonly cache: TtlCache<string, Promise<Set<string>>>;

  constructor(private readonly options: { messaging: MessagingClient; ttlMs: number; maxEntries?: number }) {
    this.cache = new TtlCache({ ttlMs: options.ttlMs, maxEntries: options.maxEntries ?? 10_000 });
  }

  of(userUuid: string): Promise<Set<string>> {
    const hit = this.cache.get(userUuid);
    if (hit) return hit;
    const read = this.read(userUuid);
    this.cache.set(userUuid, read);
    // A failed read is not remembered; the next caller tries again.
    read.catch(() => this.cache.delete(userUuid));
    return read;
  }

  private async read(userUuid: string): Promise<Set<string>> {
    const page = await this.options.messaging.listConversations(userUuid, { limit: CONVERSATIONS_READ });
    const contacts = new Set<string>();
    for (const row of page.items) {
      if (row.other_user) contacts.add(row.other_user.uuid);
      for (const member of row.members ?? []) contacts.add(member.uuid);
    }
    contacts.delete(userUuid);
    return contacts;
  }
}
