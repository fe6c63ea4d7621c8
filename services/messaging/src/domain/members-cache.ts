/**
 * Members of conversations this process has seen. A conversation's members never change after it is
 * created, so a cached entry cannot go stale; the write transaction still checks membership itself, so
 * the cache only saves a read, it never grants access. Bounded, oldest entry evicted first.
 */
export class MembersCache {
  private readonly entries = new Map<string, readonly string[]>();

  constructor(private readonly capacity = 10_000) {}

  get(groupUuid: string): readonly string[] | undefined {
    const members = this.entries.get(groupUuid);
    if (members) {
      // Refresh its place so busy conversations stay cached.
      this.entries.delete(groupUuid);
      this.entries.set(groupUuid, members);
    }
    return members;
  }

  set(groupUuid: string, members: readonly string[]): void {
    this.entries.delete(groupUuid);
    this.entries.set(groupUuid, members);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
