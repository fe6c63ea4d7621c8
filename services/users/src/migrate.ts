import { fileURLToPath } from 'node:url';
import { type Logger, silentLogger } from '@cruddur/logger';
import { runner } from 'node-pg-migrate';

/** Where the versioned migrations live; node-pg-migrate loads the TypeScript files itself. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
const MIGRATIONS_TABLE = 'pgmigrations';

export interface MigrateOptions {
  logger?: Logger;
  direction?: 'up' | 'down';
  /** How many migrations to apply (up) or revert (down); all pending ones by default for up, one for down. */
  count?: number;
}

/**
 * Brings the users database to the newest schema and returns the names of the migrations it ran
 * (empty when already current). Safe to call from several processes at once: node-pg-migrate takes an
 * advisory lock, and we wait for it instead of failing, so replicas and parallel tests can all call this.
 */
export async function migrateUsersDatabase(
  databaseUrl: string,
  { logger = silentLogger, direction = 'up', count }: MigrateOptions = {},
): Promise<string[]> {
  const ran = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    // The folder's README (and dotfiles) are not migrations.
    ignorePattern: '(\\..*)|(.*\\.md)',
    direction,
    count: count ?? (direction === 'up' ? Number.POSITIVE_INFINITY : 1),
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    logger: {
      debug: (msg: string) => logger.debug(msg),
      info: (msg: string) => logger.debug(msg),
      warn: (msg: string) => logger.warn(msg),
      error: (msg: string) => logger.error(msg),
    },
  });
  return ran.map((m) => m.name);
}
