import { createTestDatabase, testStack } from '@cruddur/test-kit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateUsersDatabase } from './migrate.ts';

const stack = testStack();
const drops: (() => Promise<void>)[] = [];

async function freshDatabase() {
  const db = await createTestDatabase(stack, 'users_migrate');
  drops.push(db.drop);
  return db.url;
}

afterAll(() => Promise.all(drops.map((d) => d())));

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE and constraint of a failing statement, or "ok". */
async function attempt(client: pg.Client, sql: string, params: unknown[] = []) {
  try {
    await client.query(sql, params);
    return 'ok';
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    return `${e.code} ${e.constraint}`;
  }
}

describe('users migrations', () => {
  it('applies once, then reports nothing to do; down and up again round-trip', async () => {
    const url = await freshDatabase();
    expect(await migrateUsersDatabase(url)).toEqual(['1764028800000_users-and-outbox']);
    expect(await migrateUsersDatabase(url)).toEqual([]);
    expect(await migrateUsersDatabase(url, { direction: 'down' })).toEqual([
      '1764028800000_users-and-outbox',
    ]);
    const tables = await withClient(url, (c) => c.query("SELECT to_regclass('users') AS t"));
    expect(tables.rows[0].t).toBeNull();
    expect(await migrateUsersDatabase(url)).toHaveLength(1);
  });

  it('is safe when two processes migrate the same database at once', async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([migrateUsersDatabase(url), migrateUsersDatabase(url)]);
    expect([...a, ...b]).toEqual(['1764028800000_users-and-outbox']);
  });

  it('enforces case-insensitive unique handle and email, unique sub, and the handle format', async () => {
    const url = await freshDatabase();
    await migrateUsersDatabase(url);
    await withClient(url, async (c) => {
      const insert = (handle: string, email: string, sub: string | null) =>
        attempt(
          c,
          'INSERT INTO users (handle, display_name, email, cognito_user_id) VALUES ($1, $2, $3, $4)',
          [handle, 'Someone', email, sub],
        );
      expect(await insert('londo', 'lmollari@centari.com', 'sub-1')).toBe('ok');
      expect(await insert('LONDO', 'other@centari.com', 'sub-2')).toBe('23505 users_handle_key');
      expect(await insert('vir', 'LMollari@Centari.com', 'sub-3')).toBe('23505 users_email_key');
      expect(await insert('vir', 'vir@centari.com', 'sub-1')).toBe('23505 users_cognito_user_id_key');
      // Not yet linked to Cognito: any number of users may lack a sub.
      expect(await insert('vir', 'vir@centari.com', null)).toBe('ok');
      expect(await insert('g_kar', 'gkar@narn.org', null)).toBe('ok');
      expect(await insert('not a handle', 'x@example.com', 'sub-4')).toBe('23514 users_handle_format');
      const row = await c.query("SELECT version, created_at, updated_at FROM users WHERE handle = 'londo'");
      expect(row.rows[0]).toMatchObject({ version: 1, created_at: expect.any(Date) });
    });
  });
});
