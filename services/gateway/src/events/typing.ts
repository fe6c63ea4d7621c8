import type { EventPublisher } from '@cruddur/aws';
import { createEvent, toTimestamp } from '@cruddur/contracts';
import { TtlCache } from '../auth/ttl-cache.ts';
import type { MessagingClient } from '../upstream/messaging.ts';

/** Membership is re-checked with messaging this often per caller and conversation (a member who left stops soon). */
const MEMBERS_CACHE_MS = 5_000;

export interface TypingResult {
  typing: boolean;
  /** When the indicator ends by itself (now, for a stop). */
  until: string;
  /** False when coalesced with an indicator pushed a moment ago, or there is nobody to tell. */
  pushed: boolean;
}

/**
 * Typing indicators: not stored, pushed to the other members through the targeted path. A start lasts `ttlMs`
 * (the event's `until`); clients renew it while the user types and may end it early with a stop. Starts of one
 * user in one conversation closer than `coalesceMs` are answered with the pushed indicator's `until` and not
 * pushed again, so a client may call on every keystroke (coalesced per replica; behind a load balancer two
 * replicas may each push once). The gateway's per-user token bucket still bounds the calls themselves.
 */
export class TypingService {
  private readonly members = new TtlCache<string, string[]>({ ttlMs: MEMBERS_CACHE_MS, maxEntries: 10_000 });
  private readonly pushed = new TtlCache<string, { at: number; until: number }>({
    ttlMs: 60_000,
    maxEntries: 10_000,
  });

  constructor(
    private readonly options: {
      messaging: MessagingClient;
      publisher: EventPublisher;
      ttlMs: number;
      coalesceMs: number;
    },
  ) {}

  /** Throws messaging's 404 for a caller who is not a member (or no such conversation). */
  async signal(userUuid: string, groupUuid: string, typing: boolean): Promise<TypingResult> {
    const key = `${userUuid}|${groupUuid}`;
    let members = this.members.get(key);
    if (!members) {
      const conversation = await this.options.messaging.getConversation(userUuid, groupUuid);
      members = conversation.members.map((m) => m.uuid);
      this.members.set(key, members);
    }
    const now = Date.now();
    const previous = this.pushed.get(key);
    const active = previous !== undefined && previous.until > now;
    if (typing && active && now - previous.at < this.options.coalesceMs) {
      return { typing, until: toTimestamp(new Date(previous.until)), pushed: false };
    }
    const until = typing ? now + this.options.ttlMs : now;
    const recipients = members.filter((m) => m !== userUuid);
    // A stop with no indicator showing has nothing to end.
    if (recipients.length === 0 || (!typing && !active)) {
      return { typing, until: toTimestamp(new Date(until)), pushed: false };
    }
    if (typing) this.pushed.set(key, { at: now, until });
    else this.pushed.delete(key);
    await this.options.publisher.publish([
      createEvent(
        'typing',
        {
          message_group_uuid: groupUuid,
          user_uuid: userUuid,
          typing,
          until: toTimestamp(new Date(until)),
          members: recipients,
        },
        { traceId: `typing-${userUuid}` },
      ),
    ]);
    return { typing, until: toTimestamp(new Date(until)), pushed: true };
  }
}
