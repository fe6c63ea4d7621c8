import type { EventPublisher } from '@cruddur/aws';
import { createEvent, toTimestamp } from '@cruddur/contracts';
import type { Logger } from '@cruddur/logger';
import type { ConnectionRegistry, ReplicaDirectory } from '@cruddur/realtime';
import type { ContactBook } from './contacts.ts';

/** What a caller is shown of one user. Hidden users and non-contacts look the same: offline, never seen. */
export interface PresenceView {
  user_uuid: string;
  online: boolean;
  last_seen_at: string | null;
}

const unseen = (userUuid: string): PresenceView => ({
  user_uuid: userUuid,
  online: false,
  last_seen_at: null,
});

/**
 * Presence: online while a user has a stream on a live replica, else "last seen" at their last disconnect.
 * Shown only to contacts; a user who hides it is shown to nobody as online or with a last-seen time, and no
 * `presence.changed` of theirs is pushed. Changes are pushed to the user's contacts through the same targeted
 * path as messages; they are ephemeral (not logged): a client that reconnects reads GET /api/presence.
 */
export class PresenceService {
  private readonly logger: Logger;

  constructor(
    private readonly options: {
      registry: ConnectionRegistry;
      directory: ReplicaDirectory;
      publisher: EventPublisher;
      contacts: ContactBook;
      logger: Logger;
    },
  ) {
    this.logger = options.logger.child({ component: 'presence' });
  }

  /** Pushes a change to the user's contacts, unless they hide it. Never throws: presence is best effort. */
  announce(userUuid: string, online: boolean): void {
    void this.announceNow(userUuid, online, online ? null : toTimestamp(new Date()));
  }

  /** A user of a replica that died: offline, seen at its last heartbeat. Resolves once pushed; never throws. */
  announceLost(userUuid: string, lastSeenAt: string): Promise<void> {
    return this.announceNow(userUuid, false, lastSeenAt);
  }

  private async announceNow(userUuid: string, online: boolean, seenAt: string | null): Promise<void> {
    try {
      if (await this.options.registry.presenceHidden(userUuid)) return;
      await this.push(userUuid, online, seenAt);
    } catch (err) {
      this.logger.warn({ err, user_uuid: userUuid }, 'presence push failed');
    }
  }

  private async push(userUuid: string, online: boolean, lastSeenAt: string | null): Promise<void> {
    const recipients = [...(await this.options.contacts.of(userUuid))];
    if (recipients.length === 0) return;
    await this.options.publisher.publish([
      createEvent(
        'presence.changed',
        { user_uuid: userUuid, online, last_seen_at: lastSeenAt, recipients },
        { traceId: `presence-${userUuid}` },
      ),
    ]);
  }

  /** The presence of each asked-for user as `caller` may see it (themselves and their contacts; others unseen). */
  async read(callerUuid: string, userUuids: readonly string[]): Promise<PresenceView[]> {
    const contacts = await this.options.contacts.of(callerUuid);
    const visible = userUuids.filter((u) => u === callerUuid || contacts.has(u));
    const [connections, hidden] = await Promise.all([
      this.options.registry.users(visible),
      this.options.registry.hiddenAmong(visible.filter((u) => u !== callerUuid)),
    ]);
    const replicas = await this.options.directory.known([
      ...new Set([...connections.values()].flatMap((c) => c.replicaIds)),
    ]);
    const now = Date.now();
    return userUuids.map((uuid) => {
      const entry = connections.get(uuid);
      if (!visible.includes(uuid) || hidden.has(uuid) || !entry) return unseen(uuid);
      const held = entry.replicaIds.flatMap((id) => replicas.get(id) ?? []);
      if (held.some((r) => r.expiresAtMs > now)) return { user_uuid: uuid, online: true, last_seen_at: null };
      // Still named by a replica that died (no disconnect was written): seen at its last heartbeat.
      const seen = [entry.lastSeenAt, ...held.map((r) => toTimestamp(new Date(r.heartbeatAtMs)))]
        .filter((t): t is string => t !== null)
        .sort()
        .at(-1);
      return { user_uuid: uuid, online: false, last_seen_at: seen ?? null };
    });
  }

  hidden(userUuid: string): Promise<boolean> {
    return this.options.registry.presenceHidden(userUuid);
  }

  /**
   * Hiding is pushed at once as "offline, never seen"; showing again pushes the current state, so contacts
   * never keep an online dot of someone who just hid it.
   */
  async setHidden(userUuid: string, hidden: boolean): Promise<void> {
    await this.options.registry.setPresenceHidden(userUuid, hidden);
    const [view] = await this.read(userUuid, [userUuid]);
    await this.push(
      userUuid,
      hidden ? false : (view?.online ?? false),
      hidden ? null : (view?.last_seen_at ?? null),
    ).catch((err: unknown) => this.logger.warn({ err, user_uuid: userUuid }, 'presence push failed'));
  }
}
