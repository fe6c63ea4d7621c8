import type { UsersClient } from '../upstream/users.ts';
import { TtlCache } from './ttl-cache.ts';

/** Cognito access tokens live at most a day: after that a deleted user's tokens fail their own checks. */
const REVOKED_TTL_MS = 24 * 60 * 60 * 1000;

/** Who is calling, as the rest of the gateway sees it. */
export interface Caller {
  uuid: string;
  handle: string;
  display_name: string;
  sub: string;
}

/**
 * Maps a verified Cognito `sub` to our user, caching hits briefly (the reference did a PostgreSQL round
 * trip per request). Concurrent look-ups of one sub share a single call. Misses are cached too, but only
 * for a few seconds: long enough that a validly signed token of an unknown user cannot make every one
 * of its requests cost a users-service look-up, short enough that a user who has just signed up is in
 * within seconds.
 */
export class IdentityResolver {
  private readonly cache: TtlCache<string, Caller>;
  private readonly unknown: TtlCache<string, true>;
  private readonly inFlight = new Map<string, Promise<Caller | undefined>>();
  /** Users whose account was deleted: refused at once, whatever the caches hold (for a token's whole lifetime). */
  private readonly revoked: TtlCache<string, true>;

  constructor(
    private readonly users: Pick<UsersClient, 'byCognitoSub'>,
    options: { ttlMs: number; maxEntries: number; unknownTtlMs: number; now?: () => number },
  ) {
    this.cache = new TtlCache(options);
    this.unknown = new TtlCache({ ...options, ttlMs: options.unknownTtlMs });
    this.revoked = new TtlCache({ ...options, ttlMs: REVOKED_TTL_MS });
  }

  /** The account was deleted: from now on this replica resolves none of its tokens, cached or not. */
  revoke(userUuid: string): void {
    this.revoked.set(userUuid, true);
  }

  async resolve(sub: string): Promise<Caller | undefined> {
    const caller = await this.resolveCached(sub);
    return caller && this.revoked.get(caller.uuid) ? undefined : caller;
  }

  private async resolveCached(sub: string): Promise<Caller | undefined> {
    const cached = this.cache.get(sub);
    if (cached) return cached;
    if (this.unknown.get(sub)) return undefined;
    let pending = this.inFlight.get(sub);
    if (!pending) {
      pending = this.lookUp(sub).finally(() => this.inFlight.delete(sub));
      this.inFlight.set(sub, pending);
    }
    return pending;
  }

  private async lookUp(sub: string): Promise<Caller | undefined> {
    const user = await this.users.byCognitoSub(sub);
    if (!user) {
      this.unknown.set(sub, true);
      return undefined;
    }
    const caller = { uuid: user.uuid, handle: user.handle, display_name: user.display_name, sub };
    this.cache.set(sub, caller);
    return caller;
  }
}
