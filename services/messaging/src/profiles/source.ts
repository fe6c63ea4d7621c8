import { type UserSnapshot, userSnapshot } from '@cruddur/contracts';
import type { ServiceClient } from '@cruddur/http';
import { bearer, type ServiceSigner } from '@cruddur/service-auth';

/** Where the truth about a user lives: the users service. */
export interface ProfileSource {
  /** The user's public snapshot now, or undefined when the users service has no such user. */
  snapshot(uuid: string): Promise<UserSnapshot | undefined>;
}

/**
 * Reads snapshots from the users service with this service's own credential. A user event is only a
 * notification that something changed; what is stored is what the users service says, so a forged or
 * tampered event cannot put anything in the replica that the users service does not hold.
 */
export function usersServiceProfiles(client: ServiceClient, signer: ServiceSigner): ProfileSource {
  return {
    async snapshot(uuid) {
      const res = await client.request(`/internal/users/${encodeURIComponent(uuid)}`, {
        headers: bearer(await signer.forService('users')),
      });
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`users service answered ${res.status} for user ${uuid}`);
      const parsed = userSnapshot.safeParse(res.body);
      if (!parsed.success)
        throw new Error(`users service answered a snapshot outside the contract for ${uuid}`);
      return parsed.data;
    },
  };
}
