import type { ServiceClient } from '@cruddur/http';
import { bearer, type ServiceSigner } from '@cruddur/service-auth';
import { parseUpstream, upstreamFailure } from './errors.ts';
import { type User, type UserShort, user, userShort } from './schemas.ts';

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

    async byHandle(handle: string): Promise<UserShort | undefined> {
      const res = await client.request(
        `/internal/users/by-handle/${encodeURIComponent(handle)}`,
        await asGateway(),
      );
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw upstreamFailure('users', res);
      return parseUpstream('users', userShort, res.body);
    },
  };
}
export type UsersClient = ReturnType<typeof createUsersClient>;
