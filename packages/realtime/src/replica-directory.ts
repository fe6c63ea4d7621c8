import type { ConnectionRegistry, ReplicaRecord } from './registry.ts';

/**
 * Which replicas are live and where their queues are, cached for `cacheMs`. Replicas change rarely (deploys,
 * scaling, crashes), users constantly, so only replicas are cached. Staleness: a replica that died within
 * `cacheMs` may still be sent to (its queue is gone or unread; its clients reconnect elsewhere and replay), and
 * one that just started is fetched on its first miss, so it is never missed.
 */
export class ReplicaDirectory {
  private readonly cache = new Map<string, { record: ReplicaRecord; fetchedAt: number }>();
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
      return !hit || now - hit.fetchedAt >= this.options.cacheMs;
    });
    if (missing.length > 0) {
      const fetched = await this.options.registry.replicas(missing);
      for (const id of missing) {
        const record = fetched.get(id);
        // Absent ones are not cached: a replica id is random per start, and it is announced before it serves.
        if (record) this.cache.set(id, { record, fetchedAt: now });
        else this.cache.delete(id);
      }
      if (this.cache.size > 10_000) this.cache.clear();
    }
    const known = new Map<string, ReplicaRecord>();
    for (const id of replicaIds) {
      const hit = this.cache.get(id);
      if (hit) known.set(id, hit.record);
    }
    return known;
  }

  /** A send found the queue gone: the replica stopped. */
  forget(replicaId: string): void {
    this.cache.delete(replicaId);
  }
}
