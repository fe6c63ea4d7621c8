import { bearer, createServiceSigner, type PrivateServiceKey } from '@cruddur/service-auth';

/** The seed users as the users service (the owner of user identities) knows them. */

export interface SeedUser {
  uuid: string;
  handle: string;
  display_name: string;
}

export type ResolveUser = (handle: string) => Promise<SeedUser | undefined>;

/** A failure the operator can fix; the script prints its message as is. */
export class SeedError extends Error {}

/**
 * Looks users up through the users service's internal API, the owner of user identities, with the
 * operators' service credential.
 */
export function usersServiceResolver(usersUrl: string, opsKey: PrivateServiceKey | undefined): ResolveUser {
  const root = usersUrl.replace(/\/$/, '');
  const signer = opsKey ? createServiceSigner({ privateKey: opsKey }) : undefined;
  return async (handle) => {
    if (!signer) {
      throw new SeedError(
        'the users service needs a credential: set OPS_SERVICE_AUTH_PRIVATE_KEY_FILE to the ops key (scripts/up writes .data/keys/ops.jwk; scripts/ops/service-keys makes one)',
      );
    }
    const authorization = bearer(await (await signer).forService('users'));
    let res: Response;
    try {
      res = await fetch(`${root}/internal/users/by-handle/${encodeURIComponent(handle)}`, {
        headers: authorization,
        signal: AbortSignal.timeout(5_000),
      });
    } catch (err) {
      throw new SeedError(
        `the users service is not reachable at ${root} (${err instanceof Error ? err.message : String(err)}); start it (scripts/up) and run scripts/db/seed first`,
      );
    }
    if (res.status === 404) return undefined;
    if (res.status === 401 || res.status === 403) {
      throw new SeedError(
        `the users service refused the ops credential (${res.status}); is OPS_SERVICE_AUTH_PRIVATE_KEY_FILE the key whose public half the users service trusts?`,
      );
    }
    if (!res.ok) throw new SeedError(`the users service answered ${res.status} for @${handle}`);
    const body = (await res.json()) as SeedUser;
    return { uuid: body.uuid.toLowerCase(), handle: body.handle, display_name: body.display_name };
  };
}
