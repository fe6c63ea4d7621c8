import type { ConnectionRegistry, ReplicaRecord } from './registry.ts';

/**
 * Which replicas are live and where their queues are, cached for `cacheMs`. Replicas change rarely (deploys,
 * scaling, crashes), users constantly, so only replicas are cached. Staleness: a replica that died within
 * `cacheMs` may still be sent to (its queue is gone or unread; its clients reconnect elsewhere and replay), one
 * that just started is fetched on its first miss, and one whose cached entry expires is read again, so a live
 * one is never missed.
 */
export class ReplicaDirectory {
  private readonly cache = new Map<string, { record: ReplicaRecord; fetchedAt: number }>();
  /** Reads in flight by replica id: concurrent publishes that miss together share one read (no herd at expiry). */
  private readonly pending = new Map<string, Promise<void>>();
  private readonly now: () => number;

  constructor(
    private readonly options: { registry: ConnectionRegistry; cacheMs: number; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Queue URLs of the live replicas among `replicaIds`. */
  async live(replicaIds: readonly string[]): Promise<Map<string, string>> {
    const now = this.now();
    const live = new Map<string, string>();
    for (const [id, record] of await this.known(replicaIds)) {
      if (record.expiresAtMs > now) live.set(id, record.queueUrl);
    }
    return live;
  }

  /** What is known of each replica, live or dead (retired and never-announced ones are absent). */
  async known(replicaIds: readonly string[]): Promise<Map<string, ReplicaRecord>> {
    const now = this.now();
    const missing = replicaIds.filter((id) => {
      const hit = this.cache.get(id);
      if (!hit || now - hit.fetchedAt >= this.options.cacheMs) return true;
      // Live when read and expired since: its next heartbeat has most likely landed (a cache longer than the
      // time between heartbeats and expiry must not make a live replica look dead). Read dead, it stays cached.
      return hit.record.expiresAtMs <= now && hit.record.expiresAtMs > hit.fetchedAt;
    });
    const waits = new Set(missing.flatMap((id) => this.pending.get(id) ?? []));
    const toRead = missing.filter((id) => !this.pending.has(id));
    if (toRead.length > 0) {
      const read = this.read(toRead, now);
      for (const id of toRead) this.pending.set(id, read);
      waits.add(read);
    }
    await Promise.all(waits);
    const known = new Map<string, ReplicaRecord>();
    for (const id of replicaIds) {
      const hit = this.cache.get(id);
      if (hit) known.set(id, hit.record);
    }
    return known;
  }

  private async read(ids: string[], now: number): Promise<void> {
    try {
      const fetched = await this.options.registry.replicas(ids);
      for (const id of ids) {
        const record = fetched.get(id);
        // Absent ones are not cached: a replica id is random per start, and it is announced before it serves.
        if (record) this.cache.set(id, { record, fetchedAt: now });
        else this.cache.delete(id);
      }
      if (this.cache.size > 10_000) this.cache.clear();
    } finally {
      for (const id of ids) this.pending.delete(id);
    }
  }

  /** A send found the queue gone: the replica stopped. */
  forget(replicaId: string): void {
    this.cache.delete(replicaId);
  }
}
