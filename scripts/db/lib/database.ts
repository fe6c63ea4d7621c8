import pg from 'pg';

/** The database a URL names, and an admin URL for the same server's `postgres` database (to create or drop it). */
export function splitDatabaseUrl(databaseUrl: string): { name: string; adminUrl: string } {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  return { name, adminUrl: url.toString() };
}

// Databases that belong to the server itself: never ours to create or drop.
const SYSTEM_DATABASES = new Set(['postgres', 'template0', 'template1']);

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export type CreateOutcome = 'created' | 'exists';

/** Creates the database DATABASE_URL names unless it exists. Two concurrent callers both succeed. */
export async function createDatabase(databaseUrl: string): Promise<CreateOutcome> {
  const { name, adminUrl } = splitDatabaseUrl(databaseUrl);
  if (SYSTEM_DATABASES.has(name)) return 'exists';
  return withAdmin(adminUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return 'exists';
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      return 'created';
    } catch (err) {
      // 42P04 duplicate_database, 23505 when the catalog insert races: someone else created it first.
      const code = (err as { code?: string }).code;
      if (code === '42P04' || code === '23505') return 'exists';
      throw err;
    }
  });
}

export type DropOutcome = 'dropped' | 'absent';

/** Drops the database DATABASE_URL names, disconnecting its sessions. Refuses the server's own databases. */
export async function dropDatabase(databaseUrl: string): Promise<DropOutcome> {
  const { name, adminUrl } = splitDatabaseUrl(databaseUrl);
  if (SYSTEM_DATABASES.has(name)) throw new Error(`refusing to drop the system database ${name}`);
  return withAdmin(adminUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!found.rowCount) return 'absent';
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    return 'dropped';
  });
}
