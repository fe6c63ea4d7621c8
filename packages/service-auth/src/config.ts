import { z } from '@cruddur/config';
import { privateKeyEnv, publicKeysEnv } from './keys.ts';

/** Env of a service that calls others: its own signing key (or `SERVICE_AUTH_PRIVATE_KEY_FILE`). */
export const signerEnv = {
  SERVICE_AUTH_PRIVATE_KEY: privateKeyEnv,
  /** Lifetime of a minted assertion; verifiers refuse anything older than twice the default. */
  SERVICE_AUTH_TTL_SECONDS: z.coerce.number().int().min(5).max(120).default(60),
};

/** Env of a service that is called: the public keys it trusts (or `SERVICE_AUTH_PUBLIC_KEYS_FILE`). */
export const verifierEnv = {
  SERVICE_AUTH_PUBLIC_KEYS: publicKeysEnv,
};
