import type { ProfileRow } from './requests.ts';

const CHANGE_MEMORY_MS = 30_000;

export interface ProfileCacheOptions {
  /** How long a profile read from the replica is reused; 0 turns the cache off. */
  ttlMs: number;
  maxEntries: number;
  /**
   * After this process changes a profile, reads of it are not cached for this long: the replica is read
   * eventually consistently, so a read right after the write may still return the old version.
   */
  settleMs?: number;
  now?: () => number;
}

/**
 * Profiles (handle and display name) shown in lists and threads, kept briefly so a page of 20 conversations
 * costs one Query instead of a Query plus a BatchGetItem of 21 profiles (10.5 of its 12 read units, and half
 * its CPU). A profile this process writes is dropped at once; one written by another replica of the service
 * shows here within `ttlMs`. Profiles the replica does not have yet are never cached. Bounded, least
 * recently used first out.
 */
export class ProfileCache {
  private readonly entries = new Map<string, { row: ProfileRow; expiresAt: number }>();
  /**
   * uuid -> when this process last changed it, oldest first. Kept longer than any read can take (DynamoDB
   * calls time out after 10 s), so a read that started before the change can never fill the cache after it.
   */
  private readonly changed = new Map<string, number>();
  private readonly settleMs: number;
  readonly now: () => number;

  constructor(private readonly options: ProfileCacheOptions) {
    this.settleMs = options.settleMs ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  get(uuid: string): ProfileRow | undefined {
    const entry = this.entries.get(uuid);
    if (!entry) return undefined;
    this.entries.delete(uuid);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(uuid, entry);
    return entry.row;
  }

  /** Remembers a profile read that started at `readStartedAt`, unless it changed since, or just before. */
  fill(row: ProfileRow, readStartedAt: number): void {
    if (this.options.ttlMs <= 0) return;
    const changedAt = this.changed.get(row.uuid);
    if (changedAt !== undefined && changedAt + this.settleMs > readStartedAt) return;
    this.entries.delete(row.uuid);
    this.entries.set(row.uuid, { row, expiresAt: this.now() + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** This process changed the profile: forget it, and do not cache reads of it until they have settled. */
  invalidate(uuid: string): void {
    this.entries.delete(uuid);
    const now = this.now();
    this.changed.delete(uuid);
    this.changed.set(uuid, now);
    for (const [key, at] of this.changed) {
      if (at + CHANGE_MEMORY_MS > now) break;
      this.changed.delete(key);
    }
  }
}
