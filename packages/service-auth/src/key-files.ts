import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateServiceKey,
  keyOwner,
  type PublicServiceKey,
  privateKeyEnv,
  publicKeySetJson,
  publicKeysEnv,
  type ServiceName,
} from './keys.ts';

/** The callers that sign: the gateway (for users), messaging (profile re-reads) and operators' scripts. */
export const SIGNING_SERVICES = ['gateway', 'messaging', 'ops'] as const satisfies readonly ServiceName[];
export type SigningService = (typeof SIGNING_SERVICES)[number];

export const PUBLIC_KEYS_FILE = 'public.jwks';
export const privateKeyFile = (service: SigningService) => `${service}.jwk`;

export interface KeyDirectory {
  dir: string;
  privateKeyPath(service: SigningService): string;
  publicKeysPath: string;
}

function readPublicKeys(path: string): PublicServiceKey[] {
  if (!existsSync(path)) return [];
  return publicKeysEnv.parse(readFileSync(path, 'utf8')).keys;
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, `${text}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Makes sure `dir` holds a private key per signing service and the public key set every callee trusts;
 * keys already there are kept, so running it twice changes nothing. `rotate` gives those services a new
 * private key while the set keeps their previous public key too (two valid keys at a time): restart the
 * callees, then the callers, then `retire` the old public keys.
 */
export async function ensureServiceKeys(
  dir: string,
  {
    rotate = [],
    retire = [],
  }: { rotate?: readonly SigningService[]; retire?: readonly SigningService[] } = {},
): Promise<KeyDirectory> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const publicKeysPath = join(dir, PUBLIC_KEYS_FILE);
  let publicKeys = readPublicKeys(publicKeysPath);
  for (const service of SIGNING_SERVICES) {
    const path = join(dir, privateKeyFile(service));
    const present = existsSync(path);
    if (present && !rotate.includes(service)) {
      const current = privateKeyEnv.parse(readFileSync(path, 'utf8'));
      if (!publicKeys.some((key) => key.kid === current.kid)) {
        publicKeys.push({ kty: current.kty, crv: current.crv, x: current.x, kid: current.kid });
      }
      continue;
    }
    const pair = await generateServiceKey(service);
    writeSecret(path, JSON.stringify(pair.privateKey));
    // The newest key of a service first; older ones beyond the one being replaced are dropped.
    const others = publicKeys.filter((key) => keyOwner(key.kid) !== service);
    const previous = present ? publicKeys.filter((key) => keyOwner(key.kid) === service).slice(-1) : [];
    publicKeys = [...others, ...previous, pair.publicKey];
  }
  for (const service of retire) {
    const current = privateKeyEnv.parse(readFileSync(join(dir, privateKeyFile(service)), 'utf8'));
    publicKeys = publicKeys.filter((key) => keyOwner(key.kid) !== service || key.kid === current.kid);
  }
  writeFileSync(publicKeysPath, `${publicKeySetJson(publicKeys)}\n`, { mode: 0o644 });
  return {
    dir,
    privateKeyPath: (service) => join(dir, privateKeyFile(service)),
    publicKeysPath,
  };
}
