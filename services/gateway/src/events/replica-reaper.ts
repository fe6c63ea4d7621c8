import { toTimestamp } from '@cruddur/contracts';
import type { Logger } from '@cruddur/logger';
import type { ConnectionRegistry, ReplicaDirectory } from '@cruddur/realtime';

/** Users handled at once when a replica is reaped: bounded, so a big replica does not burst the registry. */
const USERS_AT_ONCE = 25;

export interface ReplicaReaperOptions {
  registry: ConnectionRegistry;
  directory: ReplicaDirectory;
  /** This replica: never reaped by itself. */
  replicaId: string;
  intervalMs: number;
  logger: Logger;
  /** A dead replica's user has no stream on a live replica: seen at its last heartbeat. Must not throw. */
  onUserLost: (userUuid: string, lastSeenAt: string) => Promise<void>;
}

/**
 * Cleans up after a replica that died without retiring (kill -9, a lost node), which wrote no disconnects.
 * Every replica sweeps the replica index each interval; for each replica found expired, one survivor wins the
 * claim (a conditional delete of its item), reads the users it held, clears its entry from their items and
 * reports those not connected on another live replica, so their contacts see them go offline exactly once.
 */
export class ReplicaReaper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: ReplicaReaperOptions) {
    this.logger = options.logger.child({ component: 'replica-reaper' });
  }

  start(): void {
    this.timer = setInterval(() => {
      // One sweep at a time: a slow reap is not started again by the next tick.
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .catch((err: unknown) => this.logger.warn({ err }, 'replica sweep failed'))
        .finally(() => {
          this.sweeping = undefined;
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One pass over the index: reaps the expired replicas, drops the ones whose item is gone. */
  async sweep(): Promise<void> {
    const { registry, directory, replicaId } = this.options;
    const indexed = await registry.indexedReplicas();
    indexed.delete(replicaId);
    const now = Date.now();
    // The index carries each replica's expiry, so a sweep costs one read; the rare entry without one (written
    // by an older version) is looked up, and one whose item is gone (retired, or reaped by someone who stopped
    // before dropping it) is only forgotten.
    const unstated = [...indexed].filter(([, expiry]) => expiry === null).map(([id]) => id);
    const known = await directory.known(unstated);
    for (const id of unstated) if (!known.has(id)) await registry.dropStaleFromIndex(id);
    for (const [id, expiry] of indexed) {
      const expiresAtMs = expiry ?? known.get(id)?.expiresAtMs;
      // The claim checks the replica's own item, so an index a heartbeat behind reaps nothing live.
      if (expiresAtMs !== undefined && expiresAtMs <= now) await this.reap(id);
    }
  }

  private async reap(deadId: string): Promise<void> {
    const { registry, directory } = this.options;
    const record = await registry.claimDeadReplica(deadId);
    if (!record) {
      // The replica renewed after all, or its item is gone: another survivor won (it drops it too, harmlessly
      // twice), or it retired and its index entry outlived it, which only this forgets.
      if (!(await registry.replicas([deadId])).has(deadId)) await registry.dropStaleFromIndex(deadId);
      return;
    }
    directory.forget(deadId);
    const lastSeenAt = toTimestamp(record.heartbeatAtMs);
    const users = await registry.replicaUsers(deadId);
    for (let i = 0; i < users.length; i += USERS_AT_ONCE) {
      const batch = users.slice(i, i + USERS_AT_ONCE);
      const connections = await registry.users(batch);
      const live = await directory.live([
        ...new Set([...connections.values()].flatMap((c) => c.replicaIds).filter((id) => id !== deadId)),
      ]);
      await Promise.all(
        batch.map(async (user) => {
          const named = connections.get(user)?.replicaIds ?? [];
          // Not named any more: their disconnect was written (a set entry can outlive it, as under a reused
          // GATEWAY_REPLICA_ID), so their contacts were told already.
          if (!named.includes(deadId)) return;
          const elsewhere = named.some((id) => live.has(id));
          // First, so a contact reading presence after the push sees the same time. A failure costs only a
          // stale entry (readers skip a replica they do not find), never the others' push: a claim is not retried.
          const forgotten = await registry
            .forgetDeadReplica(user, deadId, lastSeenAt, record.claimedAtMs)
            .catch((err: unknown) => {
              this.logger.warn({ err, user_uuid: user }, 'could not clear a dead replica');
              return true;
            });
          // Not forgotten: the replica was only late, came back, and the user is connected to it again.
          if (forgotten && !elsewhere) await this.options.onUserLost(user, lastSeenAt);
        }),
      );
    }
    await registry.dropStaleFromIndex(deadId);
    this.logger.info(
      { replica_id: deadId, users: users.length, last_seen_at: lastSeenAt },
      'reaped a dead replica',
    );
  }
}
