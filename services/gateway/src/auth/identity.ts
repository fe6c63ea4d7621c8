import type { UsersClient } from '../upstream/users.ts';
import { TtlCache } from './ttl-cache.ts';

/** Who is calling, as the rest of the gateway sees it. */
export interface Caller {
  uuid: string;
  handle: string;
  display_name: string;
  sub: string;
}

/**
 * Maps a verified Cognito `sub` to our user, caching hits briefly (the reference did a PostgreSQL round
 * trip per request). Concurrent look-ups of one sub share a single call. Misses are not cached: a user
 * who has just signed up must not be locked out for the cache's lifetime.
 */
export class IdentityResolver {
  private readonly cache: TtlCache<string, Caller>;
  private readonly inFlight = new Map<string, Promise<Caller | undefined>>();

  constructor(
    private readonly users: Pick<UsersClient, 'byCognitoSub'>,
    options: { ttlMs: number; maxEntries: number },
  ) {
    this.cache = new TtlCache(options);
  }

  async resolve(sub: string): Promise<Caller | undefined> {
    const cached = this.cache.get(sub);
    if (cached) return cached;
    let pending = this.inFlight.get(sub);
    if (!pending) {
      pending = this.lookUp(sub).finally(() => this.inFlight.delete(sub));
      this.inFlight.set(sub, pending);
    }
    return pending;
  }

  private async lookUp(sub: string): Promise<Caller | undefined> {
    const user = await this.users.byCognitoSub(sub);
    if (!user) return undefined;
    const caller = { uuid: user.uuid, handle: user.handle, display_name: user.display_name, sub };
    this.cache.set(sub, caller);
    return caller;
  }
}
