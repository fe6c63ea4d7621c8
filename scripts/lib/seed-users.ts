/** The people every local system starts with (reference seed, with its bugs fixed). */
export const SEED_USERS = [
  { handle: 'andrewbrown', display_name: 'Andrew Brown', email: 'andrew@exampro.co' },
  { handle: 'bayko', display_name: 'Andrew Bayko', email: 'bayko@exampro.co' },
  { handle: 'londo', display_name: 'Londo Mollari', email: 'lmollari@centari.com' },
  { handle: 'altbrown', display_name: 'Alt Brown', email: 'andrew@cloudprojectbootcamp.com' },
] as const;

/**
 * Password of every seeded user in the local Cognito emulator (documented in the README).
 * Local only: the emulator's signing key is public, so nothing local is a secret anyway.
 */
export const SEED_PASSWORD = 'Cruddur-local-1';

/** The local user pool's name; `scripts/up` creates it once and reuses it. */
export const LOCAL_USER_POOL_NAME = 'cruddur-local';
