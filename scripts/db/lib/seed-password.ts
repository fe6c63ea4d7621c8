import { readFileSync } from 'node:fs';
import { SEED_PASSWORD } from '../../lib/seed-users.ts';

export type SeedPasswordChoice = { ok: true; password: string } | { ok: false; reason: string };

/**
 * Which password the seed users get. The published local password is for the Cognito emulator only:
 * a real user pool (`--prod`, or no emulator endpoint) gets users only when the operator asks for it
 * explicitly and brings a password of their own, from a file outside the repository.
 */
export function chooseSeedPassword({
  realPool,
  createInRealPool,
  passwordFile,
}: {
  realPool: boolean;
  createInRealPool: boolean;
  passwordFile: string | undefined;
}): SeedPasswordChoice {
  if (!realPool) return { ok: true, password: SEED_PASSWORD };
  if (!createInRealPool) {
    return {
      ok: false,
      reason:
        'refusing to create the demo users in a real Cognito user pool; they are for local systems. To create them anyway, pass --create-in-real-pool and --password-file <file>',
    };
  }
  if (!passwordFile) return { ok: false, reason: '--create-in-real-pool needs --password-file <file>' };
  let password: string;
  try {
    password = readFileSync(passwordFile, 'utf8').trim();
  } catch (err) {
    return {
      ok: false,
      reason: `cannot read ${passwordFile} (${(err as NodeJS.ErrnoException).code ?? err})`,
    };
  }
  if (password === SEED_PASSWORD) {
    return {
      ok: false,
      reason: 'that is the published local password; choose one that is not in the repository',
    };
  }
  if (password.length < 12) return { ok: false, reason: 'the password must have at least 12 characters' };
  return { ok: true, password };
}
