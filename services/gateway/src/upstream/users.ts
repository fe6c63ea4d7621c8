import type { ServiceClient } from '@cruddur/http';
import { bearer, type ServiceSigner } from '@cruddur/service-auth';
import { parseUpstream, upstreamFailure } from './errors.ts';
import { lookupResult, ownProfile, type User, type UserShort, user, userShort } from './schemas.ts';

/**
 * The users service calls the gateway makes (docs/contracts.md), with the gateway's service credential:
 * no user acts in an identity look-up. A 404 is a value, not a throw.
 */
export function createUsersClient(client: ServiceClient, signer: ServiceSigner) {
  const asGateway = async () => ({ headers: bearer(await signer.forService('users')) });
  return {
    async byCognitoSub(sub: string): Promise<User | undefined> {
      const res = await client.request(
        `/internal/users/by-cognito/${encodeURIComponent(sub)}`,
        await asGateway(),
      );
      // 422: a sub the users service could never hold; for the caller that is the same as an unknown one.
      if (res.status === 404 || res.status === 422) return undefined;
      if (res.status !== 200) throw upstreamFailure('users', res);
      return parseUpstream('users', user, res.body);
    },

    /** The whole profile of a user, email included, for their own export only. */
    async ownProfile(sub: string) {
      const res = await client.request(
        `/internal/users/by-cognito/${encodeURIComponent(sub)}`,
        await asGateway(),
      );
      if (res.status !== 200) throw upstreamFailure('users', res);
      return parseUpstream('users', ownProfile, res.body);
    },

    async byHandle(handle: string): Promise<UserShort | undefined> {
      const res = await client.request(
        `/internal/users/by-handle/${encodeURIComponent(handle)}`,
        await asGateway(),
      );
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw upstreamFailure('users', res);
      return parseUpstream('users', userShort, res.body);
    },

    /**
     * Up to 100 users by handle, without regard to case, in the order asked for; unknown handles are
     * absent, so the caller can name every one of them at once.
     */
    async lookupHandles(handles: readonly string[]): Promise<UserShort[]> {
      const res = await client.request('/internal/users/lookup', {
        method: 'POST',
        ...(await asGateway()),
        body: { handles },
        // A read, though it is a POST (a list of 100 handles does not fit a URL well).
        idempotent: true,
      });
      if (res.status !== 200) throw upstreamFailure('users', res);
      return parseUpstream('users', lookupResult, res.body).users;
    },

    /**
     * Deletes the acting user's own account (an assertion of them, not the gateway's credential: the users service
     * lets a user delete only themselves). False when there was no such user (already deleted). Not retried: a
     * lost answer is followed by 401s, the account being gone.
     */
    async deleteUser(userUuid: string): Promise<boolean> {
      const res = await client.request(`/internal/users/${encodeURIComponent(userUuid)}`, {
        method: 'DELETE',
        headers: bearer(await signer.forUser('users', userUuid)),
      });
      if (res.status === 404) return false;
      if (res.status !== 200) throw upstreamFailure('users', res);
      return true;
    },
  };
}
export type UsersClient = ReturnType<typeof createUsersClient>;
