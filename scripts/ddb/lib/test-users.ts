import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServiceVerifier, publicKeysEnv } from '@cruddur/service-auth';
import type { SeedUser } from './resolve-user.ts';

/**
 * A stand-in for the users service's `GET /internal/users/by-handle/:handle`, the one call the ddb
 * scripts make to it. The users service has its own tests; here only its answer's shape matters.
 */
export async function startFakeUsersService(handles: readonly string[], publicKeysJson: string) {
  // The same credential check as the real service's, so the scripts are proven to send one it accepts.
  const verifier = createServiceVerifier({
    audience: 'users',
    publicKeys: publicKeysEnv.parse(publicKeysJson),
  });
  const users = new Map<string, SeedUser>(
    handles.map((handle) => [handle, { uuid: randomUUID(), handle, display_name: `${handle} (seed)` }]),
  );
  const server = createServer(async (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const caller = await verifier.verify(token).catch(() => undefined);
    if (caller?.caller !== 'ops') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: ['service_credential_invalid'] }));
      return;
    }
    const match = /^\/internal\/users\/by-handle\/([^/]+)$/.exec(req.url ?? '');
    const user = match ? users.get(decodeURIComponent(match[1]!).toLowerCase()) : undefined;
    res.writeHead(user ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(user ?? { errors: ['user_not_found'] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    users,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
