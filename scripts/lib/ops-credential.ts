import { readFileSync } from 'node:fs';
import { bearer, createServiceSigner, privateKeyEnv, type ServiceName } from '@cruddur/service-auth';

/**
 * The `Authorization` header an operator's tool sends to one of our services: a service credential
 * signed with the ops key of a running system (`OPS_SERVICE_AUTH_PRIVATE_KEY_FILE` in its env).
 */
export async function opsAuthorization(
  env: Record<string, string | undefined>,
  audience: ServiceName,
): Promise<{ authorization: string }> {
  const file = env.OPS_SERVICE_AUTH_PRIVATE_KEY_FILE;
  const json = env.OPS_SERVICE_AUTH_PRIVATE_KEY ?? (file ? readFileSync(file, 'utf8') : undefined);
  if (!json) throw new Error('no ops key: OPS_SERVICE_AUTH_PRIVATE_KEY_FILE is not set');
  const signer = await createServiceSigner({ privateKey: privateKeyEnv.parse(json) });
  return bearer(await signer.forService(audience));
}
